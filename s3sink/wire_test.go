package s3sink

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// These tests check the fake itself: the sink's tests mean something only
// if the fake really refuses what S3 (and the bucket policy) would refuse.

func errorCode(err error) string {
	if apiErr, ok := errors.AsType[smithy.APIError](err); ok {
		return apiErr.ErrorCode()
	}
	return ""
}

// lockedPut is a PutObject input the fake accepts; tests break one part.
func lockedPut(key string) *s3.PutObjectInput {
	return &s3.PutObjectInput{
		Bucket: aws.String(fakeBucket), Key: aws.String(key), Body: strings.NewReader("{}"),
		IfNoneMatch: aws.String("*"), ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
		ObjectLockMode: types.ObjectLockModeCompliance, ObjectLockRetainUntilDate: aws.Time(time.Now().Add(time.Hour)),
	}
}

func TestFake_RefusesPutsWithoutValidRetention(t *testing.T) {
	ctx := context.Background()
	f := newFakeS3(t, true)
	rejections := f.collectRejections()
	for name, tc := range map[string]struct {
		edit func(*s3.PutObjectInput)
		code string
	}{
		"no retention":  {func(in *s3.PutObjectInput) { in.ObjectLockMode, in.ObjectLockRetainUntilDate = "", nil }, "InvalidRequest"},
		"mode only":     {func(in *s3.PutObjectInput) { in.ObjectLockRetainUntilDate = nil }, "InvalidRequest"},
		"date only":     {func(in *s3.PutObjectInput) { in.ObjectLockMode = "" }, "InvalidRequest"},
		"unknown mode":  {func(in *s3.PutObjectInput) { in.ObjectLockMode = "FOREVER" }, "InvalidArgument"},
		"date in past":  {func(in *s3.PutObjectInput) { in.ObjectLockRetainUntilDate = aws.Time(time.Now().Add(-time.Hour)) }, "InvalidArgument"},
		"unconditional": {func(in *s3.PutObjectInput) { in.IfNoneMatch = nil }, "AccessDenied"},
	} {
		in := lockedPut("k")
		tc.edit(in)
		if _, err := f.client().PutObject(ctx, in); errorCode(err) != tc.code {
			t.Errorf("%s: err = %v, want %s", name, err, tc.code)
		}
	}
	if got := rejections(); len(got) != 6 {
		t.Errorf("rejections %q, want 6", got)
	}
	if _, err := f.client().PutObject(ctx, lockedPut("k")); err != nil || f.object("k") == nil {
		t.Fatalf("control: a well-formed locked Put: %v", err)
	}
}

func TestFake_RefusesPutsWithoutIntegrityCheck(t *testing.T) {
	ctx := context.Background()
	f := newFakeS3(t, true)
	rejections := f.collectRejections()
	noChecksum := lockedPut("k")
	noChecksum.ChecksumAlgorithm = ""
	_, err := f.client(func(o *s3.Options) {
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired // else the SDK adds CRC32
	}).PutObject(ctx, noChecksum)
	if errorCode(err) != "InvalidRequest" || !strings.Contains(err.Error(), "Content-MD5 OR x-amz-checksum-") {
		t.Errorf("Put with Object Lock and no checksum: err = %v, want InvalidRequest", err)
	}
	wrong := lockedPut("k")
	wrong.ChecksumSHA256 = aws.String("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=") // SHA-256 of ""
	if _, err := f.client().PutObject(ctx, wrong); errorCode(err) != "BadDigest" {
		t.Errorf("Put with a wrong SHA-256: err = %v, want BadDigest", err)
	}
	if got := rejections(); len(got) != 1 || f.object("k") != nil {
		t.Errorf("rejections %q, object %v; want 1 rejection and nothing stored", got, f.object("k"))
	}
}

func TestFake_NeverReplacesOrDeletesALockedObject(t *testing.T) {
	ctx := context.Background()
	f, s, ring := newTestSink(t, true)
	rejections := f.collectRejections()
	if err := s.Put(ctx, checkpoint(t, ring, 1, "head")); err != nil {
		t.Fatal(err)
	}
	key := s.key(1)
	stored := f.object(key).body
	overwrite := lockedPut(key)
	overwrite.IfNoneMatch = nil
	if _, err := f.client().PutObject(ctx, overwrite); errorCode(err) != "AccessDenied" {
		t.Errorf("unconditional overwrite: err = %v, want AccessDenied", err)
	}
	if _, err := f.client().PutObject(ctx, lockedPut(key)); errorCode(err) != "PreconditionFailed" {
		t.Errorf("conditional overwrite: err = %v, want PreconditionFailed", err)
	}
	for _, bypass := range []*bool{nil, aws.Bool(true)} {
		_, err := f.client().DeleteObject(ctx, &s3.DeleteObjectInput{
			Bucket: aws.String(fakeBucket), Key: aws.String(key), BypassGovernanceRetention: bypass,
		})
		if errorCode(err) != "AccessDenied" {
			t.Errorf("DeleteObject (bypass %v): err = %v, want AccessDenied", bypass != nil, err)
		}
	}
	if o := f.object(key); o == nil || string(o.body) != string(stored) {
		t.Fatal("the locked checkpoint was replaced or deleted")
	}
	if got := rejections(); len(got) != 1 {
		t.Errorf("rejections %q, want only the unconditional overwrite", got)
	}
}

func TestFake_ChecksSignatures(t *testing.T) {
	ctx := context.Background()
	f := newFakeS3(t, true)
	rejections := f.collectRejections()
	// Weaken the lock after signing, as a proxy might: the signature covers it.
	tamper := func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Finalize.Add(middleware.FinalizeMiddlewareFunc("tamper",
				func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
					in.Request.(*smithyhttp.Request).Header.Set("X-Amz-Object-Lock-Mode", "GOVERNANCE")
					return next.HandleFinalize(ctx, in)
				}), middleware.After)
		})
	}
	if _, err := f.client(tamper).PutObject(ctx, lockedPut("k")); errorCode(err) != "SignatureDoesNotMatch" {
		t.Errorf("header changed after signing: err = %v, want SignatureDoesNotMatch", err)
	}
	otherRegion := func(o *s3.Options) { o.Region = "us-east-1" }
	if _, err := f.client(otherRegion).PutObject(ctx, lockedPut("k")); errorCode(err) != "SignatureDoesNotMatch" {
		t.Errorf("signed for another region: err = %v, want SignatureDoesNotMatch", err)
	}
	got := rejections()
	if len(got) != 2 || !strings.Contains(got[0], "signature does not match") || !strings.Contains(got[1], "credential scope") {
		t.Errorf("rejections %q, want a signature mismatch and a wrong scope", got)
	}
	if f.object("k") != nil {
		t.Error("a badly signed Put stored an object")
	}
}
