package awskms

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// fakeKMS is an in-process KMS speaking the real wire protocol (AWS JSON
// 1.1 over HTTP, SigV4-signed), so the provider is tested through the real
// SDK client. A request KMS would refuse as malformed is answered with a
// ValidationException and fails the test: the provider must never send one.
type fakeKMS struct {
	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	keys     map[string]*fakeKey // by key id
	aliases  map[string]string   // "alias/name" -> key id
	requests []fakeRequest
	onReject func(reason string) // default fails the test; wire tests collect instead
}

type fakeRequest struct {
	Op   string
	Body map[string]json.RawMessage
}

const (
	fakeAccessKey = "AKID"
	fakeSecret    = "SECRET"
	jsonType      = "application/x-amz-json-1.1"
)

func newFakeKMS(t testing.TB) *fakeKMS {
	f := &fakeKMS{t: t, keys: map[string]*fakeKey{}, aliases: map[string]string{}}
	f.onReject = func(reason string) { t.Errorf("fake KMS rejected a request: %s", reason) }
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

// client is an SDK client for the fake: a production client apart from
// the endpoint, the static credentials and no retries.
func (f *fakeKMS) client(optFns ...func(*kms.Options)) *kms.Client {
	return kms.New(kms.Options{
		Region:           fakeRegion,
		Credentials:      credentials.NewStaticCredentialsProvider(fakeAccessKey, fakeSecret, ""),
		BaseEndpoint:     aws.String(f.srv.URL),
		RetryMaxAttempts: 1,
	}, optFns...)
}

// opError is a KMS error response. reject marks a malformed request, as
// opposed to a well-formed one KMS turns down (bad ciphertext, wrong MAC).
type opError struct {
	Type, Message string
	reject        bool
}

func rejectf(format string, args ...any) *opError {
	return &opError{Type: "ValidationException", Message: fmt.Sprintf(format, args...), reject: true}
}

func kmsError(typ, format string, args ...any) *opError {
	return &opError{Type: typ, Message: fmt.Sprintf(format, args...)}
}

var fakeOps = map[string]func(*fakeKMS, []byte) (any, *opError){
	"GenerateDataKey": (*fakeKMS).generateDataKey,
	"Decrypt":         (*fakeKMS).decrypt,
	"GenerateMac":     (*fakeKMS).generateMac,
	"VerifyMac":       (*fakeKMS).verifyMac,
	"Sign":            (*fakeKMS).sign,
	"Verify":          (*fakeKMS).verify,
	"GetPublicKey":    (*fakeKMS).getPublicKey,
}

func (f *fakeKMS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.respondError(w, rejectf("reading body: %v", err))
		return
	}
	op, e := f.checkProtocol(r, body)
	if e != nil {
		f.respondError(w, e)
		return
	}
	f.mu.Lock()
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(body, &fields)
	f.requests = append(f.requests, fakeRequest{Op: op, Body: fields})
	resp, e := fakeOps[op](f, body)
	f.mu.Unlock()
	if e != nil {
		f.respondError(w, e)
		return
	}
	w.Header().Set("Content-Type", jsonType)
	w.Header().Set("X-Amzn-RequestId", newUUID())
	json.NewEncoder(w).Encode(resp)
}

// checkProtocol enforces the AWS JSON 1.1 envelope and SigV4, returning the
// operation name.
func (f *fakeKMS) checkProtocol(r *http.Request, body []byte) (string, *opError) {
	if r.Method != http.MethodPost || r.URL.Path != "/" || r.URL.RawQuery != "" {
		return "", rejectf("want POST /, got %s %s", r.Method, r.URL)
	}
	if ct := r.Header.Get("Content-Type"); ct != jsonType {
		return "", rejectf("Content-Type %q, want %s", ct, jsonType)
	}
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, "TrentService.")
	if _, known := fakeOps[op]; !ok || !known {
		return "", rejectf("unknown or unsupported X-Amz-Target %q", target)
	}
	if err := checkSigV4(r, body, fakeAccessKey, fakeSecret, fakeRegion, "kms"); err != nil {
		return "", rejectf("%s: %v", op, err)
	}
	return op, nil
}

func (f *fakeKMS) respondError(w http.ResponseWriter, e *opError) {
	if e.reject {
		f.mu.Lock()
		onReject := f.onReject
		f.mu.Unlock()
		onReject(e.Message)
	}
	w.Header().Set("Content-Type", jsonType)
	w.Header().Set("X-Amzn-RequestId", newUUID())
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{"__type": e.Type, "message": e.Message})
}

// collectRejections swaps test failure for collection, for tests that send
// malformed requests on purpose.
func (f *fakeKMS) collectRejections() func() []string {
	var mu sync.Mutex
	var reasons []string
	f.mu.Lock()
	f.onReject = func(reason string) {
		mu.Lock()
		defer mu.Unlock()
		reasons = append(reasons, reason)
	}
	f.mu.Unlock()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), reasons...)
	}
}

// requestsFor returns the bodies of the requests made for op ("" for all
// operations), oldest first.
func (f *fakeKMS) requestsFor(op string) []map[string]json.RawMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []map[string]json.RawMessage
	for _, r := range f.requests {
		if op == "" || r.Op == op {
			out = append(out, r.Body)
		}
	}
	return out
}

// decode parses a request body into T, refusing any field T does not name
// exactly: encoding/json alone matches names case-insensitively and drops
// unknown ones, which would hide a misspelt field.
func decode[T any](body []byte) (T, *opError) {
	var req T
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return req, rejectf("body is not a JSON object")
	}
	for name := range fields {
		if sf, ok := reflect.TypeFor[T]().FieldByName(name); !ok || !sf.IsExported() {
			return req, rejectf("unknown or unsupported field %q", name)
		}
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return req, rejectf("malformed request: %v", err)
	}
	return req, nil
}
