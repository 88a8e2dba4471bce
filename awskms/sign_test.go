package awskms

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/paycompliance/console/domain/keys"
)

func TestSign_UsesRawMessagesAndDigestsBeyondKMSLimit(t *testing.T) {
	ctx := context.Background()
	f, p := newTestProvider(t)
	for _, tc := range []struct {
		msg         []byte
		messageType string
	}{
		{[]byte("checkpoint 1000 head=ab12"), `"RAW"`},
		{bytes.Repeat([]byte{'x'}, maxMessage), `"RAW"`},
		{bytes.Repeat([]byte{'x'}, maxMessage+1), `"DIGEST"`},
		{nil, `"DIGEST"`},
	} {
		sig, err := p.Sign(ctx, tc.msg)
		if err != nil {
			t.Fatalf("Sign of %d bytes: %v", len(tc.msg), err)
		}
		if sig.KeyID != p.cfg.SignKeyID || sig.Algorithm != keys.ECDSAP256SHA256 {
			t.Fatalf("signature names %s (%s), want %s (%s)", sig.KeyID, sig.Algorithm, p.cfg.SignKeyID, keys.ECDSAP256SHA256)
		}
		reqs := f.requestsFor("Sign")
		req := reqs[len(reqs)-1]
		if string(req["MessageType"]) != tc.messageType || string(req["SigningAlgorithm"]) != `"ECDSA_SHA_256"` {
			t.Fatalf("Sign of %d bytes sent %s", len(tc.msg), req)
		}
		if err := p.Verify(ctx, tc.msg, sig); err != nil {
			t.Fatalf("Verify of %d bytes: %v", len(tc.msg), err)
		}
		pub, err := p.PublicKey(ctx, sig.KeyID)
		if err != nil {
			t.Fatal(err)
		}
		if err := pub.Verify(tc.msg, sig); err != nil {
			t.Fatalf("offline Verify of %d bytes: %v", len(tc.msg), err)
		}
	}
}

func TestVerify_FailuresAreAuthenticationErrors(t *testing.T) {
	ctx := context.Background()
	f, p := newTestProvider(t)
	msg := []byte("checkpoint 1000 head=ab12")
	sig, err := p.Sign(ctx, msg)
	if err != nil {
		t.Fatal(err)
	}
	altered := sig
	altered.Value = bytes.Clone(sig.Value)
	altered.Value[len(altered.Value)/2] ^= 1
	otherKey := sig
	otherKey.KeyID = f.arn(f.createKey("ECC_NIST_P256"))
	wrongAlg := sig
	wrongAlg.Algorithm = keys.Ed25519
	for name, s := range map[string]keys.Signature{
		"altered": altered, "other key": otherKey, "ed25519": wrongAlg, "empty": {},
	} {
		if err := p.Verify(ctx, msg, s); !errors.Is(err, keys.ErrAuthentication) {
			t.Errorf("%s: err = %v, want ErrAuthentication", name, err)
		}
	}
	if n := len(f.requestsFor("Verify")); n != 2 {
		t.Errorf("%d Verify calls, want 2: signatures not from KMS need no round trip", n)
	}
	// A signature naming a key KMS cannot find is an operational error.
	missing := sig
	missing.KeyID = arnPrefix + "key/" + newUUID()
	err = p.Verify(ctx, msg, missing)
	if _, ok := errors.AsType[*types.NotFoundException](err); !ok || errors.Is(err, keys.ErrAuthentication) {
		t.Fatalf("Verify under a missing key: err = %v, want NotFoundException, not ErrAuthentication", err)
	}
}

func TestPublicKey_RejectsOtherKeys(t *testing.T) {
	ctx := context.Background()
	f, p := newTestProvider(t)
	for _, spec := range []string{"ECC_NIST_P384", "SYMMETRIC_DEFAULT", "HMAC_256"} {
		_, err := p.PublicKey(ctx, f.createKey(spec))
		if err == nil || errors.Is(err, keys.ErrAuthentication) {
			t.Errorf("PublicKey of a %s key: err = %v, want a plain error", spec, err)
		}
	}
	if _, err := p.PublicKey(ctx, f.createKey("ECC_NIST_P384")); err == nil || !strings.Contains(err.Error(), "ECC_NIST_P384") {
		t.Errorf("err = %v, want it to name the key spec", err)
	}
}
