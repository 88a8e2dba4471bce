package s3sink

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// fakeS3 is an in-process S3 speaking the real wire protocol (REST-XML,
// path-style addressing, SigV4 for service s3) with one bucket that has
// Object Lock enabled, so the sink is tested through the real SDK client.
// A request S3 would refuse as malformed, or one breaking the sink's
// contract (a Put that could overwrite, or without retention), is answered
// with S3's error and fails the test: the sink must never send one.
type fakeS3 struct {
	t        testing.TB
	srv      *httptest.Server
	pageSize int // keys per ListObjectsV2 page; small so paging is exercised
	// sseKMS makes the bucket the ACH one: no Object Lock, every object
	// encrypted with KMS.
	sseKMS bool

	mu       sync.Mutex
	objects  map[string]*fakeObject // by key
	requests []fakeRequest
	versions int
	onReject func(reason string) // default fails the test; wire tests collect instead
}

type fakeObject struct {
	body        []byte
	mode        string // COMPLIANCE or GOVERNANCE
	retainUntil time.Time
	kmsKey      string // the KMS key an SSE-KMS object names
	sha256      string // base64, as S3 returns it with x-amz-checksum-mode: ENABLED
	versionID   string
	modified    time.Time
}

// fakeRequest is what the fake saw of one request, for assertions.
type fakeRequest struct {
	Op, Key string
	Header  http.Header
	Query   map[string][]string
	Status  int
}

const (
	fakeRegion    = "eu-west-1"
	fakeBucket    = "console-audit"
	fakeAccessKey = "AKID"
	fakeSecret    = "SECRET"
)

// newFakeS3 starts a fake over TLS when tls is set: the SDK then sends
// bodies aws-chunked with a trailing checksum, as it does against real S3
// over HTTPS; over plain HTTP it puts the checksum in a header instead.
func newFakeS3(t testing.TB, tls bool) *fakeS3 {
	f := &fakeS3{t: t, pageSize: 2, objects: map[string]*fakeObject{}}
	f.onReject = func(reason string) { t.Errorf("fake S3 rejected a request: %s", reason) }
	if tls {
		f.srv = httptest.NewTLSServer(f)
	} else {
		f.srv = httptest.NewServer(f)
	}
	t.Cleanup(f.srv.Close)
	return f
}

// client is an SDK client for the fake: a production client apart from the
// endpoint, path-style addressing, static credentials and no retries.
func (f *fakeS3) client(optFns ...func(*s3.Options)) *s3.Client {
	return s3.New(s3.Options{
		Region:           fakeRegion,
		Credentials:      credentials.NewStaticCredentialsProvider(fakeAccessKey, fakeSecret, ""),
		BaseEndpoint:     aws.String(f.srv.URL),
		UsePathStyle:     true,
		HTTPClient:       f.srv.Client(), // trusts the TLS fake's certificate
		RetryMaxAttempts: 1,
	}, optFns...)
}

// s3Error is an S3 error response. reject marks a request the sink should
// never send, as opposed to one S3 turns down in normal operation (the key
// exists, no such key).
type s3Error struct {
	Status        int
	Code, Message string
	reject        bool
}

func rejectf(status int, code, format string, args ...any) *s3Error {
	return &s3Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...), reject: true}
}

func errorf(status int, code, format string, args ...any) *s3Error {
	return &s3Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func (f *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.respondError(w, rejectf(400, "IncompleteBody", "reading body: %v", err))
		return
	}
	op, key, e := route(r)
	if e == nil {
		if err := checkSigV4(r, body, fakeAccessKey, fakeSecret, fakeRegion, "s3"); err != nil {
			e = rejectf(403, "SignatureDoesNotMatch", "%s: %v", op, err)
		}
	}
	f.mu.Lock()
	req := fakeRequest{Op: op, Key: key, Header: r.Header.Clone(), Query: r.URL.Query()}
	var resp *response
	if e == nil {
		resp, e = fakeOps[op](f, r, key, body)
	}
	if e != nil {
		req.Status = e.Status
	} else {
		req.Status = resp.status
	}
	f.requests = append(f.requests, req)
	f.mu.Unlock()
	if e != nil {
		f.respondError(w, e)
		return
	}
	for name, value := range resp.header {
		w.Header().Set(name, value)
	}
	w.Header().Set("X-Amz-Request-Id", "fake")
	w.WriteHeader(resp.status)
	w.Write(resp.body)
}

