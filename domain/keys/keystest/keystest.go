// Package keystest is the contract every keys.Provider must meet. Each
// provider's tests call Run, so the local key file and AWS KMS are held to
// the same round-trip, tamper and rotation properties.
package keystest

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/paycompliance/console/domain/keys"
)

// Subject is a provider under test plus a way to rotate all its keys
// (encryption, MAC and signing), as an operator would.
type Subject struct {
	Provider keys.Provider
	Rotate   func(t *testing.T)
}

// Run checks the provider that newSubject returns (a fresh one per subtest).
func Run(t *testing.T, newSubject func(t *testing.T) Subject) {
	ctx := context.Background()

	t.Run("RoundTrip", func(t *testing.T) {
		ring := keys.New(newSubject(t).Provider, keys.Options{})
		for _, plaintext := range [][]byte{{}, []byte("021000021"), bytes.Repeat([]byte{0xA5}, 64<<10)} {
			ct, err := ring.Encrypt(ctx, plaintext, []byte("bank_account:42"))
			if err != nil {
				t.Fatalf("Encrypt: %v", err)
			}
			if len(plaintext) > 4 && bytes.Contains(ct, plaintext) {
				t.Fatal("ciphertext contains the plaintext")
			}
			got, err := ring.Decrypt(ctx, ct, []byte("bank_account:42"))
			if err != nil || !bytes.Equal(got, plaintext) {
				t.Fatalf("Decrypt = %q, %v; want %q", got, err, plaintext)
			}
		}
	})

	t.Run("SamePlaintextGivesDifferentCiphertexts", func(t *testing.T) {
		ring := keys.New(newSubject(t).Provider, keys.Options{})
		a, _ := ring.Encrypt(ctx, []byte("secret"), nil)
		b, _ := ring.Encrypt(ctx, []byte("secret"), nil)
		if bytes.Equal(a, b) {
			t.Fatal("two encryptions of one plaintext are equal: nonce reuse")
		}
	})

	t.Run("WrongAssociatedDataFails", func(t *testing.T) {
		ring := keys.New(newSubject(t).Provider, keys.Options{})
		ct, err := ring.Encrypt(ctx, []byte("secret"), []byte("user:1"))
		if err != nil {
			t.Fatal(err)
		}
		for _, aad := range [][]byte{[]byte("user:2"), nil, []byte("user:1 ")} {
			if _, err := ring.Decrypt(ctx, ct, aad); !errors.Is(err, keys.ErrAuthentication) {
				t.Errorf("Decrypt with aad %q: err = %v, want ErrAuthentication", aad, err)
			}
		}
	})

	t.Run("TamperedCiphertextFails", func(t *testing.T) {
		ring := keys.New(newSubject(t).Provider, keys.Options{})
		ct, err := ring.Encrypt(ctx, []byte("4111 must never be stored"), []byte("aad"))
		if err != nil {
			t.Fatal(err)
		}
		// Flip one bit in every byte position in turn: header, wrapped data
		// key, nonce, body and tag must all be covered.
		for i := range ct {
			bad := bytes.Clone(ct)
			bad[i] ^= 0x01
			if _, err := ring.Decrypt(ctx, bad, []byte("aad")); err == nil {
				t.Fatalf("Decrypt accepted a ciphertext altered at byte %d of %d", i, len(ct))
			}
		}
		if _, err := ring.Decrypt(ctx, ct[:len(ct)-1], []byte("aad")); err == nil {
			t.Fatal("Decrypt accepted a truncated ciphertext")
		}
	})

	t.Run("TokensAreDeterministicAndChecked", func(t *testing.T) {
		ring := keys.New(newSubject(t).Provider, keys.Options{})
		a1, err := ring.Token(ctx, []byte("000123456789"))
		if err != nil {
			t.Fatal(err)
		}
		a2, _ := ring.Token(ctx, []byte("000123456789"))
		b, _ := ring.Token(ctx, []byte("000123456788"))
		if a1 != a2 || a1 == b {
			t.Fatalf("tokens: same input %q vs %q, other input %q", a1, a2, b)
		}
		if err := ring.CheckToken(ctx, []byte("000123456789"), a1); err != nil {
			t.Fatalf("CheckToken: %v", err)
		}
		if err := ring.CheckToken(ctx, []byte("000123456788"), a1); !errors.Is(err, keys.ErrAuthentication) {
			t.Fatalf("CheckToken of other input: err = %v, want ErrAuthentication", err)
		}
	})

	t.Run("SignaturesVerifyOnlineAndOffline", func(t *testing.T) {
		ring := keys.New(newSubject(t).Provider, keys.Options{})
		msg := []byte("checkpoint 1000 head=ab12")
		sig, err := ring.Sign(ctx, msg)
		if err != nil {
			t.Fatal(err)
		}
		if err := ring.Verify(ctx, msg, sig); err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if err := ring.Verify(ctx, []byte("checkpoint 1001 head=ab12"), sig); !errors.Is(err, keys.ErrAuthentication) {
			t.Fatalf("Verify of altered message: err = %v, want ErrAuthentication", err)
		}
		pub, err := ring.PublicKey(ctx, sig.KeyID)
		if err != nil {
			t.Fatal(err)
		}
		if err := pub.Verify(msg, sig); err != nil {
			t.Fatalf("offline Verify: %v", err)
		}
		forged := sig
		forged.Value = bytes.Clone(sig.Value)
		forged.Value[len(forged.Value)/2] ^= 0x01
		if err := pub.Verify(msg, forged); err == nil {
			t.Fatal("offline Verify accepted an altered signature")
		}
	})

	t.Run("RotationKeepsOldDataReadable", func(t *testing.T) {
		s := newSubject(t)
		before := keys.New(s.Provider, keys.Options{})
		msg := []byte("routing 021000021")
		ct, err := before.Encrypt(ctx, msg, []byte("aad"))
		if err != nil {
			t.Fatal(err)
		}
		oldToken, _ := before.Token(ctx, msg)
		oldSig, err := before.Sign(ctx, msg)
		if err != nil {
			t.Fatal(err)
		}

		s.Rotate(t)
		after := keys.New(s.Provider, keys.Options{}) // a restart after rotation

		if got, err := after.Decrypt(ctx, ct, []byte("aad")); err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("Decrypt of pre-rotation data = %q, %v", got, err)
		}
		newToken, _ := after.Token(ctx, msg)
		if newToken == oldToken {
			t.Fatal("token unchanged after rotation: the MAC key did not rotate")
		}
		if err := after.CheckToken(ctx, msg, oldToken); err != nil {
			t.Fatalf("CheckToken of pre-rotation token: %v", err)
		}
		if err := after.Verify(ctx, msg, oldSig); err != nil {
			t.Fatalf("Verify of pre-rotation signature: %v", err)
		}
		newSig, err := after.Sign(ctx, msg)
		if err != nil {
			t.Fatal(err)
		}
		if newSig.KeyID == oldSig.KeyID {
			t.Fatal("signing key id unchanged after rotation")
		}
		newCT, _ := after.Encrypt(ctx, msg, []byte("aad"))
		if got, err := before.Decrypt(ctx, newCT, []byte("aad")); err != nil || !bytes.Equal(got, msg) {
			// The provider is shared, so an instance that has not restarted
			// still reads what a rotated instance wrote.
			t.Fatalf("pre-rotation keyring reading post-rotation data = %q, %v", got, err)
		}
	})
}
