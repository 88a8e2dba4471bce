package filesink

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
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
	settled := time.Now().Add(-time.Minute)
	for name, content := range map[string]string{"b.ach": "returns", "a.ach": "noc", "c.ach": "still being written"} {
		os.WriteFile(filepath.Join(in.Path, name), []byte(content), 0o644)
		if name != "c.ach" {
			os.Chtimes(filepath.Join(in.Path, name), settled, settled)
		}
	}
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
	// The bank sends b.ach again with other content: both are kept.
	os.WriteFile(filepath.Join(in.Path, "b.ach"), []byte("returns, again"), 0o644)
	if err := in.Done(ctx, "b.ach", false); err != nil {
		t.Fatal(err)
	}
	kept, _ := filepath.Glob(filepath.Join(in.Path, "processed", "b.ach*"))
	if first, _ := os.ReadFile(filepath.Join(in.Path, "processed", "b.ach")); len(kept) != 2 || string(first) != "returns" {
		t.Fatalf("processed holds %v; the first b.ach reads %q", kept, first)
	}
}

// TestOutbox_RemovesWhatACrashLeft: a temporary file a killed delivery
// left in the bank's pickup directory is removed by the next delivery,
// while one a running delivery may still be writing is spared.
func TestOutbox_RemovesWhatACrashLeft(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	abandoned, fresh := filepath.Join(dir, ".partial-111"), filepath.Join(dir, ".partial-222")
	for _, name := range []string{abandoned, fresh} {
		if err := os.WriteFile(name, []byte("101 half a file"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(abandoned, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := (Outbox{Path: dir}).Deliver(context.Background(), "file.ach", []byte("101 whole")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(abandoned); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the temporary a crash left two hours ago is still there (%v)", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("a fresh temporary was removed: %v", err)
	}
	if names, _ := filepath.Glob(filepath.Join(dir, "*.ach")); len(names) != 1 {
		t.Errorf("delivered files: %v, want file.ach", names)
	}
}
