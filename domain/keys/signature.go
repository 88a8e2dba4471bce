package keys

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
)

// Algorithm names a signature scheme.
type Algorithm string

const (
	// Ed25519 is what the local key file signs with.
	Ed25519 Algorithm = "ed25519"
	// ECDSAP256SHA256 is ECDSA on NIST P-256 over SHA-256 with an ASN.1 DER
	// signature: AWS KMS's ECC_NIST_P256 key spec with ECDSA_SHA_256.
	ECDSAP256SHA256 Algorithm = "ecdsa-p256-sha256"
)

// Signature is a signature together with what is needed to check it.
type Signature struct {
	KeyID     string    `json:"key_id"`
	Algorithm Algorithm `json:"alg"`
	Value     []byte    `json:"sig"`
}

// PublicKey is the public half of a signing key, PKIX DER encoded.
type PublicKey struct {
	KeyID     string    `json:"key_id"`
	Algorithm Algorithm `json:"alg"`
	DER       []byte    `json:"der"`
}

// Verify checks sig over msg offline, with no provider: an auditor holding
// the public key can check what they were handed.
func (p PublicKey) Verify(msg []byte, sig Signature) error {
	if sig.KeyID != p.KeyID || sig.Algorithm != p.Algorithm {
		return fmt.Errorf("%w: signature by key %q (%s), public key is %q (%s)",
			ErrAuthentication, sig.KeyID, sig.Algorithm, p.KeyID, p.Algorithm)
	}
	parsed, err := x509.ParsePKIXPublicKey(p.DER)
	if err != nil {
		return fmt.Errorf("keys: parse public key %q: %w", p.KeyID, err)
	}
	ok := false
	switch p.Algorithm {
	case Ed25519:
		pub, isEd := parsed.(ed25519.PublicKey)
		ok = isEd && ed25519.Verify(pub, msg, sig.Value)
	case ECDSAP256SHA256:
		pub, isEC := parsed.(*ecdsa.PublicKey)
		digest := sha256.Sum256(msg)
		ok = isEC && ecdsa.VerifyASN1(pub, digest[:], sig.Value)
	default:
		return fmt.Errorf("keys: unknown signature algorithm %q", p.Algorithm)
	}
	if !ok {
		return ErrAuthentication
	}
	return nil
}

// Fingerprint identifies the key for people comparing it by eye: its id,
// algorithm and the SHA-256 of its DER encoding. The console shows it, and
// an offline bundle check prints it, so an auditor can tell the operator's
// key from a substitute.
func (p PublicKey) Fingerprint() string {
	return fmt.Sprintf("%s (%s) sha256:%x", p.KeyID, p.Algorithm, sha256.Sum256(p.DER))
}
