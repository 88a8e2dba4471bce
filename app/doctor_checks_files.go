package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/paycompliance/console/domain/keys"
)

// writableDir reports whether the console can write in dir, by writing
// there (permission bits do not tell for root, read-only mounts or /proc).
// A missing directory is fine when its nearest existing parent takes a
// write: the console creates it at first use.
func writableDir(dir string) (string, error) {
	probe, what := dir, "exists and is writable"
	for {
		info, err := os.Stat(probe)
		if err == nil {
			if !info.IsDir() {
				return "", fmt.Errorf("%s is not a directory", probe)
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(probe)
		if parent == probe {
			return "", err
		}
		probe, what = parent, "does not exist yet; the console creates it in "+parent+", which is writable"
	}
	f, err := os.CreateTemp(probe, ".console-doctor-*")
	if err != nil {
		return "", fmt.Errorf("cannot write in %s: %w", probe, errors.Unwrap(err))
	}
	f.Close()
	return what, os.Remove(f.Name())
}

// checkDataDir: keys, generated secrets and default directories live in
// DATA_DIR.
func checkDataDir(_ context.Context, env *doctorEnv) result {
	const name = "data-dir"
	what, err := writableDir(env.cfg.DataDir)
	if err != nil {
		return fail(name, "DATA_DIR "+env.cfg.DataDir+": "+err.Error(),
			"create it owned by the console's user, mode 0700 (the systemd unit's StateDirectory= does), or point DATA_DIR at such a directory")
	}
	return pass(name, "DATA_DIR "+env.cfg.DataDir+" "+what)
}

// checkKeyring: with the local key file, the file's state (0600, or
// creatable); then, with either keyring, one round trip per key: encrypt
// and decrypt, token and check, sign and verify. With KMS that is six
// calls, proving each key is reachable and the policy grants each operation.
func checkKeyring(ctx context.Context, env *doctorEnv) result {
	const name = "keyring"
	cfg := env.cfg
	switch cfg.Keyring {
	case "awskms":
	case "local":
		info, err := os.Stat(cfg.KeyFile)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			what, err := writableDir(filepath.Dir(cfg.KeyFile))
			if err != nil {
				return fail(name, cfg.KeyFile+" does not exist and cannot be created: "+err.Error(), "make its directory writable by the console's user")
			}
			return warn(name, cfg.KeyFile+" does not exist: serve creates new keys (mode 0600); its directory "+what,
				"on a new installation that is expected; if this database already holds data, restore the key file from its backup instead, or nothing encrypted can be read")
		case err != nil:
			return fail(name, cfg.KeyFile+": "+err.Error(), "make the key file readable by the console's user only")
		case info.Mode().Perm()&0o077 != 0:
			return fail(name, fmt.Sprintf("%s has mode %04o: others can read every key", cfg.KeyFile, info.Mode().Perm()),
				"chmod 600 "+cfg.KeyFile+" (and rotate the keys if others may have read it: console keys rotate)")
		}
	default: // refused by LoadConfig; opening would create a key file
		return fail(name, "KEYRING is neither local nor awskms: not checked", "set KEYRING=local or KEYRING=awskms")
	}
	ring, source, err := openKeyring(ctx, cfg)
	if err != nil {
		return fail(name, err.Error(), keyringFix(cfg))
	}
	if err := roundTrip(ctx, ring); err != nil {
		return fail(name, source+": "+err.Error(), keyringFix(cfg))
	}
	if cfg.Keyring == "local" {
		return pass(name, source+" "+cfg.KeyFile+" (mode 0600): encrypt, token and sign work")
	}
	return pass(name, source+": encrypt/decrypt, MAC and sign/verify work with KMS_ENCRYPT_KEY_ID, KMS_MAC_KEY_ID and KMS_SIGN_KEY_ID")
}

func keyringFix(cfg Config) string {
	if cfg.Keyring == "awskms" {
		return "check the three key ids, AWS_REGION, the credentials and the key policy (docs/deployment.md, AWS KMS)"
	}
	return "restore a valid key file from its backup"
}

// roundTrip uses every key once each way.
func roundTrip(ctx context.Context, ring *keys.Keyring) error {
	msg, aad := []byte("console doctor"), []byte("doctor")
	sealed, err := ring.Encrypt(ctx, msg, aad)
	if err == nil {
		_, err = ring.Decrypt(ctx, sealed, aad)
	}
	if err != nil {
		return fmt.Errorf("encryption key: %w", err)
	}
	token, err := ring.Token(ctx, msg)
	if err == nil {
		err = ring.CheckToken(ctx, msg, token)
	}
	if err != nil {
		return fmt.Errorf("MAC key: %w", err)
	}
	sig, err := ring.Sign(ctx, msg)
	if err == nil {
		err = ring.Verify(ctx, msg, sig)
	}
	if err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	return nil
}
