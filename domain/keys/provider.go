// Package keys is the keyring: authenticated encryption with associated
// data, deterministic tokens for matching encrypted values, and signatures.
// A Provider holds the key material (a local key file, or AWS KMS); the
// Keyring turns it into envelope encryption and versioned tokens, so the two
// providers behave the same and rotation keeps old data readable.
package keys

import (
	"context"
	"errors"
)

// ErrAuthentication means a ciphertext, token or signature did not verify:
// it was altered, bound to other associated data, or made under another key.
var ErrAuthentication = errors.New("keys: authentication failed")

// Provider is the key store a Keyring needs. Every method works with the
// current key version for new material and any earlier version for old.
type Provider interface {
	// NewDataKey returns a fresh 32-byte data key, both in the clear and
	// wrapped under the current key-encryption key. The wrapped form names
	// the key version that wrapped it.
	NewDataKey(ctx context.Context) (plaintext, wrapped []byte, err error)
	// UnwrapDataKey recovers a data key this provider wrapped, under any of
	// its key versions. It returns ErrAuthentication if wrapped was altered.
	UnwrapDataKey(ctx context.Context, wrapped []byte) ([]byte, error)

	// MAC returns HMAC-SHA-256 of msg under the current MAC key, and that
	// key's version (a short string without ':').
	MAC(ctx context.Context, msg []byte) (version string, mac []byte, err error)
	// VerifyMAC checks mac over msg under the named key version; it returns
	// ErrAuthentication on mismatch.
	VerifyMAC(ctx context.Context, version string, msg, mac []byte) error

	// Sign signs msg with the current signing key.
	Sign(ctx context.Context, msg []byte) (Signature, error)
	// Verify checks sig over msg with the key sig names; ErrAuthentication on mismatch.
	Verify(ctx context.Context, msg []byte, sig Signature) error
	// PublicKey returns the public half of the named signing key, so anyone
	// can verify signatures offline.
	PublicKey(ctx context.Context, keyID string) (PublicKey, error)
}
