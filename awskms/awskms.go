// Package awskms is the AWS KMS keys.Provider: data keys wrapped by a
// symmetric KMS key, tokens from an HMAC key, signatures from an ECC P-256
// key. The KMS keys never leave KMS; only the data keys the Keyring uses do.
// The adapter is thin on purpose: envelope format, token layout and caching
// live in package keys, so this provider and the key file behave the same.
package awskms

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/paycompliance/console/domain/keys"
)

// Config names the three KMS keys. Each may be a key id, key ARN, alias name
// ("alias/console-data") or alias ARN; what the provider stores (token
// versions, signature key ids) is always the key ARN KMS answers with.
type Config struct {
	EncryptKeyID string // SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT: wraps data keys
	MACKeyID     string // HMAC_256, GENERATE_VERIFY_MAC: deterministic tokens
	SignKeyID    string // ECC_NIST_P256, SIGN_VERIFY: signatures
}

// Provider implements keys.Provider with AWS KMS. It holds no key material
// and is safe for concurrent use.
type Provider struct {
	client *kms.Client
	cfg    Config
}

var _ keys.Provider = (*Provider)(nil)

// New returns a Provider that calls KMS through client.
func New(client *kms.Client, cfg Config) *Provider {
	return &Provider{client: client, cfg: cfg}
}

// NewClient builds a KMS client from the standard AWS configuration chain
// (environment, shared files, instance or task role). region overrides the
// chain's region when set; endpoint, when set, replaces the regional
// endpoint (a VPC endpoint, say).
func NewClient(ctx context.Context, region, endpoint string) (*kms.Client, error) {
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("awskms: load AWS config: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("awskms: no AWS region: set AWS_REGION")
	}
	return kms.NewFromConfig(cfg, func(o *kms.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}), nil
}

// keyID returns a configured key id, or an error naming the missing setting,
// so a half-configured provider fails clearly rather than with a KMS
// validation error.
func keyID(id, field string) (string, error) {
	if id == "" {
		return "", fmt.Errorf("awskms: Config.%s is empty", field)
	}
	return id, nil
}
