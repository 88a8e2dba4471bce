package app

import (
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/ach"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/escrow"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/domain/payments"
	"github.com/paycompliance/console/jobs"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/stripe"
)

// newEscrow wires escrow over the rails it pays by (ACH credits, Stripe
// transfers), screening of payees, and identity for the TOTP step each
// approval signs.
func newEscrow(db *pgxpool.Pool, ring *keys.Keyring, auditLog *audit.Log, comp *compliance, achSvc *ach.Service,
	pay *payments.Service, ids *identity.Service, inserter *jobs.Inserter) *escrow.Service {
	svc := &escrow.Service{Store: postgres.EscrowStore{DB: db}, Tx: postgres.Transactor{DB: db}, Audit: auditLog, Keys: ring,
		Challenger: ids, Screening: comp.screening, Jobs: inserter,
		Accounts: escrow.Rails{ACH: achSvc, Payments: pay, Keys: ring},
		Payouts:  map[escrow.PayeeKind]escrow.Payout{escrow.BankAccount: escrow.ACHPayout{ACH: achSvc}}}
	if gateway, ok := pay.Gateway.(*stripe.Client); ok {
		svc.Payouts[escrow.StripeAccount] = stripe.Transfers{Client: gateway}
	}
	comp.screening.Holders = append(comp.screening.Holders, svc)
	return svc
}
