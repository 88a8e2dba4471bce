package keyfile

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"fmt"

	"github.com/paycompliance/console/domain/keys"
)

var _ keys.Provider = (*Provider)(nil)

// Wrapped data key: len(version) | version | 12-byte nonce | AES-256-GCM(data key),
// with the version as additional data so a blob cannot be moved to another key.
func (p *Provider) NewDataKey(_ context.Context) (plaintext, wrapped []byte, err error) {
	p.mu.RLock()
	kek := p.set.Encryption[len(p.set.Encryption)-1]
	p.mu.RUnlock()
	plaintext = make([]byte, 32)
	nonce := make([]byte, 12)
	if _, err := rand.Read(plaintext); err != nil {
		return nil, nil, err
	}
	if _, err := rand.Read(nonce); err != nil {
		return nil, nil, err
	}
	aead, err := gcm(kek.Key)
	if err != nil {
		return nil, nil, err
	}
	wrapped = append([]byte{byte(len(kek.Version))}, kek.Version...)
	wrapped = append(wrapped, nonce...)
	return plaintext, aead.Seal(wrapped, nonce, plaintext, []byte(kek.Version)), nil
}

func (p *Provider) UnwrapDataKey(_ context.Context, wrapped []byte) ([]byte, error) {
	if len(wrapped) < 1 || len(wrapped) < 1+int(wrapped[0])+12 {
		return nil, fmt.Errorf("%w: malformed wrapped data key", keys.ErrAuthentication)
	}
	version := string(wrapped[1 : 1+wrapped[0]])
	rest := wrapped[1+len(version):]
	p.mu.RLock()
	kek, ok := find(p.set.Encryption, version)
	p.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w: no encryption key version %q", keys.ErrAuthentication, version)
	}
	aead, err := gcm(kek.Key)
	if err != nil {
		return nil, err
	}
	dk, err := aead.Open(nil, rest[:12], rest[12:], []byte(version))
	if err != nil {
		return nil, keys.ErrAuthentication
	}
	return dk, nil
}

func (p *Provider) MAC(_ context.Context, msg []byte) (string, []byte, error) {
	p.mu.RLock()
	k := p.set.MAC[len(p.set.MAC)-1]
	p.mu.RUnlock()
	return k.Version, hmacSHA256(k.Key, msg), nil
}

func (p *Provider) VerifyMAC(_ context.Context, version string, msg, mac []byte) error {
	p.mu.RLock()
	k, ok := find(p.set.MAC, version)
	p.mu.RUnlock()
	if !ok || !hmac.Equal(hmacSHA256(k.Key, msg), mac) {
		return keys.ErrAuthentication
	}
	return nil
}

func (p *Provider) Sign(_ context.Context, msg []byte) (keys.Signature, error) {
	p.mu.RLock()
	k := p.set.Signing[len(p.set.Signing)-1]
	p.mu.RUnlock()
	return keys.Signature{KeyID: k.Version, Algorithm: keys.Ed25519, Value: ed25519.Sign(signingPrivateKey(k), msg)}, nil
}

func (p *Provider) Verify(ctx context.Context, msg []byte, sig keys.Signature) error {
	pub, err := p.PublicKey(ctx, sig.KeyID)
	if err != nil {
		return keys.ErrAuthentication
	}
	return pub.Verify(msg, sig)
}

func (p *Provider) PublicKey(_ context.Context, keyID string) (keys.PublicKey, error) {
	p.mu.RLock()
	k, ok := find(p.set.Signing, keyID)
	p.mu.RUnlock()
	if !ok {
		return keys.PublicKey{}, fmt.Errorf("keyfile: no signing key %q", keyID)
	}
	der, err := x509.MarshalPKIXPublicKey(signingPrivateKey(k).Public())
	if err != nil {
		return keys.PublicKey{}, err
	}
	return keys.PublicKey{KeyID: keyID, Algorithm: keys.Ed25519, DER: der}, nil
}

func hmacSHA256(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

func gcm(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
