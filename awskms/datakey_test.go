package awskms

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/paycompliance/console/domain/keys"
)

func TestUnwrapDataKey_SurvivesSwitchingTheEncryptionKey(t *testing.T) {
	ctx := context.Background()
	f, p := newTestProvider(t)
	old, err := keys.New(p, keys.Options{}).Encrypt(ctx, []byte("routing 021000021"), []byte("aad"))
	if err != nil {
		t.Fatal(err)
	}
	p.cfg.EncryptKeyID = f.createKey("SYMMETRIC_DEFAULT")

	ring := keys.New(p, keys.Options{}) // a restart with the new configuration
	if got, err := ring.Decrypt(ctx, old, []byte("aad")); err != nil || string(got) != "routing 021000021" {
		t.Fatalf("Decrypt of data wrapped under the previous key = %q, %v", got, err)
	}
	if _, err := ring.Encrypt(ctx, []byte("new"), nil); err != nil {
		t.Fatal(err)
	}
	generated := f.requestsFor("GenerateDataKey")
	if len(generated) != 2 || string(generated[1]["KeyId"]) != `"`+p.cfg.EncryptKeyID+`"` {
		t.Fatalf("GenerateDataKey requests %v: want the second to name the new key", generated)
	}
	for _, req := range generated {
		if string(req["KeySpec"]) != `"AES_256"` || string(req["EncryptionContext"]) != `{"purpose":"console-data-key"}` {
			t.Fatalf("GenerateDataKey request %s: want KeySpec AES_256 and the encryption context", req)
		}
	}
	for _, req := range f.requestsFor("Decrypt") {
		if string(req["EncryptionContext"]) != `{"purpose":"console-data-key"}` {
			t.Fatalf("Decrypt request %s lacks the encryption context", req)
		}
		if _, ok := req["KeyId"]; ok {
			t.Fatalf("Decrypt named a KeyId (%s): data under earlier keys would not unwrap", req["KeyId"])
		}
	}

	// Control: the fake does refuse a Decrypt naming another key, so the
	// check above is what made the old data readable.
	_, wrapped, err := New(f.client(), Config{EncryptKeyID: dataAlias}).NewDataKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.client().Decrypt(ctx, &kms.DecryptInput{
		CiphertextBlob: wrapped, KeyId: aws.String(p.cfg.EncryptKeyID), EncryptionContext: encryptionContext(),
	})
	if _, ok := errors.AsType[*types.IncorrectKeyException](err); !ok {
		t.Fatalf("Decrypt naming another key: err = %v, want IncorrectKeyException", err)
	}
}

func TestUnwrapDataKey_WrongEncryptionContextFails(t *testing.T) {
	ctx := context.Background()
	f, p := newTestProvider(t)
	for _, encCtx := range []map[string]string{nil, {"purpose": "other"}, {"purpose": "console-data-key", "extra": "x"}} {
		out, err := f.client().GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
			KeyId: aws.String(dataAlias), KeySpec: types.DataKeySpecAes256, EncryptionContext: encCtx,
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.UnwrapDataKey(ctx, out.CiphertextBlob)
		if !errors.Is(err, keys.ErrAuthentication) {
			t.Errorf("UnwrapDataKey of a key wrapped with context %v: err = %v, want ErrAuthentication", encCtx, err)
		}
		if _, ok := errors.AsType[*types.InvalidCiphertextException](err); !ok {
			t.Errorf("err = %v, want it to wrap KMS's InvalidCiphertextException", err)
		}
	}
}

func TestUnwrapDataKey_MalformedBlobsFailAuthentication(t *testing.T) {
	ctx := context.Background()
	f, p := newTestProvider(t)
	plaintext, wrapped, err := p.NewDataKey(ctx)
	if err != nil || len(plaintext) != 32 {
		t.Fatalf("NewDataKey = %d bytes, %v", len(plaintext), err)
	}
	if bytes.Contains(wrapped, plaintext) {
		t.Fatal("wrapped data key contains the data key")
	}
	// A 16-byte key under the right key and context is not a data key.
	short, err := f.client().GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId: aws.String(dataAlias), NumberOfBytes: aws.Int32(16), EncryptionContext: encryptionContext(),
	})
	if err != nil {
		t.Fatal(err)
	}
	calls := len(f.requestsFor("Decrypt"))
	for name, blob := range map[string][]byte{
		"empty":          nil,
		"too long":       make([]byte, maxCiphertextBlob+1),
		"truncated":      wrapped[:len(wrapped)-1],
		"not a KMS blob": bytes.Repeat([]byte{0x7f}, 64),
		"16-byte key":    short.CiphertextBlob,
	} {
		if _, err := p.UnwrapDataKey(ctx, blob); !errors.Is(err, keys.ErrAuthentication) {
			t.Errorf("%s: err = %v, want ErrAuthentication", name, err)
		}
	}
	if n := len(f.requestsFor("Decrypt")) - calls; n != 3 {
		t.Errorf("%d Decrypt calls, want 3: empty and oversized blobs need no round trip", n)
	}
}

func TestDataKey_KMSFailuresAreNotAuthenticationFailures(t *testing.T) {
	ctx := context.Background()
	f, _ := newTestProvider(t)
	p := New(f.client(), Config{EncryptKeyID: "alias/missing"})
	_, _, err := p.NewDataKey(ctx)
	if _, ok := errors.AsType[*types.NotFoundException](err); !ok || errors.Is(err, keys.ErrAuthentication) {
		t.Fatalf("NewDataKey with a missing key: err = %v, want NotFoundException, not ErrAuthentication", err)
	}
	// The HMAC key cannot wrap data keys.
	p.cfg.EncryptKeyID = f.createKey("HMAC_256")
	if _, _, err := p.NewDataKey(ctx); err == nil || errors.Is(err, keys.ErrAuthentication) {
		t.Fatalf("NewDataKey with an HMAC key: err = %v", err)
	}
	if req := f.requestsFor("GenerateDataKey")[0]; string(req["KeyId"]) != `"alias/missing"` {
		t.Fatalf("GenerateDataKey sent KeyId %s, want the configured alias/missing", req["KeyId"])
	}
}
