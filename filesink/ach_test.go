package filesink

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestOutboxAndInbox(t *testing.T) {
	ctx := context.Background()
	out := Outbox{Path: filepath.Join(t.TempDir(), "outbound")}
	loc, err := out.Deliver(ctx, "ach-1.ach", []byte("file one"))
	if err != nil {
		t.Fatal(err)
	}
	if again, err := out.Deliver(ctx, "ach-1.ach", []byte("file one")); err != nil || again != loc {
		t.Fatalf("a retried delivery = %q, %v", again, err)
	}
	if _, err := out.Deliver(ctx, "ach-1.ach", []byte("another")); err == nil {
		t.Fatal("a file was replaced")
	}
	if _, err := out.Deliver(ctx, "../escape.ach", []byte("x")); err == nil {
		t.Fatal("a path outside the directory was written")
	}
	entries, _ := os.ReadDir(out.Path)
	if len(entries) != 1 {
		t.Fatalf("the outbound directory holds %d entries (a partial file left?)", len(entries))
	}

	in := Inbox{Path: t.TempDir()}
	os.WriteFile(filepath.Join(in.Path, "b.ach"), []byte("returns"), 0o644)
	os.WriteFile(filepath.Join(in.Path, "a.ach"), []byte("noc"), 0o644)
	names, err := in.List(ctx)
	if err != nil || len(names) != 2 || names[0] != "a.ach" {
		t.Fatalf("List = %v, %v", names, err)
	}
	if b, err := in.Read(ctx, "b.ach"); err != nil || string(b) != "returns" {
		t.Fatalf("Read = %q, %v", b, err)
	}
	if err := in.Done(ctx, "b.ach", false); err != nil {
		t.Fatal(err)
	}
	if err := in.Done(ctx, "a.ach", true); err != nil {
		t.Fatal(err)
	}
	if names, _ := in.List(ctx); len(names) != 0 {
		t.Fatalf("taken files still listed: %v", names)
	}
	if _, err := os.Stat(filepath.Join(in.Path, "rejected", "a.ach")); err != nil {
		t.Fatal("the rejected file is not in rejected/")
	}
}
