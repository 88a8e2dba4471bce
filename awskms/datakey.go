package awskms

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/paycompliance/console/domain/keys"
)

const (
	dataKeySize = 32
	// maxCiphertextBlob is KMS's limit on Decrypt's CiphertextBlob; anything
	// longer cannot be a wrapped key, so it fails without a round trip.
	maxCiphertextBlob = 6144
)

// encryptionContext binds wrapped data keys to this use: KMS refuses to
// unwrap them without the same context, and the IAM policy can require it.
// A fresh map per call, so no caller can change the shared value.
func encryptionContext() map[string]string {
	return map[string]string{"purpose": "console-data-key"}
}

// NewDataKey asks KMS for an AES-256 data key under the encryption key; the
// wrapped form is KMS's ciphertext blob, which names the key and its
// material version.
func (p *Provider) NewDataKey(ctx context.Context) (plaintext, wrapped []byte, err error) {
	id, err := keyID(p.cfg.EncryptKeyID, "EncryptKeyID")
	if err != nil {
		return nil, nil, err
	}
	out, err := p.client.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId:             aws.String(id),
		KeySpec:           types.DataKeySpecAes256,
		EncryptionContext: encryptionContext(),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("awskms: GenerateDataKey with %s: %w", id, err)
	}
	if len(out.Plaintext) != dataKeySize || len(out.CiphertextBlob) == 0 {
		return nil, nil, fmt.Errorf("awskms: GenerateDataKey with %s returned a malformed data key", id)
	}
	return out.Plaintext, out.CiphertextBlob, nil
}

// UnwrapDataKey has KMS decrypt a wrapped data key. It sends no KeyId: a
// symmetric ciphertext blob names its own key, so data wrapped before an
// operator pointed EncryptKeyID at a new key still unwraps (the IAM policy,
// not this code, decides which keys may be used).
func (p *Provider) UnwrapDataKey(ctx context.Context, wrapped []byte) ([]byte, error) {
	if len(wrapped) == 0 || len(wrapped) > maxCiphertextBlob {
		return nil, fmt.Errorf("%w: malformed wrapped data key", keys.ErrAuthentication)
	}
	out, err := p.client.Decrypt(ctx, &kms.DecryptInput{
		CiphertextBlob:    wrapped,
		EncryptionContext: encryptionContext(),
	})
	if _, ok := errors.AsType[*types.InvalidCiphertextException](err); ok {
		return nil, fmt.Errorf("%w: KMS rejected the wrapped data key: %w", keys.ErrAuthentication, err)
	}
	if err != nil {
		return nil, fmt.Errorf("awskms: Decrypt data key: %w", err)
	}
	if len(out.Plaintext) != dataKeySize {
		// Something else encrypted under the same key and context.
		clear(out.Plaintext)
		return nil, fmt.Errorf("%w: wrapped value is not a data key", keys.ErrAuthentication)
	}
	return out.Plaintext, nil
}
