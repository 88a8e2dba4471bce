// Package keyfile is the local keys.Provider, the default: key material in a
// JSON file under the data directory, generated on first run with mode 0600.
// Each purpose (encryption, MAC, signing) keeps every key version it ever had,
// so rotation only appends and old data stays readable.
package keyfile

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// Provider is the local key store. It is safe for concurrent use.
type Provider struct {
	path string
	mu   sync.RWMutex
	set  keySet
}

type keySet struct {
	Encryption []secretKey `json:"encryption"`
	MAC        []secretKey `json:"mac"`
	Signing    []secretKey `json:"signing"` // Ed25519 seeds
}

type secretKey struct {
	Version string    `json:"version"`
	Key     []byte    `json:"key"`
	Created time.Time `json:"created"`
}

// Open loads the key file at path, creating it with fresh keys if it does
// not exist. A file readable by group or others is refused: it would leak
// every key.
func Open(path string) (*Provider, error) {
	p := &Provider{path: path}
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := p.addVersion(); err != nil {
			return nil, err
		}
		return p, p.save()
	case err != nil:
		return nil, fmt.Errorf("keyfile: %w", err)
	case info.Mode().Perm()&0o077 != 0:
		return nil, fmt.Errorf("keyfile: %s is readable by others (mode %v); run chmod 600 on it", path, info.Mode().Perm())
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keyfile: %w", err)
	}
	if err := json.Unmarshal(raw, &p.set); err != nil {
		return nil, fmt.Errorf("keyfile: %s is not a key file: %w", path, err)
	}
	if len(p.set.Encryption) == 0 || len(p.set.MAC) == 0 || len(p.set.Signing) == 0 {
		return nil, fmt.Errorf("keyfile: %s lacks encryption, MAC or signing keys", path)
	}
	return p, nil
}

// Rotate adds a new version of every key and makes it current. Processes
// that opened the file earlier keep their keys until they restart.
func (p *Provider) Rotate() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.addVersion(); err != nil {
		return err
	}
	return p.save()
}

// Versions reports, per purpose, the current key version and when it was
// created (for key-age checks).
func (p *Provider) Versions() map[string]KeyInfo {
	p.mu.RLock()
	defer p.mu.RUnlock()
	info := func(ks []secretKey) KeyInfo {
		k := ks[len(ks)-1]
		return KeyInfo{Version: k.Version, Created: k.Created, Count: len(ks)}
	}
	return map[string]KeyInfo{
		"encryption": info(p.set.Encryption), "mac": info(p.set.MAC), "signing": info(p.set.Signing),
	}
}

// KeyInfo describes the current version of one purpose's key.
type KeyInfo struct {
	Version string
	Created time.Time
	Count   int // versions kept, current included
}

func (p *Provider) addVersion() error {
	now := time.Now().UTC()
	for _, purpose := range []struct {
		keys   *[]secretKey
		prefix string
	}{{&p.set.Encryption, "e"}, {&p.set.MAC, "m"}, {&p.set.Signing, "s"}} {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return err
		}
		version := purpose.prefix + strconv.Itoa(len(*purpose.keys)+1)
		*purpose.keys = append(*purpose.keys, secretKey{Version: version, Key: key, Created: now})
	}
	return nil
}

// save writes the file atomically (temp file, fsync, rename) with mode
// 0600: a full or read-only disk leaves the old file as it was.
func (p *Provider) save() error {
	raw, err := json.MarshalIndent(p.set, "", "  ")
	if err != nil {
		return err
	}
	if err := p.write(raw); err != nil {
		return fmt.Errorf("keyfile: writing %s: %w", p.path, err)
	}
	return nil
}

func (p *Provider) write(raw []byte) error {
	if err := os.MkdirAll(filepath.Dir(p.path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p.path), ".keys-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p.path)
}

func find(ks []secretKey, version string) (secretKey, bool) {
	for _, k := range ks {
		if k.Version == version {
			return k, true
		}
	}
	return secretKey{}, false
}

func signingPrivateKey(k secretKey) ed25519.PrivateKey { return ed25519.NewKeyFromSeed(k.Key) }