type response struct {
	status int
	header map[string]string
	body   []byte
}

var fakeOps = map[string]func(*fakeS3, *http.Request, string, []byte) (*response, *s3Error){
	"PutObject":     (*fakeS3).putObject,
	"GetObject":     (*fakeS3).getObject,
	"DeleteObject":  (*fakeS3).deleteObject,
	"ListObjectsV2": (*fakeS3).listObjectsV2,
}

// route maps a path-style request to an operation and key. Only the
// operations the sink (and the wire tests) use are known.
func route(r *http.Request) (op, key string, e *s3Error) {
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if bucket != fakeBucket {
		return "", "", rejectf(404, "NoSuchBucket", "bucket %q (want path-style /%s/...)", bucket, fakeBucket)
	}
	q := r.URL.Query()
	switch {
	case key == "" && r.Method == http.MethodGet && q.Get("list-type") == "2":
		return "ListObjectsV2", "", nil
	case key != "" && r.Method == http.MethodPut && onlyParams(q, "x-id"):
		return "PutObject", key, nil
	case key != "" && r.Method == http.MethodGet && onlyParams(q, "x-id"):
		return "GetObject", key, nil
	case key != "" && r.Method == http.MethodDelete && onlyParams(q, "x-id", "versionId"):
		return "DeleteObject", key, nil
	}
	return "", "", rejectf(400, "InvalidRequest", "unsupported request %s %s", r.Method, r.URL)
}

func onlyParams(q map[string][]string, allowed ...string) bool {
	for name := range q {
		if !slices.Contains(allowed, name) {
			return false
		}
	}
	return true
}

// respondError writes S3's XML error document.
func (f *fakeS3) respondError(w http.ResponseWriter, e *s3Error) {
	if e.reject {
		f.mu.Lock()
		onReject := f.onReject
		f.mu.Unlock()
		onReject(e.Code + ": " + e.Message)
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	xml.NewEncoder(&b).Encode(struct {
		XMLName   xml.Name `xml:"Error"`
		Code      string
		Message   string
		RequestID string `xml:"RequestId"`
	}{Code: e.Code, Message: e.Message, RequestID: "fake"})
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("X-Amz-Request-Id", "fake")
	w.WriteHeader(e.Status)
	w.Write(b.Bytes())
}

// collectRejections swaps test failure for collection, for tests that send
// refused requests on purpose.
func (f *fakeS3) collectRejections() func() []string {
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
		return slices.Clone(reasons)
	}
}

// requestsFor returns the requests made for op ("" for all), oldest first.
func (f *fakeS3) requestsFor(op string) []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeRequest
	for _, r := range f.requests {
		if op == "" || r.Op == op {
			out = append(out, r)
		}
	}
	return out
}

// object returns a copy of the stored object at key, or nil.
func (f *fakeS3) object(key string) *fakeObject {
	f.mu.Lock()
	defer f.mu.Unlock()
	if o, ok := f.objects[key]; ok {
		c := *o
		return &c
	}
	return nil
}

// seed stores an object directly, as another writer of the bucket would.
func (f *fakeS3) seed(key string, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objects[key] = &fakeObject{body: body, modified: time.Now(), versionID: f.nextVersion()}
}

func (f *fakeS3) nextVersion() string {
	f.versions++
	return fmt.Sprintf("v%06d", f.versions)
}
