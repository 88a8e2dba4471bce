package app

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/paycompliance/console/domain/escrow"
	"github.com/paycompliance/console/domain/money"
)

// verifyCertificate is `console escrow verify-certificate FILE`: an
// executed release's approval certificate checked offline, with no
// database or keyring; it prints what was approved, by whom, and the keys
// to compare with the ones the operator publishes.
func verifyCertificate(path string, stdout io.Writer) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	c, err := escrow.VerifyCertificate(data)
	if err != nil {
		return err
	}
	p := c.Payload
	fmt.Fprintf(stdout, "certificate verifies: release %s of escrow %s\n", p.Request, p.Escrow)
	fmt.Fprintf(stdout, "  %s to %s (%s %s), policy version %d: %s\n", money.Amount{Minor: p.Amount, Currency: money.Currency(p.Currency)},
		p.Payee, p.PayeeKind, p.PayeeAccount, p.PolicyVersion, c.Policy.Summary())
	fmt.Fprintf(stdout, "  requested by %s at %s; executed at %s as %s\n", c.RequestedBy, c.RequestedAt.Format(time.RFC3339), c.ExecutedAt.Format(time.RFC3339), c.PayoutRef)
	for _, a := range c.Approvals {
		fmt.Fprintf(stdout, "  approved by %s at %s under TOTP step %d (audit seq %d), key %s\n", a.Approver, a.At.Format(time.RFC3339), a.TOTPStep, a.AuditSeq, a.Signature.KeyID)
	}
	fmt.Fprintln(stdout, "signed by (compare with the keys the operator publishes; a certificate cannot vouch for its own keys):")
	for _, k := range c.Keys {
		fmt.Fprintf(stdout, "  %s\n", k.Fingerprint())
	}
	return nil
}
