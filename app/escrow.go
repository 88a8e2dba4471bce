package app

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/ach"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/escrow"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/domain/money"
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
	gateway, _ := pay.Gateway.(*stripe.Client)
	svc := &escrow.Service{Store: postgres.EscrowStore{DB: db}, Tx: postgres.Transactor{DB: db}, Audit: auditLog, Keys: ring,
		Challenger: ids, Screening: comp.screening, Jobs: inserter,
		Accounts: escrowAccounts{ach: achSvc, payments: pay, ring: ring},
		Payouts:  map[escrow.PayeeKind]escrow.Payout{escrow.BankAccount: achPayout{ach: achSvc}, escrow.StripeAccount: stripePayout{client: gateway}}}
	comp.screening.Holders = append(comp.screening.Holders, svc)
	return svc
}

// escrowCaller is the escrow area acting on the other rails in its own name.
func escrowCaller(ctx context.Context, perms ...identity.Permission) context.Context {
	return identity.WithServiceCaller(ctx, audit.Actor{Type: audit.ActorSystem, ID: "escrow"}, perms...)
}

// escrowAccounts reads payees' accounts and funding sources from the
// payments and ACH areas.
type escrowAccounts struct {
	ach      *ach.Service
	payments *payments.Service
	ring     *keys.Keyring
}

func (a escrowAccounts) PayeeToken(ctx context.Context, kind escrow.PayeeKind, account string) (string, error) {
	if kind == escrow.StripeAccount {
		return a.ring.Token(ctx, []byte("stripe-account:"+account))
	}
	acct, _, err := a.ach.Account(escrowCaller(ctx, identity.PermACHRead), account)
	switch {
	case domain.ErrorCode(err) == domain.ENOTFOUND:
		return "", domain.Errorf(domain.EINVALID, "There is no bank account %s on file.", account)
	case err != nil:
		return "", err
	case acct.Status == ach.Blocked:
		return "", domain.Errorf(domain.EINVALID, "Bank account %s is blocked: it cannot be paid.", account)
	}
	return acct.Token, nil
}

func (a escrowAccounts) Source(ctx context.Context, ref string) (escrow.FundingSource, bool, error) {
	switch {
	case len(ref) > 3 && ref[:3] == "tr_":
		d, err := a.ach.Transfer(escrowCaller(ctx, identity.PermACHRead), ref)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return escrow.FundingSource{}, false, nil
		}
		t := d.Transfer
		ready := t.Status == ach.Settled && t.Direction == ach.Debit
		state := string(t.Status)
		if t.Direction != ach.Debit {
			state = "a credit"
		}
		return escrow.FundingSource{Ref: t.PublicID, Amount: t.Amount, Currency: "USD", Customer: t.CustomerRef, Ready: ready, State: state}, err == nil, err
	default:
		p, err := a.payments.Get(escrowCaller(ctx, identity.PermPaymentsRead), ref)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return escrow.FundingSource{}, false, nil
		}
		return escrow.FundingSource{Ref: p.PublicID, Amount: p.Amount.Minor - p.Refunded, Currency: string(p.Amount.Currency), Customer: p.CustomerRef,
			Ready: p.Status == payments.Succeeded, State: string(p.Status)}, err == nil, err
	}
}

// achPayout pays a release by an ACH credit whose request reference is
// the payout key: asked again, ACH returns the same transfer.
type achPayout struct{ ach *ach.Service }

func (p achPayout) Pay(ctx context.Context, key string, r escrow.Release) (string, error) {
	ctx = escrowCaller(ctx, identity.PermACHRead, identity.PermACHWrite)
	acct, _, err := p.ach.Account(ctx, r.Payee.Account)
	if err != nil {
		return "", err
	}
	n := ach.NewTransfer{RequestRef: key, Account: r.Payee.Account, Direction: ach.Credit, Amount: r.Amount, SEC: ach.PPD, Description: "ESCROW"}
	if acct.HolderType == ach.Company {
		n.SEC, n.CompanyName = ach.CCD, truncate(acct.HolderName, 22)
	}
	t, err := p.ach.CreateTransfer(ctx, n)
	return t.PublicID, err
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// stripePayout pays a release by a Stripe transfer to the connected account.
type stripePayout struct{ client *stripe.Client }

func (p stripePayout) Pay(ctx context.Context, key string, r escrow.Release) (string, error) {
	if p.client == nil {
		return "", domain.Errorf(domain.EUNAVAILABLE, "No Stripe client is configured for transfers.")
	}
	return p.client.CreateTransfer(ctx, key, money.Amount{Minor: r.Amount, Currency: money.Currency(r.Currency)}, r.Payee.Account,
		map[string]string{"escrow": r.EscrowPublic, "release": r.PublicID})
}
