package webhook

import (
	"testing"
	"time"
)

// A body signed with the secret verifies; the same body with one byte
// flipped, or under another secret, does not; and no header lets an
// arbitrary header makes Verify panic.
func FuzzVerify(f *testing.F) {
	f.Add("whsec_test", []byte(`{"id":1,"rule":"r"}`), "t=1,v1=00", 0)
	f.Add("s", []byte{}, "", 3)
	f.Add("", []byte("x"), "t=abc,v1=zz,v1=", 1)
	f.Fuzz(func(t *testing.T, secret string, body []byte, header string, flip int) {
		now := time.Unix(1_800_000_000, 0)
		signed := Sign(secret, now, body)
		if err := VerifyAt(secret, signed, body, 5*time.Minute, now); err != nil {
			t.Fatalf("a body signed with the secret was refused: %v", err)
		}
		if VerifyAt(secret+"x", signed, body, 0, now) == nil {
			t.Fatal("another secret verified the signature")
		}
		if len(body) > 0 {
			tampered := append([]byte(nil), body...)
			i := (flip%len(body) + len(body)) % len(body)
			tampered[i] ^= 1
			if VerifyAt(secret, signed, tampered, 0, now) == nil {
				t.Fatalf("a body with byte %d flipped verified", i)
			}
		}
		_ = VerifyAt(secret, header, body, 0, now) // any header: refused or not, never a panic
	})
}
