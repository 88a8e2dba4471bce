package s3sink

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/keyfile"
)

const testPrefix = "console/checkpoints/"

// newTestSink returns a fake (over TLS, as production is), a sink on it and
// a keyring to sign checkpoints with.
func newTestSink(t *testing.T, tls bool) (*fakeS3, *Sink, *keys.Keyring) {
	t.Helper()
	f := newFakeS3(t, tls)
	s, err := New(f.client(), Config{Bucket: fakeBucket, Prefix: testPrefix, RetainFor: 10 * 365 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	p, err := keyfile.Open(filepath.Join(t.TempDir(), "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	return f, s, keys.New(p, keys.Options{})
}

// checkpoint signs a checkpoint of a made-up head at seq.
func checkpoint(t *testing.T, ring *keys.Keyring, seq int64, head string) audit.Checkpoint {
	t.Helper()
	c, err := audit.SignCheckpoint(context.Background(), ring, seq, sha256.Sum256([]byte(head)), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSink_PutListRoundTripAcrossPages(t *testing.T) {
	for _, tls := range []bool{true, false} {
		t.Run(fmt.Sprintf("tls=%v", tls), func(t *testing.T) {
			ctx := context.Background()
			f, s, ring := newTestSink(t, tls)
			if cs, err := list(s, ctx); err != nil || len(cs) != 0 {
				t.Fatalf("empty sink: %v, %v", cs, err)
			}
			var want []audit.Checkpoint
			for _, seq := range []int64{1000, 1, 99, 100_000_000_000, 7} {
				c := checkpoint(t, ring, seq, fmt.Sprint("head", seq))
				if err := s.Put(ctx, c); err != nil {
					t.Fatal(err)
				}
				want = append(want, c)
			}
			got, err := list(s, ctx)
			if err != nil {
				t.Fatal(err)
			}
			// S3 lists keys in order and the sequence number is zero-padded.
			order := []int{1, 4, 2, 0, 3}
			if len(got) != len(want) {
				t.Fatalf("List returned %d checkpoints, want %d", len(got), len(want))
			}
			for i, j := range order {
				if !reflect.DeepEqual(got[i], want[j]) {
					t.Errorf("List()[%d] = %+v, want %+v", i, got[i], want[j])
				}
				if err := ring.Verify(ctx, got[i].Statement, got[i].Signature); err != nil {
					t.Errorf("checkpoint %d read back does not verify: %v", got[i].Seq, err)
				}
			}
			lists := f.requestsFor("ListObjectsV2")
			if len(lists) != 1+3 { // the empty listing, then 5 keys at 2 per page
				t.Fatalf("%d ListObjectsV2 requests, want 4", len(lists))
			}
			// Latest pages through the listing and reads one object: the highest seq.
			gets := len(f.requestsFor("GetObject"))
			latest, found, err := s.Latest(ctx)
			if err != nil || !found || !reflect.DeepEqual(latest, want[3]) {
				t.Fatalf("Latest = %+v, %v, %v; want the checkpoint at 100000000000", latest.Seq, found, err)
			}
			if n := len(f.requestsFor("GetObject")) - gets; n != 1 {
				t.Fatalf("Latest read %d objects, want 1", n)
			}
			for i, r := range lists[1:] {
				if r.Query["prefix"][0] != testPrefix || (i > 0) != (len(r.Query["continuation-token"]) == 1) {
					t.Errorf("ListObjectsV2 page %d query %v: want the prefix, and the token from page 2 on", i+1, r.Query)
				}
			}
			if o := f.object(testPrefix + "checkpoint-00000000100000000000.json"); o == nil {
				t.Error("want keys named like filesink's files, zero-padded to 20 digits")
			}
		})
	}
}

func TestSink_SameCheckpointTwiceIsFine(t *testing.T) {
	ctx := context.Background()
	f, s, ring := newTestSink(t, true)
	c := checkpoint(t, ring, 42, "head")
	for range 2 {
		if err := s.Put(ctx, c); err != nil {
			t.Fatalf("Put: %v", err)
		}
	}
	puts := f.requestsFor("PutObject")
	if len(puts) != 2 || puts[0].Status != 200 || puts[1].Status != 412 {
		t.Fatalf("PutObject statuses %v, want 200 then 412 (the second write must be conditional)", puts)
	}
	if gets := f.requestsFor("GetObject"); len(gets) != 1 {
		t.Fatalf("%d GetObject requests, want 1 to compare the stored checkpoint", len(gets))
	}
	if cs, err := list(s, ctx); err != nil || len(cs) != 1 {
		t.Fatalf("List = %d checkpoints, %v; want 1", len(cs), err)
	}
}

func TestSink_DifferentCheckpointAtSameSeqFails(t *testing.T) {
	ctx := context.Background()
	f, s, ring := newTestSink(t, true)
	c := checkpoint(t, ring, 42, "head")
	if err := s.Put(ctx, c); err != nil {
		t.Fatal(err)
	}
	stored := f.object(s.key(42)).body
	err := s.Put(ctx, checkpoint(t, ring, 42, "rewritten head"))
	if err == nil || !strings.Contains(err.Error(), "already holds a different checkpoint") {
		t.Fatalf("Put of a different checkpoint at seq 42: err = %v", err)
	}
	if !strings.Contains(err.Error(), "s3://"+fakeBucket+"/"+s.key(42)) {
		t.Errorf("err = %v, want it to name the object", err)
	}
	if got := f.object(s.key(42)).body; string(got) != string(stored) {
		t.Fatal("the stored checkpoint changed")
	}
	if cs, err := list(s, ctx); err != nil || len(cs) != 1 || cs[0].HeadHash != c.HeadHash {
		t.Fatalf("List = %+v, %v; want the first checkpoint only", cs, err)
	}
}

func TestSink_PutLocksEachObject(t *testing.T) {
	for _, mode := range []string{"", "COMPLIANCE", "GOVERNANCE"} {
		t.Run("mode="+mode, func(t *testing.T) {
			ctx := context.Background()
			f, _, ring := newTestSink(t, true)
			retain := 3650 * 24 * time.Hour
			s, err := New(f.client(), Config{Bucket: fakeBucket, Prefix: testPrefix, RetainFor: retain, Mode: mode})
			if err != nil {
				t.Fatal(err)
			}
			before := time.Now()
			if err := s.Put(ctx, checkpoint(t, ring, 1, "head")); err != nil {
				t.Fatal(err)
			}
			after := time.Now()
			wantMode := mode
			if wantMode == "" {
				wantMode = "COMPLIANCE" // the default
			}
			h := f.requestsFor("PutObject")[0].Header
			until, err := time.Parse(time.RFC3339Nano, h.Get("X-Amz-Object-Lock-Retain-Until-Date"))
			if err != nil {
				t.Fatalf("retain-until date %q: %v", h.Get("X-Amz-Object-Lock-Retain-Until-Date"), err)
			}
			// The SDK sends milliseconds.
			if until.Before(before.Add(retain).Truncate(time.Millisecond)) || until.After(after.Add(retain)) {
				t.Errorf("retain until %v, want now + %v (%v .. %v)", until, retain, before.Add(retain), after.Add(retain))
			}
			if got := h.Get("X-Amz-Object-Lock-Mode"); got != wantMode {
				t.Errorf("x-amz-object-lock-mode %q, want %q", got, wantMode)
			}
			if got := h.Get("If-None-Match"); got != "*" {
				t.Errorf("If-None-Match %q, want *", got)
			}
			if got := h.Get("X-Amz-Sdk-Checksum-Algorithm"); got != "SHA256" {
				t.Errorf("x-amz-sdk-checksum-algorithm %q, want SHA256", got)
			}
			o := f.object(s.key(1))
			if o.mode != wantMode || !o.retainUntil.Equal(until) || o.sha256 == "" {
				t.Errorf("stored object: mode %q, retain until %v, sha256 %q", o.mode, o.retainUntil, o.sha256)
			}
		})
	}
}

func TestSink_WrongSecretIsRejectedAndSurfaced(t *testing.T) {
	ctx := context.Background()
	f, _, ring := newTestSink(t, true)
	rejections := f.collectRejections()
	bad, err := New(f.client(func(o *s3.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(fakeAccessKey, "WRONG", "")
	}), Config{Bucket: fakeBucket, Prefix: testPrefix, RetainFor: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	putErr := bad.Put(ctx, checkpoint(t, ring, 1, "head"))
	_, listErr := list(bad, ctx)
	for name, err := range map[string]error{"Put": putErr, "List": listErr} {
		apiErr, ok := errors.AsType[smithy.APIError](err)
		if !ok || apiErr.ErrorCode() != "SignatureDoesNotMatch" || !strings.Contains(err.Error(), "s3sink:") {
			t.Errorf("%s with a wrong secret: err = %v, want a wrapped SignatureDoesNotMatch", name, err)
		}
	}
	got := rejections()
	if len(got) != 2 || !strings.Contains(got[0], "signature does not match") {
		t.Errorf("fake rejections %q, want two signature mismatches", got)
	}
	if f.object(bad.key(1)) != nil {
		t.Error("an unauthenticated Put stored an object")
	}
}

func TestSink_ListIgnoresOtherObjects(t *testing.T) {
	ctx := context.Background()
	f, s, ring := newTestSink(t, true)
	c := checkpoint(t, ring, 5, "head")
	if err := s.Put(ctx, c); err != nil {
		t.Fatal(err)
	}
	// Not checkpoints of this sink; List must not even read them (they
	// would not decode).
	for _, key := range []string{
		"other/checkpoint-00000000000000000001.json",
		"console/checkpoint-00000000000000000002.json",
		testPrefix + "README.txt",
		testPrefix + "old/checkpoint-00000000000000000003.json",
		testPrefix + "checkpoint-00000000000000000004.json.tmp",
	} {
		f.seed(key, []byte("not a checkpoint"))
	}
	cs, err := list(s, ctx)
	if err != nil || len(cs) != 1 || !reflect.DeepEqual(cs[0], c) {
		t.Fatalf("List = %+v, %v; want only the sink's checkpoint", cs, err)
	}
	if gets := f.requestsFor("GetObject"); len(gets) != 1 {
		t.Errorf("%d GetObject requests, want 1", len(gets))
	}
}

func TestSink_CorruptCheckpointFailsList(t *testing.T) {
	f, s, _ := newTestSink(t, true)
	f.seed(s.key(9), []byte("{not json"))
	if _, err := list(s, context.Background()); err == nil || !strings.Contains(err.Error(), s.key(9)) {
		t.Fatalf("List over a corrupt checkpoint: err = %v, want it to name the object", err)
	}
}

func TestNew_ValidatesConfig(t *testing.T) {
	f := newFakeS3(t, false)
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{RetainFor: time.Hour}, "Bucket"},
		{Config{Bucket: "b"}, "RetainFor"},
		{Config{Bucket: "b", RetainFor: -time.Hour}, "RetainFor"},
		{Config{Bucket: "b", RetainFor: time.Hour, Mode: "compliance"}, "Mode"},
	} {
		if _, err := New(f.client(), tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v): err = %v, want it to name %s", tc.cfg, err, tc.want)
		}
	}
	if n := len(f.requestsFor("")); n != 0 {
		t.Errorf("%d S3 calls, want none", n)
	}
}

func TestSink_DamagedObjectFailsItsChecksum(t *testing.T) {
	ctx := context.Background()
	f, s, ring := newTestSink(t, true)
	if err := s.Put(ctx, checkpoint(t, ring, 3, "head")); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	o := f.objects[s.key(3)]
	o.body = append([]byte(nil), o.body...)
	o.body[len(o.body)-2] ^= 1 // bit rot, or a copy edited behind S3's back
	f.mu.Unlock()
	if _, err := list(s, ctx); err == nil || !strings.Contains(err.Error(), "checksum did not match") {
		t.Fatalf("List over a damaged object: err = %v, want a checksum mismatch", err)
	}
	if h := f.requestsFor("GetObject")[0].Header; h.Get("X-Amz-Checksum-Mode") != "ENABLED" {
		t.Fatalf("GetObject x-amz-checksum-mode %q, want ENABLED", h.Get("X-Amz-Checksum-Mode"))
	}
}

// list reads every checkpoint in the sink, through the same paging and
// reading that Latest uses, so the tests see the whole bucket.
func list(s *Sink, ctx context.Context) ([]audit.Checkpoint, error) {
	var keys []string
	if err := s.eachKey(ctx, func(k string) { keys = append(keys, k) }); err != nil {
		return nil, err
	}
	out := make([]audit.Checkpoint, 0, len(keys))
	for _, k := range keys {
		c, err := s.read(ctx, k)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
