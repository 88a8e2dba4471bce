package app

import (
	"context"
	"fmt"
	"io"

	"github.com/paycompliance/console/awskms"
	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/keyfile"
)

// openKeyring builds the configured keyring: the local key file by default,
// AWS KMS when KEYRING=awskms.
func openKeyring(ctx context.Context, cfg Config) (*keys.Keyring, string, error) {
	if cfg.Keyring == "awskms" {
		client, err := awskms.NewClient(ctx, cfg.AWSRegion, cfg.KMSEndpoint)
		if err != nil {
			return nil, "", err
		}
		p := awskms.New(client, awskms.Config{
			EncryptKeyID: cfg.KMSEncryptKeyID, MACKeyID: cfg.KMSMACKeyID, SignKeyID: cfg.KMSSignKeyID,
		})
		return keys.New(p, keys.Options{}), "AWS KMS", nil
	}
	p, err := keyfile.Open(cfg.KeyFile)
	if err != nil {
		return nil, "", err
	}
	return keys.New(p, keys.Options{}), "local key file", nil
}

// rotateKeys adds a new version of every local key. KMS keys rotate in KMS.
func rotateKeys(cfg Config, stdout io.Writer) error {
	if cfg.Keyring != "local" {
		return fmt.Errorf("KEYRING=%s: rotate the keys in AWS KMS (see awskms/README.md), not here", cfg.Keyring)
	}
	p, err := keyfile.Open(cfg.KeyFile)
	if err != nil {
		return err
	}
	if err := p.Rotate(); err != nil {
		return err
	}
	for purpose, v := range p.Versions() {
		fmt.Fprintf(stdout, "%s key: now version %s (%d kept)\n", purpose, v.Version, v.Count)
	}
	fmt.Fprintln(stdout, "Restart running instances to start using the new keys; old data stays readable.")
	return nil
}
