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
	if cs, err := d.List(ctx); err != nil || len(cs) != 0 {
		t.Fatalf("empty sink: %v, %v", cs, err)
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
	cs, err := d.List(ctx)
	if err != nil || len(cs) != 1 || cs[0].HeadHash != c.HeadHash || string(cs[0].Signature.Value) != "\x09" {
		t.Fatalf("List = %+v, %v", cs, err)
	}
}
