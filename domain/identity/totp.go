package identity

import (
	"bytes"
	"crypto/subtle"
	"image/png"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP as RFC 6238 and every authenticator app expect it: SHA-1, 30-second
// steps, six digits. One step either side is accepted for clock drift.
const (
	totpPeriod = 30
	totpSkew   = 1
	// Issuer names the console in authenticator apps.
	Issuer = "Compliance Console"
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Enrollment is a new TOTP secret as the user sees it once: for typing in,
// and as an otpauth:// URL for a QR code.
type Enrollment struct {
	Secret string // base32
	URL    string
}

// newEnrollment generates a 160-bit secret for username.
func newEnrollment(username string) (Enrollment, error) {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: Issuer, AccountName: username, Period: totpPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1, SecretSize: 20,
	})
	if err != nil {
		return Enrollment{}, err
	}
	return Enrollment{Secret: key.Secret(), URL: enrollmentURL(username, key.Secret())}, nil
}

// QRCode renders an otpauth URL as a PNG for authenticator apps to scan.
func QRCode(otpauthURL string) ([]byte, error) {
	key, err := otp.NewKeyFromURL(otpauthURL)
	if err != nil {
		return nil, err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = png.Encode(&buf, img)
	return buf.Bytes(), err
}

// enrollmentURL is the otpauth:// URL of a secret, as authenticator apps
// read it from a QR code.
func enrollmentURL(username, secret string) string {
	q := url.Values{"secret": {secret}, "issuer": {Issuer}, "period": {"30"}, "digits": {"6"}, "algorithm": {"SHA1"}}
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + Issuer + ":" + username, RawQuery: q.Encode()}
	return u.String()
}

// matchStep returns the time step whose code equals code, trying the
// current step and one either side; ok is false when none does. Callers
// then accept the step only if it is later than the last one used, which
// is what makes a code count once.
func matchStep(secret, code string, now time.Time) (step int64, ok bool) {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return 0, false
	}
	current := now.Unix() / totpPeriod
	for s := current - totpSkew; s <= current+totpSkew; s++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// TOTPCode returns the code for secret at time t; for tests and the demo,
// which act as the user's authenticator app.
func TOTPCode(secret string, t time.Time) string {
	code, _ := totp.GenerateCodeCustom(secret, t, totpOpts)
	return code
}

// TOTPStep is the time step t falls in.
func TOTPStep(t time.Time) int64 { return t.Unix() / totpPeriod }

// Recovery codes: ten single-use codes of ten characters (50 bits), shown
// once, stored as keyed hashes.
const (
	RecoveryCodeCount     = 10
	recoveryCodeAlphabet  = "abcdefghjkmnpqrstuvwxyz23456789"
	recoveryCodeGroupSize = 5
)

func newRecoveryCodes() []string {
	codes := make([]string, RecoveryCodeCount)
	for i := range codes {
		c := randomFrom(recoveryCodeAlphabet, 2*recoveryCodeGroupSize)
		codes[i] = c[:recoveryCodeGroupSize] + "-" + c[recoveryCodeGroupSize:]
	}
	return codes
}

// normalizeRecoveryCode accepts a code as typed: any case, with or without
// the dash or spaces.
func normalizeRecoveryCode(s string) string {
	s = strings.NewReplacer("-", "", " ", "").Replace(strings.ToLower(strings.TrimSpace(s)))
	if len(s) != 2*recoveryCodeGroupSize {
		return ""
	}
	return s
}

// looksLikeTOTP tells a six-digit code from a recovery code.
func looksLikeTOTP(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) != 6 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
