package awskms

import (
	"testing"

	"github.com/paycompliance/console/domain/keys/keystest"
)

const dataAlias = "alias/console-data"

// newTestProvider returns a fake KMS holding the three keys and a provider
// configured for them, naming each key a different way KMS allows.
func newTestProvider(t *testing.T) (*fakeKMS, *Provider) {
	f := newFakeKMS(t)
	f.createAlias(dataAlias, f.createKey("SYMMETRIC_DEFAULT"))
	cfg := Config{
		EncryptKeyID: dataAlias,
		MACKeyID:     f.createKey("HMAC_256"),             // bare key id
		SignKeyID:    f.arn(f.createKey("ECC_NIST_P256")), // key ARN
	}
	return f, New(f.client(), cfg)
}

func TestProvider(t *testing.T) {
	keystest.Run(t, func(t *testing.T) keystest.Subject {
		f, p := newTestProvider(t)
		return keystest.Subject{Provider: p, Rotate: func(t *testing.T) {
			f.rotate(dataAlias)
			// KMS cannot rotate HMAC or asymmetric keys: the operator
			// creates new ones and points the configuration at them.
			p.cfg.MACKeyID = f.createKey("HMAC_256")
			p.cfg.SignKeyID = f.createKey("ECC_NIST_P256")
		}}
	})
}
