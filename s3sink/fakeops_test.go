package s3sink

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// putObject stores a new object under Object Lock. Beyond S3's own checks
// it enforces what the recommended bucket policy enforces (README): every
// write is conditional, so nothing is ever replaced.
func (f *fakeS3) putObject(r *http.Request, key string, wire []byte) (*response, *s3Error) {
	if r.Header.Get("X-Amz-Bypass-Governance-Retention") != "" {
		return nil, rejectf(403, "AccessDenied", "the sink has no s3:BypassGovernanceRetention")
	}
	body, trailers, e := decodeBody(r, wire)
	if e != nil {
		return nil, e
	}
	sum, e := checkIntegrity(r, body, trailers)
	if e != nil {
		return nil, e
	}
	var mode, kmsKey string
	var until time.Time
	if f.sseKMS {
		kmsKey, e = checkSSEKMS(r)
	} else {
		mode, until, e = checkObjectLock(r)
	}
	if e != nil {
		return nil, e
	}
	if inm := r.Header.Get("If-None-Match"); inm != "*" {
		return nil, rejectf(403, "AccessDenied", "PutObject %s with If-None-Match %q: the bucket policy allows only conditional writes (If-None-Match: *)", key, inm)
	}
	if _, exists := f.objects[key]; exists {
		return nil, errorf(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
	}
	o := &fakeObject{body: body, mode: mode, retainUntil: until, kmsKey: kmsKey, sha256: sum, versionID: f.nextVersion(), modified: time.Now().UTC()}
	f.objects[key] = o
	return &response{status: 200, header: map[string]string{
		"ETag": etag(body), "X-Amz-Version-Id": o.versionID,
		"X-Amz-Checksum-Sha256": sum, "X-Amz-Checksum-Type": "FULL_OBJECT",
	}}, nil
}

// decodeBody returns the payload and any trailers: the body as sent, or
// decoded from the aws-chunked encoding the SDK uses over TLS.
func decodeBody(r *http.Request, wire []byte) ([]byte, map[string]string, *s3Error) {
	if r.Header.Get("Content-Encoding") != "aws-chunked" {
		return wire, nil, nil
	}
	if r.Header.Get("X-Amz-Content-Sha256") != "STREAMING-UNSIGNED-PAYLOAD-TRAILER" {
		return nil, nil, rejectf(400, "InvalidRequest", "aws-chunked body with x-amz-content-sha256 %q", r.Header.Get("X-Amz-Content-Sha256"))
	}
	br := bufio.NewReader(bytes.NewReader(wire))
	var body []byte
	for {
		line, err := br.ReadString('\n')
		size, perr := strconv.ParseInt(strings.TrimSuffix(line, "\r\n"), 16, 64)
		if err != nil || perr != nil || size < 0 {
			return nil, nil, rejectf(400, "IncompleteBody", "malformed aws-chunked size line %q", line)
		}
		if size == 0 {
			break
		}
		chunk := make([]byte, size+2)
		if _, err := io.ReadFull(br, chunk); err != nil || !bytes.HasSuffix(chunk, []byte("\r\n")) {
			return nil, nil, rejectf(400, "IncompleteBody", "truncated aws-chunked chunk")
		}
		body = append(body, chunk[:size]...)
	}
	trailers := map[string]string{}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, nil, rejectf(400, "IncompleteBody", "aws-chunked trailers not terminated")
		}
		if line == "\r\n" {
			break
		}
		name, value, ok := strings.Cut(strings.TrimSuffix(line, "\r\n"), ":")
		if !ok {
			return nil, nil, rejectf(400, "InvalidRequest", "malformed trailer %q", line)
		}
		trailers[strings.ToLower(name)] = value
	}
	if n := r.Header.Get("X-Amz-Decoded-Content-Length"); n != strconv.Itoa(len(body)) {
		return nil, nil, rejectf(400, "IncompleteBody", "x-amz-decoded-content-length %q, decoded %d bytes", n, len(body))
	}
	declared := strings.Split(strings.ToLower(r.Header.Get("X-Amz-Trailer")), ",")
	for name := range trailers {
		if !slices.Contains(declared, name) {
			return nil, nil, rejectf(400, "InvalidRequest", "trailer %s not declared in x-amz-trailer", name)
		}
	}
	return body, trailers, nil
}

