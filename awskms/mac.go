package awskms

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/paycompliance/console/domain/keys"
)

// maxMessage is KMS's limit on a GenerateMac, VerifyMac or RAW Sign message.
const maxMessage = 4096

// MAC has KMS compute HMAC-SHA-256 of msg under the MAC key. The version is
// the key's ARN, base64url encoded: ARNs contain ':', which the token format
// reserves, and the encoding gives VerifyMAC the exact key back, even after
// MACKeyID points elsewhere or named an alias.
func (p *Provider) MAC(ctx context.Context, msg []byte) (version string, mac []byte, err error) {
	id, err := keyID(p.cfg.MACKeyID, "MACKeyID")
	if err != nil {
		return "", nil, err
	}
	if err := checkMACMessage(msg); err != nil {
		return "", nil, err
	}
	out, err := p.client.GenerateMac(ctx, &kms.GenerateMacInput{
		KeyId:        aws.String(id),
		MacAlgorithm: types.MacAlgorithmSpecHmacSha256,
		Message:      msg,
	})
	if err != nil {
		return "", nil, fmt.Errorf("awskms: GenerateMac with %s: %w", id, err)
	}
	if aws.ToString(out.KeyId) == "" || len(out.Mac) != sha256.Size {
		return "", nil, fmt.Errorf("awskms: GenerateMac with %s returned a malformed MAC", id)
	}
	return macVersion(*out.KeyId), out.Mac, nil
}

// VerifyMAC has KMS check mac under the key the version names.
func (p *Provider) VerifyMAC(ctx context.Context, version string, msg, mac []byte) error {
	keyARN, ok := macKeyARN(version)
	if !ok || len(mac) != sha256.Size {
		return fmt.Errorf("%w: malformed token", keys.ErrAuthentication)
	}
	if err := checkMACMessage(msg); err != nil {
		return err
	}
	out, err := p.client.VerifyMac(ctx, &kms.VerifyMacInput{
		KeyId:        aws.String(keyARN),
		MacAlgorithm: types.MacAlgorithmSpecHmacSha256,
		Message:      msg,
		Mac:          mac,
	})
	if _, ok := errors.AsType[*types.KMSInvalidMacException](err); ok {
		return keys.ErrAuthentication
	}
	if err != nil {
		return fmt.Errorf("awskms: VerifyMac with %s: %w", keyARN, err)
	}
	if !out.MacValid {
		return keys.ErrAuthentication
	}
	return nil
}

// checkMACMessage refuses what KMS would: HMAC cannot be split into a
// pre-hash the way a signature can, so long values need another design.
func checkMACMessage(msg []byte) error {
	if len(msg) == 0 || len(msg) > maxMessage {
		return fmt.Errorf("awskms: KMS MACs messages of 1 to %d bytes, got %d", maxMessage, len(msg))
	}
	return nil
}

func macVersion(keyARN string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(keyARN))
}

// macKeyARN reverses macVersion; anything that does not decode to a KMS key
// ARN is a malformed token, not something to send to KMS.
func macKeyARN(version string) (string, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(version)
	arn := string(raw)
	if err != nil || !strings.HasPrefix(arn, "arn:") || !strings.Contains(arn, ":key/") {
		return "", false
	}
	return arn, true
}
