package s3sink

import (
	"context"
	"slices"
	"strings"
	"testing"
)

const achKey = "arn:aws:kms:eu-west-1:111122223333:key/ach"

// NACHA files go out encrypted with the configured KMS key, once: the same
// content again is a retried delivery, other content under the name is
// refused and leaves the first.
func TestACHOutbox_DeliversOnceEncrypted(t *testing.T) {
	ctx := context.Background()
	f := newFakeS3(t, true)
	f.sseKMS = true
	out := ACHOutbox{Client: f.client(), Bucket: fakeBucket, Prefix: "ach/outbound/", KMSKeyID: achKey}
	loc, err := out.Deliver(ctx, "ACH-20261202-A.txt", []byte("101 file"))
	if err != nil || loc != "s3://"+fakeBucket+"/ach/outbound/ACH-20261202-A.txt" {
		t.Fatalf("Deliver = %q, %v", loc, err)
	}
	o := f.object("ach/outbound/ACH-20261202-A.txt")
	if o == nil || string(o.body) != "101 file" || o.kmsKey != achKey {
		t.Fatalf("stored %+v", o)
	}
	if _, err := out.Deliver(ctx, "ACH-20261202-A.txt", []byte("101 file")); err != nil {
		t.Fatalf("a retried delivery: %v", err)
	}
	if _, err := out.Deliver(ctx, "ACH-20261202-A.txt", []byte("101 other")); err == nil || !strings.Contains(err.Error(), "other content") {
		t.Fatalf("other content under the name = %v", err)
	}
	if string(f.object("ach/outbound/ACH-20261202-A.txt").body) != "101 file" {
		t.Fatal("the delivered file was replaced")
	}
	if _, err := out.Deliver(ctx, "../escape.txt", []byte("x")); err == nil {
		t.Fatal("a name with a path was taken")
	}
}

// The inbox lists the files directly under its prefix, and moves each it
// is done with aside, so it is read once.
func TestACHInbox_ListsReadsAndMovesAside(t *testing.T) {
	ctx := context.Background()
	f := newFakeS3(t, false)
	f.sseKMS = true
	in := ACHInbox{Client: f.client(), Bucket: fakeBucket, Prefix: "ach/inbound/", KMSKeyID: achKey}
	f.seed("ach/inbound/returns-2.ach", []byte("second"))
	f.seed("ach/inbound/returns-1.ach", []byte("first"))
	f.seed("ach/inbound/processed/old.ach", []byte("old"))
	f.seed("ach/elsewhere.ach", []byte("not ours"))
	names, err := in.List(ctx)
	if err != nil || !slices.Equal(names, []string{"returns-1.ach", "returns-2.ach"}) {
		t.Fatalf("List = %v, %v", names, err)
	}
	if b, err := in.Read(ctx, "returns-1.ach"); err != nil || string(b) != "first" {
		t.Fatalf("Read = %q, %v", b, err)
	}
	if err := in.Done(ctx, "returns-1.ach", false); err != nil {
		t.Fatal(err)
	}
	if err := in.Done(ctx, "returns-2.ach", true); err != nil {
		t.Fatal(err)
	}
	if f.object("ach/inbound/returns-1.ach") != nil || string(f.object("ach/inbound/processed/returns-1.ach").body) != "first" ||
		string(f.object("ach/inbound/rejected/returns-2.ach").body) != "second" || f.object("ach/inbound/rejected/returns-2.ach").kmsKey != achKey {
		t.Fatal("the files were not moved aside")
	}
	if names, _ := in.List(ctx); len(names) != 0 {
		t.Fatalf("after Done, List = %v", names)
	}
	// The bank sends returns-1.ach again with other content: both are kept.
	f.seed("ach/inbound/returns-1.ach", []byte("first, again"))
	if err := in.Done(ctx, "returns-1.ach", false); err != nil {
		t.Fatal(err)
	}
	var copies int
	for key := range f.objects {
		if strings.HasPrefix(key, "ach/inbound/processed/returns-1.ach") {
			copies++
		}
	}
	if copies != 2 || string(f.object("ach/inbound/processed/returns-1.ach").body) != "first" {
		t.Fatalf("%d processed copies of returns-1.ach", copies)
	}
}
