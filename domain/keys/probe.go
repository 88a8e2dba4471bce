package keys

import (
	"context"

	"github.com/paycompliance/console/domain/health"
)

// Probe checks that the keyring can sign and verify: with KMS this proves
// the keys are reachable and the permissions right, before a user needs them.
type Probe struct {
	Keyring *Keyring
	Source  string // "local key file", "AWS KMS"
}

// Check implements health.Probe.
func (p Probe) Check(ctx context.Context) health.Check {
	c := health.Check{Name: "keyring"}
	msg := []byte("console keyring probe")
	sig, err := p.Keyring.Sign(ctx, msg)
	if err == nil {
		err = p.Keyring.Verify(ctx, msg, sig)
	}
	if err != nil {
		c.Detail = p.Source + ": cannot sign and verify"
		return c
	}
	c.OK, c.Detail = true, p.Source+"; signing key "+sig.KeyID
	return c
}
