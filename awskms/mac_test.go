package awskms

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/paycompliance/console/domain/keys"
)

func TestMAC_VersionNamesTheKeyARN(t *testing.T) {
	ctx := context.Background()
	f, p := newTestProvider(t)
	version, mac, err := p.MAC(ctx, []byte("000123456789"))
	if err != nil {
		t.Fatal(err)
	}
	again, _, _ := p.MAC(ctx, []byte("000123456789"))
	if strings.Contains(version, ":") || version != again {
		t.Fatalf("version %q then %q: want a stable version without ':'", version, again)
	}
	// The configuration names the key by bare id; the version holds the
	// ARN KMS answered with, so it survives MACKeyID changing.
	if got, ok := macKeyARN(version); !ok || got != f.arn(p.cfg.MACKeyID) {
		t.Fatalf("version decodes to %q, %v; want %s", got, ok, f.arn(p.cfg.MACKeyID))
	}
	oldKey := p.cfg.MACKeyID
	p.cfg.MACKeyID = f.createKey("HMAC_256")
	if err := p.VerifyMAC(ctx, version, []byte("000123456789"), mac); err != nil {
		t.Fatalf("VerifyMAC after switching keys: %v", err)
	}
	last := f.requestsFor("VerifyMac")
	if got := string(last[len(last)-1]["KeyId"]); got != `"`+f.arn(oldKey)+`"` {
		t.Fatalf("VerifyMac sent KeyId %s, want the old key's ARN", got)
	}
	for _, req := range append(f.requestsFor("GenerateMac"), last...) {
		if string(req["MacAlgorithm"]) != `"HMAC_SHA_256"` {
			t.Fatalf("request %s: want MacAlgorithm HMAC_SHA_256", req)
		}
	}
}

func TestVerifyMAC_FailuresAreAuthenticationErrors(t *testing.T) {
	ctx := context.Background()
	f, p := newTestProvider(t)
	msg := []byte("4111111111111111")
	version, mac, err := p.MAC(ctx, msg)
	if err != nil {
		t.Fatal(err)
	}
	altered := bytes.Clone(mac)
	altered[0] ^= 1
	b64 := base64.RawURLEncoding.EncodeToString
	for _, tc := range []struct {
		name, version string
		mac           []byte
		kmsCall       bool
	}{
		{"altered MAC", version, altered, true},
		{"MAC under another key", b64([]byte(f.arn(f.createKey("HMAC_256")))), mac, true},
		{"short MAC", version, mac[:31], false},
		{"version not base64url", "m1:x", mac, false},
		{"version not a key ARN", b64([]byte("alias/console-mac")), mac, false},
		{"empty version", "", mac, false},
	} {
		calls := len(f.requestsFor("VerifyMac"))
		err := p.VerifyMAC(ctx, tc.version, msg, tc.mac)
		if !errors.Is(err, keys.ErrAuthentication) {
			t.Errorf("%s: err = %v, want ErrAuthentication", tc.name, err)
		}
		if strings.Contains(err.Error(), "4111") {
			t.Errorf("%s: error %q contains the message", tc.name, err)
		}
		if made := len(f.requestsFor("VerifyMac")) > calls; made != tc.kmsCall {
			t.Errorf("%s: KMS called = %v, want %v", tc.name, made, tc.kmsCall)
		}
	}
}

func TestVerifyMAC_KMSFailuresAreNotAuthenticationFailures(t *testing.T) {
	ctx := context.Background()
	_, p := newTestProvider(t)
	// A token naming a key KMS cannot find means a deleted key or a broken
	// policy, which an operator must see, not a mismatch.
	missing := base64.RawURLEncoding.EncodeToString([]byte(arnPrefix + "key/" + newUUID()))
	err := p.VerifyMAC(ctx, missing, []byte("msg"), make([]byte, 32))
	if _, ok := errors.AsType[*types.NotFoundException](err); !ok || errors.Is(err, keys.ErrAuthentication) {
		t.Fatalf("VerifyMAC under a missing key: err = %v, want NotFoundException, not ErrAuthentication", err)
	}
}

func TestMAC_RefusesMessagesKMSCannotTake(t *testing.T) {
	ctx := context.Background()
	f, p := newTestProvider(t)
	for _, msg := range [][]byte{nil, make([]byte, maxMessage+1)} {
		if _, _, err := p.MAC(ctx, msg); err == nil || errors.Is(err, keys.ErrAuthentication) {
			t.Errorf("MAC of %d bytes: err = %v, want a plain error", len(msg), err)
		}
	}
	if _, _, err := p.MAC(ctx, make([]byte, maxMessage)); err != nil {
		t.Errorf("MAC of %d bytes: %v", maxMessage, err)
	}
	if n := len(f.requestsFor("GenerateMac")); n != 1 {
		t.Errorf("%d GenerateMac calls, want 1", n)
	}
}
