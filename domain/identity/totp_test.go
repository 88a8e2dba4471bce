package identity

import (
	"strings"
	"testing"
	"time"
)

func TestMatchStep(t *testing.T) {
	t.Parallel()
	e, err := newEnrollment("jane")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 10, 0, 15, 0, time.UTC)
	step := TOTPStep(now)
	for offset := int64(-3); offset <= 3; offset++ {
		code := TOTPCode(e.Secret, time.Unix((step+offset)*30, 0))
		got, ok := matchStep(e.Secret, code, now)
		want := offset >= -1 && offset <= 1
		if ok != want || (ok && got != step+offset) {
			t.Errorf("code of step %+d: step %d, ok %v; want ok %v at step %d", offset, got, ok, want, step+offset)
		}
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		if _, ok := matchStep(e.Secret, bad, now); ok {
			t.Errorf("code %q accepted", bad)
		}
	}
	if !strings.HasPrefix(e.URL, "otpauth://totp/") || !strings.Contains(e.URL, "secret="+e.Secret) || !strings.Contains(e.URL, "period=30") {
		t.Errorf("enrollment URL %q", e.URL)
	}
	if png, err := QRCode(e.URL); err != nil || !strings.HasPrefix(string(png), "\x89PNG") {
		t.Errorf("QR code: %v", err)
	}
}

func TestRecoveryCodes(t *testing.T) {
	t.Parallel()
	codes := newRecoveryCodes()
	seen := map[string]bool{}
	for _, c := range codes {
		if len(c) != 11 || c[5] != '-' || seen[c] {
			t.Fatalf("recovery code %q (seen %v)", c, seen[c])
		}
		seen[c] = true
		n := normalizeRecoveryCode(c)
		for _, typed := range []string{strings.ToUpper(c), strings.ReplaceAll(c, "-", ""), " " + c[:5] + " " + c[6:] + " "} {
			if normalizeRecoveryCode(typed) != n {
				t.Errorf("%q typed as %q is not recognised", c, typed)
			}
		}
	}
	if len(codes) != RecoveryCodeCount {
		t.Fatalf("%d codes, want %d", len(codes), RecoveryCodeCount)
	}
	if normalizeRecoveryCode("abc") != "" || looksLikeTOTP(codes[0]) || !looksLikeTOTP("012345") {
		t.Fatal("a recovery code and a TOTP code are told apart wrongly")
	}
}

func TestSessionID(t *testing.T) {
	t.Parallel()
	a, b := newSessionID(), newSessionID()
	if a == b || !a.Valid() || len(a.Hash()) != 32 || a.handle() == b.handle() {
		t.Fatal("session ids are not unique 256-bit values with distinct hashes")
	}
	if SessionID("short").Valid() || SessionID(strings.Repeat("*", 43)).Valid() {
		t.Fatal("a malformed id passes as valid")
	}
}

func TestAPIKeyFormat(t *testing.T) {
	t.Parallel()
	key, prefix := newAPIKeySecret()
	if got, ok := parseAPIKey(key); !ok || got != prefix || !strings.HasPrefix(key, "pcc_"+prefix+"_") {
		t.Fatalf("key %q parses to %q, %v", key, got, ok)
	}
	for _, bad := range []string{"", "pcc_", key + "x", strings.Replace(key, "pcc_", "sk_", 1), "pcc_1234567_" + key[13:]} {
		if _, ok := parseAPIKey(bad); ok {
			t.Errorf("malformed key %q parses", bad)
		}
	}
}