// checkIntegrity does what S3 does for a Put with Object Lock parameters:
// it demands Content-MD5 or a SHA-256 checksum (in a header or a trailer),
// and checks it against the body. It returns the base64 SHA-256 to store.
func checkIntegrity(r *http.Request, body []byte, trailers map[string]string) (string, *s3Error) {
	sum := sha256.Sum256(body)
	want := base64.StdEncoding.EncodeToString(sum[:])
	md5Sum := md5.Sum(body)
	if v := r.Header.Get("Content-Md5"); v != "" && v != base64.StdEncoding.EncodeToString(md5Sum[:]) {
		return "", errorf(400, "BadDigest", "The Content-MD5 you specified did not match what we received.")
	}
	got := r.Header.Get("X-Amz-Checksum-Sha256")
	if got == "" {
		got = trailers["x-amz-checksum-sha256"]
	}
	if got != "" && got != want {
		return "", errorf(400, "BadDigest", "The SHA256 you specified did not match the calculated checksum.")
	}
	if got == "" && r.Header.Get("Content-Md5") == "" {
		return "", rejectf(400, "InvalidRequest", "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters")
	}
	if algo := r.Header.Get("X-Amz-Sdk-Checksum-Algorithm"); algo != "" && algo != "SHA256" {
		return "", rejectf(400, "InvalidRequest", "x-amz-sdk-checksum-algorithm %q, want SHA256", algo)
	}
	return want, nil
}

// checkObjectLock validates the retention headers as S3 does, and, as the
// sink's contract, requires them: a checkpoint without retention could be
// deleted.
func checkObjectLock(r *http.Request) (string, time.Time, *s3Error) {
	mode := r.Header.Get("X-Amz-Object-Lock-Mode")
	date := r.Header.Get("X-Amz-Object-Lock-Retain-Until-Date")
	if mode == "" || date == "" {
		return "", time.Time{}, rejectf(400, "InvalidRequest", "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied (got %q, %q)", mode, date)
	}
	if mode != "COMPLIANCE" && mode != "GOVERNANCE" {
		return "", time.Time{}, rejectf(400, "InvalidArgument", "Unknown wormMode directive: %q", mode)
	}
	until, err := time.Parse(time.RFC3339Nano, date)
	if err != nil {
		return "", time.Time{}, rejectf(400, "InvalidArgument", "The retain until date %q is not ISO 8601", date)
	}
	if !until.After(time.Now()) {
		return "", time.Time{}, rejectf(400, "InvalidArgument", "The retain until date must be in the future!")
	}
	return mode, until, nil
}

// checkSSEKMS requires what the ACH bucket's policy requires: every object
// encrypted with KMS. It returns the key named ("" for aws/s3).
func checkSSEKMS(r *http.Request) (string, *s3Error) {
	if sse := r.Header.Get("X-Amz-Server-Side-Encryption"); sse != "aws:kms" {
		return "", rejectf(403, "AccessDenied", "PutObject with x-amz-server-side-encryption %q: the bucket policy requires aws:kms", sse)
	}
	if r.Header.Get("X-Amz-Object-Lock-Mode") != "" {
		return "", rejectf(400, "InvalidRequest", "Bucket is missing Object Lock Configuration")
	}
	return r.Header.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"), nil
}

