package identity

import (
	"strings"
	"testing"

	"github.com/paycompliance/console/domain"
)

func TestCheckPassword(t *testing.T) {
	t.Parallel()
	passphrase := "correct horse battery staple, 42 times, and a long tail of words"
	if len(passphrase) < 64 {
		t.Fatalf("the passphrase under test is %d bytes, want at least 64", len(passphrase))
	}
	tests := []struct {
		name, password, username string
		ok                       bool
	}{
		{"LongPassphrase", passphrase, "jane", true},
		{"TwelveWithLettersAndDigits", "river7stone2", "jane", true},
		{"Unicode", "ünïcödé pässwörd 2026", "jane", true},
		{"ElevenCharacters", "river7ston2", "jane", false},
		{"NoDigit", "riverstonemountain", "jane", false},
		{"NoLetter", "123456789012345", "jane", false},
		{"Common", "password1234", "jane", false},
		{"CommonAnyCase", "Password1234", "jane", false},
		{"CommonQwerty", "qwerty123456", "jane", false},
		{"ContainsUsername", "jane.doe is 2026 here", "jane.doe", false},
		{"TooLong", strings.Repeat("a1", 513), "jane", false},
		{"NotText", "river7stone2\xff\xfe", "jane", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPassword(tt.password, tt.username)
			if (err == nil) != tt.ok {
				t.Fatalf("CheckPassword(%q) = %v, want ok %v", tt.password, err, tt.ok)
			}
			if err != nil && domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("refusal has code %q, want %q with a message for the user", domain.ErrorCode(err), domain.EINVALID)
			}
		})
	}
}

func TestCommonPasswordListIsShipped(t *testing.T) {
	t.Parallel()
	if n := len(commonSet()); n < 20000 {
		t.Fatalf("the shipped common-password list has %d entries, want the OWASP list's 27,000 or so", n)
	}
}

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	h := HashPassword("river7stone2 and more")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not argon2id with the expected parameters", h)
	}
	if !PasswordMatches(h, "river7stone2 and more") {
		t.Fatal("the password does not match its own hash")
	}
	if PasswordMatches(h, "river7stone2 and mor") || PasswordMatches(h, "") {
		t.Fatal("another password matches")
	}
	if HashPassword("river7stone2 and more") == h {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	parts := strings.Split(h, "$")
	for _, bad := range []string{"", "plain", strings.Replace(h, "argon2id", "argon2i", 1),
		strings.Join(append(parts[:5:5], "AAAA"), "$"), strings.Replace(h, "m=19456", "m=0", 1)} {
		if PasswordMatches(bad, "river7stone2 and more") {
			t.Errorf("malformed hash %q matches", bad)
		}
	}
}

func TestNewTemporaryPassword(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 50 {
		pw := NewTemporaryPassword()
		if err := CheckPassword(pw, ""); err != nil || len(pw) != 20 || seen[pw] {
			t.Fatalf("temporary password %q: %v (repeat %v)", pw, err, seen[pw])
		}
		seen[pw] = true
	}
}
