package app

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/paycompliance/console/internal/awsfake"
)

// The doctor's AWS checks run the real SDK clients against these small
// in-process services: they answer only the calls the doctor makes, in
// AWS's wire formats, and verify each request's SigV4 signature.
const (
	fakeAWSRegion = "us-east-1"
	fakeAWSKey    = "AKIDDOCTORTEST"
	fakeAWSSecret = "doctor-test-secret"
)

// isolateAWS points the AWS configuration chain at the environment only,
// with the fakes' credentials, so the machine's files cannot leak in.
func isolateAWS(t *testing.T) {
	none := filepath.Join(t.TempDir(), "none")
	for name, value := range map[string]string{
		"AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none, "AWS_PROFILE": "",
		"AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_S3": "", "AWS_ENDPOINT_URL_KMS": "",
		"AWS_ACCESS_KEY_ID": fakeAWSKey, "AWS_SECRET_ACCESS_KEY": fakeAWSSecret, "AWS_SESSION_TOKEN": "",
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_CA_BUNDLE": "",
	} {
		t.Setenv(name, value)
	}
}

func checkFakeSigV4(t *testing.T, r *http.Request, body []byte, service string) bool {
	hash := awsfake.SHA256Hex(body)
	if h := r.Header.Get("X-Amz-Content-Sha256"); h == "UNSIGNED-PAYLOAD" {
		hash = h
	} else if h != "" && h != hash {
		t.Errorf("fake %s: X-Amz-Content-Sha256 does not match the body", service)
		return false
	}
	err := awsfake.VerifySigV4(r, awsfake.Credentials{AccessKey: fakeAWSKey, Secret: fakeAWSSecret, Region: fakeAWSRegion, Service: service},
		awsfake.Signed{PayloadHash: hash, CanonicalURI: awsfake.URIEncode(r.URL.Path, false)})
	if err != nil {
		t.Errorf("fake %s: %v", service, err)
		return false
	}
	return true
}

// fakeS3Locks answers GetObjectLockConfiguration (GET /bucket?object-lock,
// path style) for its buckets: mode "" is a bucket without Object Lock.
type fakeS3Locks struct {
	mu      sync.Mutex
	buckets map[string]string // bucket → default retention mode, "" without Object Lock
	srv     *httptest.Server
}

func newFakeS3Locks(t *testing.T) *fakeS3Locks {
	f := &fakeS3Locks{buckets: map[string]string{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !checkFakeSigV4(t, r, nil, "s3") {
			http.Error(w, "bad signature", http.StatusForbidden)
			return
		}
		bucket := strings.Trim(r.URL.Path, "/")
		if _, asked := r.URL.Query()["object-lock"]; r.Method != http.MethodGet || !asked || strings.Contains(bucket, "/") {
			t.Errorf("fake S3: unexpected %s %s", r.Method, r.URL)
			http.Error(w, "not supported by the fake", http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		mode, exists := f.buckets[bucket]
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/xml")
		switch {
		case !exists:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>%s</BucketName></Error>`, bucket)
		case mode == "":
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>ObjectLockConfigurationNotFoundError</Code><Message>Object Lock configuration does not exist for this bucket</Message><BucketName>%s</BucketName></Error>`, bucket)
		default:
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>%s</Mode><Days>3650</Days></DefaultRetention></Rule></ObjectLockConfiguration>`, mode)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeS3Locks) set(bucket, mode string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.buckets[bucket] = mode
}

// fakeKMS answers the six operations the keyring's round trip makes, in
// KMS's JSON 1.1 protocol, for keys named by id ("enc", "mac", "sign") or
// by ARN. Its cryptography is HMAC standing in for each key: the adapter
// never checks KMS's answers itself, only their shape.
type fakeKMS struct {
	mu       sync.Mutex
	disabled map[string]bool
	secret   []byte
	srv      *httptest.Server
}

func fakeKeyARN(id string) string { return "arn:aws:kms:" + fakeAWSRegion + ":111122223333:key/" + id }

func newFakeKMS(t *testing.T) *fakeKMS {
	f := &fakeKMS{disabled: map[string]bool{}, secret: []byte("fake kms key material")}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !checkFakeSigV4(t, r, body, "kms") {
			http.Error(w, "bad signature", http.StatusForbidden)
			return
		}
		var in struct {
			KeyID          string `json:"KeyId"`
			CiphertextBlob []byte
			Message        []byte
			Mac            []byte
			Signature      []byte
		}
		if r.Header.Get("Content-Type") != "application/x-amz-json-1.1" || json.Unmarshal(body, &in) != nil {
			t.Errorf("fake KMS: malformed request %q", body)
			http.Error(w, "malformed", http.StatusBadRequest)
			return
		}
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "TrentService.")
		id := in.KeyID[strings.LastIndex(in.KeyID, "/")+1:]
		if op == "Decrypt" {
			id, _, _ = strings.Cut(string(in.CiphertextBlob), ":")
		}
		f.mu.Lock()
		disabled := f.disabled[id]
		f.mu.Unlock()
		if disabled {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"__type":"DisabledException","message":"%s is disabled."}`, fakeKeyARN(id))
			return
		}
		var out map[string]any
		switch op {
		case "GenerateDataKey":
			plain := make([]byte, 32)
			rand.Read(plain)
			out = map[string]any{"KeyId": fakeKeyARN(id), "Plaintext": plain, "CiphertextBlob": []byte(id + ":" + hex.EncodeToString(plain))}
		case "Decrypt":
			_, wrapped, _ := strings.Cut(string(in.CiphertextBlob), ":")
			plain, _ := hex.DecodeString(wrapped)
			out = map[string]any{"KeyId": fakeKeyARN(id), "Plaintext": plain, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}
		case "GenerateMac":
			out = map[string]any{"KeyId": fakeKeyARN(id), "Mac": f.mac(id, in.Message), "MacAlgorithm": "HMAC_SHA_256"}
		case "VerifyMac":
			out = map[string]any{"KeyId": fakeKeyARN(id), "MacValid": hmac.Equal(in.Mac, f.mac(id, in.Message)), "MacAlgorithm": "HMAC_SHA_256"}
		case "Sign":
			out = map[string]any{"KeyId": fakeKeyARN(id), "Signature": f.mac(id, in.Message), "SigningAlgorithm": "ECDSA_SHA_256"}
		case "Verify":
			out = map[string]any{"KeyId": fakeKeyARN(id), "SignatureValid": hmac.Equal(in.Signature, f.mac(id, in.Message)), "SigningAlgorithm": "ECDSA_SHA_256"}
		default:
			t.Errorf("fake KMS: unexpected operation %q", op)
			http.Error(w, "not supported by the fake", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeKMS) mac(id string, msg []byte) []byte {
	h := hmac.New(sha256.New, append([]byte(id), f.secret...))
	h.Write(msg)
	return h.Sum(nil)
}

func (f *fakeKMS) disable(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.disabled[id] = true
}
