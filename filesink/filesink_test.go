package filesink

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/keys"
)

func TestDir_PutListAndWriteOnce(t *testing.T) {
	ctx := context.Background()
	d := Dir{Path: t.TempDir() + "/checkpoints"}
	if _, found, err := d.Latest(ctx); err != nil || found {
		t.Fatalf("empty sink: found %v, %v", found, err)
	}
	c := audit.Checkpoint{Seq: 7, HeadHash: audit.Hash{1, 2}, SignedAt: time.Unix(1_800_000_000, 0).UTC(),
		Statement: []byte("st"), Signature: keys.Signature{KeyID: "s1", Algorithm: keys.Ed25519, Value: []byte{9}}}
	if err := d.Put(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := d.Put(ctx, c); err != nil {
		t.Fatalf("same checkpoint twice: %v", err)
	}
	other := c
	other.HeadHash = audit.Hash{3}
	if err := d.Put(ctx, other); err == nil || !strings.Contains(err.Error(), "different checkpoint") {
		t.Fatalf("overwrite with a different checkpoint: err = %v", err)
	}
	later := c
	later.Seq, later.HeadHash = 12, audit.Hash{4}
	if err := d.Put(ctx, later); err != nil {
		t.Fatal(err)
	}
	got, found, err := d.Latest(ctx)
	if err != nil || !found || got.Seq != 12 || got.HeadHash != later.HeadHash || string(got.Signature.Value) != "\x09" {
		t.Fatalf("Latest = %+v, %v, %v; want the checkpoint at 12", got, found, err)
	}
}
