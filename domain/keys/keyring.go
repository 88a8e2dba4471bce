package keys

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Options bound how long one data key is reused for new encryptions. Reuse
// saves a provider round trip (a KMS call) per value, as the AWS Encryption
// SDK's caching does; the bounds keep the random-nonce GCM limits far away.
type Options struct {
	DataKeyMaxAge  time.Duration // default 5 minutes
	DataKeyMaxUses int           // default 1<<20 encryptions
	UnwrapCacheMax int           // unwrapped data keys kept for decryption; default 1024
}

// Keyring encrypts, tokenises and signs with the keys of one Provider.
// It is safe for concurrent use.
type Keyring struct {
	provider Provider
	opts     Options
	now      func() time.Time

	mu        sync.Mutex
	current   *dataKey
	unwrapped map[[32]byte][]byte
}

type dataKey struct {
	plaintext, wrapped []byte
	created            time.Time
	uses               int
}

// New returns a Keyring over p; zero options take their defaults.
func New(p Provider, opts Options) *Keyring {
	if opts.DataKeyMaxAge <= 0 {
		opts.DataKeyMaxAge = 5 * time.Minute
	}
	if opts.DataKeyMaxUses <= 0 {
		opts.DataKeyMaxUses = 1 << 20
	}
	if opts.UnwrapCacheMax <= 0 {
		opts.UnwrapCacheMax = 1024
	}
	return &Keyring{provider: p, opts: opts, now: time.Now, unwrapped: map[[32]byte][]byte{}}
}

// Encrypt seals plaintext bound to aad (for example the owning row's id), so
// a ciphertext copied to another row does not decrypt there.
func (k *Keyring) Encrypt(ctx context.Context, plaintext, aad []byte) ([]byte, error) {
	dk, err := k.dataKeyForEncryption(ctx)
	if err != nil {
		return nil, err
	}
	return seal(dk.plaintext, dk.wrapped, plaintext, aad)
}

// Decrypt opens a ciphertext made by Encrypt with the same aad, under any key
// version the provider still holds. Any alteration gives ErrAuthentication.
func (k *Keyring) Decrypt(ctx context.Context, ciphertext, aad []byte) ([]byte, error) {
	header, wrapped, nonce, box, err := parseEnvelope(ciphertext)
	if err != nil {
		return nil, err
	}
	dk, err := k.unwrap(ctx, wrapped)
	if err != nil {
		return nil, err
	}
	return open(dk, header, nonce, box, aad)
}

// Token returns a deterministic token for msg, "version:mac" in base64url,
// so equal values can be found without decrypting them (duplicate bank
// accounts, velocity by card). Equal inputs give equal tokens only under the
// same MAC key version.
func (k *Keyring) Token(ctx context.Context, msg []byte) (string, error) {
	version, mac, err := k.provider.MAC(ctx, msg)
	if err != nil {
		return "", fmt.Errorf("keys: mac: %w", err)
	}
	return version + ":" + base64.RawURLEncoding.EncodeToString(mac), nil
}

// CheckToken reports whether token was made from msg, under whichever key
// version the token names.
func (k *Keyring) CheckToken(ctx context.Context, msg []byte, token string) error {
	version, encoded, ok := strings.Cut(token, ":")
	if !ok {
		return fmt.Errorf("%w: malformed token", ErrAuthentication)
	}
	mac, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil {
		return fmt.Errorf("%w: malformed token", ErrAuthentication)
	}
	return k.provider.VerifyMAC(ctx, version, msg, mac)
}

// Sign signs msg with the current signing key.
func (k *Keyring) Sign(ctx context.Context, msg []byte) (Signature, error) {
	return k.provider.Sign(ctx, msg)
}

// Verify checks a signature made by Sign, under any key version.
func (k *Keyring) Verify(ctx context.Context, msg []byte, sig Signature) error {
	return k.provider.Verify(ctx, msg, sig)
}

// PublicKey returns the public key that verifies signatures by keyID.
func (k *Keyring) PublicKey(ctx context.Context, keyID string) (PublicKey, error) {
	return k.provider.PublicKey(ctx, keyID)
}

func (k *Keyring) dataKeyForEncryption(ctx context.Context) (*dataKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if c := k.current; c != nil && c.uses < k.opts.DataKeyMaxUses && k.now().Sub(c.created) < k.opts.DataKeyMaxAge {
		c.uses++
		return c, nil
	}
	plaintext, wrapped, err := k.provider.NewDataKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("keys: new data key: %w", err)
	}
	k.current = &dataKey{plaintext: plaintext, wrapped: wrapped, created: k.now(), uses: 1}
	return k.current, nil
}

func (k *Keyring) unwrap(ctx context.Context, wrapped []byte) ([]byte, error) {
	id := sha256.Sum256(wrapped)
	k.mu.Lock()
	dk, ok := k.unwrapped[id]
	k.mu.Unlock()
	if ok {
		return dk, nil
	}
	dk, err := k.provider.UnwrapDataKey(ctx, wrapped)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	if len(k.unwrapped) >= k.opts.UnwrapCacheMax {
		clear(k.unwrapped) // rare: only with more live data keys than the cap
	}
	k.unwrapped[id] = dk
	k.mu.Unlock()
	return dk, nil
}
