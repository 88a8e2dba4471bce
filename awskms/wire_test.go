package awskms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"

	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/internal/awsfake"
)

// These tests show the fake's protocol checks fire, so TestProvider passing
// means the provider's requests really are well formed.

func TestFake_RejectsMisconfiguredClients(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		opt    func(*kms.Options)
		reason string
	}{
		{"unsigned", func(o *kms.Options) { o.Credentials = aws.AnonymousCredentials{} }, "not SigV4-signed"},
		{"wrong secret", func(o *kms.Options) {
			o.Credentials = credentials.NewStaticCredentialsProvider(fakeAccessKey, "WRONG", "")
		}, "signature does not match"},
		{"wrong region", func(o *kms.Options) { o.Region = "eu-west-1" }, "credential scope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, _ := newTestProvider(t)
			rejections := f.collectRejections()
			p := New(f.client(tc.opt), Config{SignKeyID: f.createKey("ECC_NIST_P256")})
			_, err := p.Sign(ctx, []byte("msg"))
			if apiErr, ok := errors.AsType[smithy.APIError](err); !ok || apiErr.ErrorCode() != "ValidationException" {
				t.Fatalf("Sign: err = %v, want a ValidationException from the fake", err)
			}
			if errors.Is(err, keys.ErrAuthentication) {
				t.Fatal("a rejected request reported as ErrAuthentication")
			}
			if got := rejections(); len(got) != 1 || !strings.Contains(got[0], tc.reason) {
				t.Fatalf("rejections = %q, want one containing %q", got, tc.reason)
			}
		})
	}
}

func TestFake_RejectsMalformedRequests(t *testing.T) {
	f, p := newTestProvider(t)
	rejections := f.collectRejections()
	signKey := p.cfg.SignKeyID
	for _, tc := range []struct {
		name, target, contentType, body string
		tamper                          func(*http.Request)
		reason                          string // "" for the well-formed control
	}{
		{"well formed", "TrentService.GetPublicKey", jsonType, `{"KeyId":"` + signKey + `"}`, nil, ""},
		{"wrong content type", "TrentService.GetPublicKey", "application/json", `{"KeyId":"` + signKey + `"}`, nil, "Content-Type"},
		{"unknown service", "KMS.GetPublicKey", jsonType, `{"KeyId":"` + signKey + `"}`, nil, "X-Amz-Target"},
		{"unsupported operation", "TrentService.ScheduleKeyDeletion", jsonType, `{"KeyId":"` + signKey + `"}`, nil, "X-Amz-Target"},
		{"missing field", "TrentService.GenerateMac", jsonType, `{"KeyId":"` + p.cfg.MACKeyID + `","Message":"bXNn"}`, nil, "MacAlgorithm"},
		{"misspelt field", "TrentService.GetPublicKey", jsonType, `{"keyId":"` + signKey + `"}`, nil, `"keyId"`},
		{"not JSON", "TrentService.GetPublicKey", jsonType, `KeyId=` + signKey, nil, "JSON object"},
		{"body changed after signing", "TrentService.GetPublicKey", jsonType, `{"KeyId":"` + signKey + `"}`, func(r *http.Request) {
			body := `{"KeyId":"alias/other"}`
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
		}, "signature does not match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(rejections())
			status, resp := f.signedPost(t, tc.target, tc.contentType, tc.body, tc.tamper)
			got := rejections()[before:]
			if tc.reason == "" {
				if status != http.StatusOK || resp["KeyUsage"] != "SIGN_VERIFY" || len(got) != 0 {
					t.Fatalf("well-formed request: %d %v, rejections %q", status, resp, got)
				}
				return
			}
			if status != http.StatusBadRequest || resp["__type"] != "ValidationException" {
				t.Fatalf("got %d %v, want 400 ValidationException", status, resp)
			}
			if len(got) != 1 || !strings.Contains(got[0], tc.reason) {
				t.Fatalf("rejections = %q, want one containing %q", got, tc.reason)
			}
		})
	}
}

// signedPost sends a hand-built, correctly signed request, then lets tamper
// alter it, and returns the status and decoded JSON body.
func (f *fakeKMS) signedPost(t *testing.T, target, contentType, body string, tamper func(*http.Request)) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.srv.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Amz-Target", target)
	creds := aws.Credentials{AccessKeyID: fakeAccessKey, SecretAccessKey: fakeSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, awsfake.SHA256Hex([]byte(body)), "kms", fakeRegion, time.Now()); err != nil {
		t.Fatal(err)
	}
	if tamper != nil {
		tamper(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var decoded map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&decoded); err != nil {
		t.Fatalf("response is not JSON: %v", err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != jsonType {
		t.Fatalf("response Content-Type %q", ct)
	}
	return resp.StatusCode, decoded
}

// recordingTB captures Errorf so a test can see the fake fail its test.
type recordingTB struct {
	testing.TB
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestFake_RejectionFailsTheTest(t *testing.T) {
	tb := &recordingTB{TB: t}
	f := newFakeKMS(tb)
	p := New(f.client(func(o *kms.Options) { o.Credentials = aws.AnonymousCredentials{} }), Config{SignKeyID: f.createKey("ECC_NIST_P256")})
	if _, err := p.Sign(context.Background(), []byte("msg")); err == nil {
		t.Fatal("unsigned Sign succeeded")
	}
	if len(tb.errors) != 1 || !strings.Contains(tb.errors[0], "not SigV4-signed") {
		t.Fatalf("test errors = %q, want the fake to fail the test once", tb.errors)
	}
}