// getObject returns an object, with its checksum when asked for it, so the
// SDK's response checksum validation runs too.
func (f *fakeS3) getObject(r *http.Request, key string, _ []byte) (*response, *s3Error) {
	for _, h := range []string{"Range", "If-Match", "If-None-Match", "If-Modified-Since"} {
		if r.Header.Get(h) != "" {
			return nil, rejectf(400, "InvalidRequest", "GetObject with %s is not supported by the fake", h)
		}
	}
	o, ok := f.objects[key]
	if !ok {
		return nil, errorf(404, "NoSuchKey", "The specified key does not exist.")
	}
	h := map[string]string{
		"Content-Type": "application/json", "Content-Length": strconv.Itoa(len(o.body)),
		"ETag": etag(o.body), "Last-Modified": o.modified.Format(http.TimeFormat), "X-Amz-Version-Id": o.versionID,
	}
	if o.mode != "" {
		h["X-Amz-Object-Lock-Mode"] = o.mode
		h["X-Amz-Object-Lock-Retain-Until-Date"] = o.retainUntil.Format("2006-01-02T15:04:05.000Z")
	}
	if r.Header.Get("X-Amz-Checksum-Mode") == "ENABLED" && o.sha256 != "" {
		h["X-Amz-Checksum-Sha256"], h["X-Amz-Checksum-Type"] = o.sha256, "FULL_OBJECT"
	}
	return &response{status: 200, header: h, body: o.body}, nil
}

// deleteObject refuses to delete a locked object, as Object Lock (and the
// bucket policy denying s3:DeleteObject) does.
func (f *fakeS3) deleteObject(_ *http.Request, key string, _ []byte) (*response, *s3Error) {
	if o, ok := f.objects[key]; ok && o.retainUntil.After(time.Now()) {
		return nil, errorf(403, "AccessDenied", "Access Denied because object protected by object lock.")
	}
	delete(f.objects, key)
	return &response{status: 204}, nil
}

// listBucketResult is ListObjectsV2's response document.
type listBucketResult struct {
	XMLName               xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name                  string
	Prefix                string
	KeyCount              int
	MaxKeys               int
	IsTruncated           bool
	ContinuationToken     string `xml:",omitempty"`
	NextContinuationToken string `xml:",omitempty"`
	Contents              []listEntry
}

type listEntry struct {
	Key          string
	LastModified string
	ETag         string
	Size         int
	StorageClass string
}

// listObjectsV2 lists keys in UTF-8 binary order, at most pageSize per
// page. The continuation token is opaque and holds "+", "/" and "=", so its
// escaping in the query and in the signature is exercised.
func (f *fakeS3) listObjectsV2(r *http.Request, _ string, _ []byte) (*response, *s3Error) {
	q := r.URL.Query()
	if !onlyParams(q, "list-type", "prefix", "continuation-token", "max-keys", "x-id") {
		return nil, rejectf(400, "InvalidArgument", "unsupported ListObjectsV2 parameters in %s", r.URL.RawQuery)
	}
	limit := f.pageSize
	if v := q.Get("max-keys"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, rejectf(400, "InvalidArgument", "max-keys %q", v)
		}
		limit = min(limit, n)
	}
	after := ""
	if token := q.Get("continuation-token"); q.Has("continuation-token") {
		hexKey, ok := strings.CutPrefix(token, tokenPrefix)
		raw, err := hex.DecodeString(hexKey)
		if !ok || err != nil {
			return nil, rejectf(400, "InvalidArgument", "The continuation token provided is incorrect")
		}
		after = string(raw)
	}
	prefix := q.Get("prefix")
	var keys []string
	for k := range f.objects {
		if strings.HasPrefix(k, prefix) && k > after {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	res := listBucketResult{Name: fakeBucket, Prefix: prefix, MaxKeys: f.pageSize, ContinuationToken: q.Get("continuation-token")}
	if len(keys) > limit {
		keys, res.IsTruncated = keys[:limit], true
		res.NextContinuationToken = tokenPrefix + hex.EncodeToString([]byte(keys[len(keys)-1]))
	}
	for _, k := range keys {
		o := f.objects[k]
		res.Contents = append(res.Contents, listEntry{Key: k, LastModified: o.modified.Format("2006-01-02T15:04:05.000Z"),
			ETag: etag(o.body), Size: len(o.body), StorageClass: "STANDARD"})
	}
	res.KeyCount = len(keys)
	var b bytes.Buffer
	b.WriteString(xml.Header)
	if err := xml.NewEncoder(&b).Encode(res); err != nil {
		return nil, errorf(500, "InternalError", "%v", err)
	}
	return &response{status: 200, header: map[string]string{"Content-Type": "application/xml"}, body: b.Bytes()}, nil
}

const tokenPrefix = "1+/="

func etag(body []byte) string {
	sum := md5.Sum(body)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}
