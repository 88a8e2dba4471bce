package keyfile

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/domain/keys/keystest"
)

func TestProvider(t *testing.T) {
	keystest.Run(t, func(t *testing.T) keystest.Subject {
		p, err := Open(filepath.Join(t.TempDir(), "keys.json"))
		if err != nil {
			t.Fatal(err)
		}
		return keystest.Subject{Provider: p, Rotate: func(t *testing.T) {
			if err := p.Rotate(); err != nil {
				t.Fatal(err)
			}
		}}
	})
}

func TestOpen_CreatesPrivateFileAndReloadsSameKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "var", "keys.json")
	first, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, want 0600", info.Mode().Perm())
	}
	ctx := context.Background()
	ct, err := keys.New(first, keys.Options{}).Encrypt(ctx, []byte("secret"), nil)
	if err != nil {
		t.Fatal(err)
	}
	second, err := Open(path) // a restart
	if err != nil {
		t.Fatal(err)
	}
	got, err := keys.New(second, keys.Options{}).Decrypt(ctx, ct, nil)
	if err != nil || !bytes.Equal(got, []byte("secret")) {
		t.Fatalf("after reopen Decrypt = %q, %v", got, err)
	}
}

func TestOpen_RotationIsPersisted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	p, _ := Open(path)
	if err := p.Rotate(); err != nil {
		t.Fatal(err)
	}
	reopened, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	v := reopened.Versions()["encryption"]
	if v.Version != "e2" || v.Count != 2 {
		t.Fatalf("after rotate and reopen: encryption key %+v, want current e2 of 2", v)
	}
}

func TestOpen_RefusesWorldReadableFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	if _, err := Open(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path)
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("Open of a 0644 key file: err = %v, want a refusal telling to chmod 600", err)
	}
}

func TestOpen_RefusesGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	if err := os.WriteFile(path, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path); err == nil {
		t.Fatal("Open accepted a key file with no keys")
	}
}
