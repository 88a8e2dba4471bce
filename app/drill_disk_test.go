package app_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paycompliance/console/app"
	"github.com/paycompliance/console/internal/fsfault"
	"github.com/paycompliance/console/keyfile"
	"github.com/paycompliance/console/postgres/pgtest"
)

// runConsole runs one console command in process with env and returns its
// exit code and what it wrote to stderr; it must end within a minute.
func runConsole(t *testing.T, env map[string]string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := app.Main(ctx, args, &stdout, &stderr, func(k string) string { return env[k] })
	if ctx.Err() != nil {
		t.Fatalf("console %v did not end within a minute; stderr:\n%s", args, stderr.String())
	}
	return code, stderr.String()
}

// wantFailure checks that a command failed naming path and the cause.
func wantFailure(t *testing.T, what string, code int, stderr, path, cause string) {
	t.Helper()
	if code == 0 || !strings.Contains(stderr, path) || !strings.Contains(stderr, cause) {
		t.Errorf("%s = exit %d, stderr:\n%s\nwant a non-zero exit naming %s and %q", what, code, stderr, path, cause)
	}
}

// keyFile creates a key file in dir and returns its bytes.
func keyFile(t *testing.T, dir string) []byte {
	t.Helper()
	if _, err := keyfile.Open(filepath.Join(dir, "keys.json")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// unchanged checks that the key file still holds before and nothing else
// was left in its directory.
func unchanged(t *testing.T, dir string, before []byte) {
	t.Helper()
	if after, err := os.ReadFile(filepath.Join(dir, "keys.json")); err != nil || !bytes.Equal(after, before) {
		t.Errorf("keys.json changed (%v): %d bytes, were %d", err, len(after), len(before))
	}
	if _, err := keyfile.Open(filepath.Join(dir, "keys.json")); err != nil {
		t.Errorf("keys.json no longer opens: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".keys-*")); len(left) > 0 {
		t.Errorf("temporary key files left behind: %v", left)
	}
}

// TestDrill_ReadOnlyDataDir: with DATA_DIR on a read-only file system,
// serve (which creates the key file) and keys rotate (which rewrites it)
// exit non-zero saying which file and why, and the key file is untouched.
func TestDrill_ReadOnlyDataDir(t *testing.T) {
	t.Parallel()
	_, dbURL := pgtest.NewDB(t)
	empty := fsfault.ReadOnly(t, nil)
	code, stderr := runConsole(t, map[string]string{"DATABASE_URL": dbURL, "DATA_DIR": empty, "ADDR": "127.0.0.1:0", "ADMIN_ADDR": "127.0.0.1:0"}, "serve")
	wantFailure(t, "serve", code, stderr, filepath.Join(empty, "keys.json"), "read-only file system")

	var before []byte
	keyed := fsfault.ReadOnly(t, func(dir string) { before = keyFile(t, dir) })
	code, stderr = runConsole(t, map[string]string{"DATA_DIR": keyed}, "keys", "rotate")
	wantFailure(t, "keys rotate", code, stderr, filepath.Join(keyed, "keys.json"), "read-only file system")
	unchanged(t, keyed, before)
}

// TestDrill_DiskFull: with no space left, keys rotate and serve exit
// non-zero saying which file and why, the key file is untouched, and a
// checkpoint that cannot be written leaves no partial file, so that once
// there is space again the same checkpoint is written whole.
func TestDrill_DiskFull(t *testing.T) {
	t.Parallel()
	var before []byte
	keyed, _ := fsfault.Full(t, func(dir string) { before = keyFile(t, dir) })
	code, stderr := runConsole(t, map[string]string{"DATA_DIR": keyed}, "keys", "rotate")
	wantFailure(t, "keys rotate", code, stderr, filepath.Join(keyed, "keys.json"), "no space left on device")
	unchanged(t, keyed, before)

	_, dbURL := pgtest.NewDB(t)
	empty, _ := fsfault.Full(t, nil)
	code, stderr = runConsole(t, map[string]string{"DATABASE_URL": dbURL, "DATA_DIR": empty, "ADDR": "127.0.0.1:0", "ADMIN_ADDR": "127.0.0.1:0"}, "serve")
	wantFailure(t, "serve", code, stderr, filepath.Join(empty, "keys.json"), "no space left on device")

	checkpoints, free := fsfault.Full(t, nil)
	env := map[string]string{"DATABASE_URL": dbURL, "DATA_DIR": t.TempDir(), "AUDIT_CHECKPOINT_DIR": checkpoints}
	if code, stderr := runConsole(t, env, "users", "add-admin", "drill.admin", "drill@example.com", "Drill Admin"); code != 0 {
		t.Fatalf("add-admin = %d: %s", code, stderr) // an audit entry to sign
	}
	code, stderr = runConsole(t, env, "audit", "checkpoint")
	wantFailure(t, "audit checkpoint", code, stderr, filepath.Join(checkpoints, "checkpoint-"), "no space left on device")
	if left, _ := filepath.Glob(filepath.Join(checkpoints, "*checkpoint-*")); len(left) > 0 {
		t.Errorf("a checkpoint that failed left %v", left)
	}
	free()
	if code, stderr := runConsole(t, env, "audit", "checkpoint"); code != 0 {
		t.Fatalf("audit checkpoint with space again = %d: %s", code, stderr)
	}
	if code, stderr := runConsole(t, env, "audit", "verify"); code != 0 {
		t.Errorf("audit verify after the retried checkpoint = %d: %s", code, stderr)
	}
}
