package awskms

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/paycompliance/console/domain/keys"
)

// Sign has KMS sign msg with the signing key. The signature names the key
// by the ARN KMS returns, so it still verifies after SignKeyID changes.
func (p *Provider) Sign(ctx context.Context, msg []byte) (keys.Signature, error) {
	id, err := keyID(p.cfg.SignKeyID, "SignKeyID")
	if err != nil {
		return keys.Signature{}, err
	}
	messageType, message := kmsMessage(msg)
	out, err := p.client.Sign(ctx, &kms.SignInput{
		KeyId:            aws.String(id),
		Message:          message,
		MessageType:      messageType,
		SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256,
	})
	if err != nil {
		return keys.Signature{}, fmt.Errorf("awskms: Sign with %s: %w", id, err)
	}
	if aws.ToString(out.KeyId) == "" || len(out.Signature) == 0 {
		return keys.Signature{}, fmt.Errorf("awskms: Sign with %s returned a malformed signature", id)
	}
	return keys.Signature{KeyID: *out.KeyId, Algorithm: keys.ECDSAP256SHA256, Value: out.Signature}, nil
}

// Verify has KMS check sig with the key sig names.
func (p *Provider) Verify(ctx context.Context, msg []byte, sig keys.Signature) error {
	if sig.Algorithm != keys.ECDSAP256SHA256 || sig.KeyID == "" || len(sig.Value) == 0 {
		return fmt.Errorf("%w: not an AWS KMS ECDSA P-256 signature", keys.ErrAuthentication)
	}
	messageType, message := kmsMessage(msg)
	out, err := p.client.Verify(ctx, &kms.VerifyInput{
		KeyId:            aws.String(sig.KeyID),
		Message:          message,
		MessageType:      messageType,
		Signature:        sig.Value,
		SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256,
	})
	if _, ok := errors.AsType[*types.KMSInvalidSignatureException](err); ok {
		return keys.ErrAuthentication
	}
	if err != nil {
		return fmt.Errorf("awskms: Verify with %s: %w", sig.KeyID, err)
	}
	if !out.SignatureValid {
		return keys.ErrAuthentication
	}
	return nil
}

// PublicKey fetches the PKIX DER public key of a signing key, refusing any
// key that is not what Sign uses, so offline verification cannot be pointed
// at an unexpected algorithm.
func (p *Provider) PublicKey(ctx context.Context, keyID string) (keys.PublicKey, error) {
	out, err := p.client.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(keyID)})
	if err != nil {
		return keys.PublicKey{}, fmt.Errorf("awskms: GetPublicKey of %s: %w", keyID, err)
	}
	if out.KeySpec != types.KeySpecEccNistP256 || out.KeyUsage != types.KeyUsageTypeSignVerify {
		return keys.PublicKey{}, fmt.Errorf("awskms: key %s is %s/%s, want %s/%s",
			keyID, out.KeySpec, out.KeyUsage, types.KeySpecEccNistP256, types.KeyUsageTypeSignVerify)
	}
	if aws.ToString(out.KeyId) == "" || len(out.PublicKey) == 0 {
		return keys.PublicKey{}, fmt.Errorf("awskms: GetPublicKey of %s returned no key", keyID)
	}
	return keys.PublicKey{KeyID: *out.KeyId, Algorithm: keys.ECDSAP256SHA256, DER: out.PublicKey}, nil
}

// kmsMessage sends msg itself when KMS takes it (RAW, 1 to 4096 bytes) and
// its SHA-256 digest otherwise. ECDSA_SHA_256 signs that same digest either
// way, so both give signatures that keys.PublicKey.Verify accepts.
func kmsMessage(msg []byte) (types.MessageType, []byte) {
	if len(msg) == 0 || len(msg) > maxMessage {
		digest := sha256.Sum256(msg)
		return types.MessageTypeDigest, digest[:]
	}
	return types.MessageTypeRaw, msg
}
