package app

import (
	"context"
	"time"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/pci"
	"github.com/paycompliance/console/postgres"
)

// demoAttestations are what the demo's compliance officer has attested:
// most current, the awareness training's lapsed, and the network and
// penetration-testing controls never attested, so the demo scorecard
// shows each state.
var demoAttestations = []struct {
	sub, statement string
	age, validFor  time.Duration
}{
	{"9.2.1", "Data centre entry is by badge and PIN with a visitor log; colocation provider's SOC 2 report attached to the file.", 40 * 24 * time.Hour, 365 * 24 * time.Hour},
	{"9.4.1", "No media with cardholder data exists: card data never reaches the console (Stripe Elements).", 40 * 24 * time.Hour, 365 * 24 * time.Hour},
	{"12.1.1", "Information security policy v3.2 approved by the board and published on the intranet.", 90 * 24 * time.Hour, 365 * 24 * time.Hour},
	{"12.6.1", "Security awareness training completed by all staff.", 400 * 24 * time.Hour, 365 * 24 * time.Hour},
	{"7.2.4", "Quarterly access review: every account's roles checked against its job; two grants revoked.", 30 * 24 * time.Hour, 0},
	{"10.4.1", "Reviewed the audit log and security alerts for today.", 2 * time.Hour, 36 * time.Hour},
}

func seedPCI(ctx context.Context, env seedEnv) (int, error) {
	store := postgres.PCIStore{DB: env.db}
	if current, err := store.CurrentAttestations(ctx); err != nil || len(current) > 0 {
		return 0, err // seeded already
	}
	svc := &pci.Service{Store: store, Tx: postgres.Transactor{DB: env.db}, Audit: env.trail.log}
	now := time.Now().UTC()
	ctx = identity.WithServiceCaller(ctx, audit.Actor{Type: audit.ActorUser, ID: "amelia.ortiz", Roles: []string{string(identity.ComplianceOfficer)}},
		identity.PermPCIRead, identity.PermPCIManage)
	for _, a := range demoAttestations {
		svc.Now = func() time.Time { return now.Add(-a.age) } // recorded when it was made
		var expires time.Time
		if a.validFor > 0 {
			expires = now.Add(-a.age + a.validFor)
		}
		if _, err := svc.Attest(ctx, a.sub, a.statement, now.Add(-a.age), expires, nil); err != nil {
			return 0, err
		}
	}
	svc.Now = nil
	if _, err := svc.RecordScan(ctx, "govulncheck", now.Add(-3*24*time.Hour), 0, "No vulnerabilities found."); err != nil {
		return 0, err
	}
	return len(demoAttestations) + 1, nil
}
