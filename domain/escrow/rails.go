package escrow

import (
	"context"
	"strings"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/ach"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/payments"
)

// The other areas escrow works with, through their services: payees'
// accounts and funding sources are read from payments and ACH, and a bank
// account payee is paid by an ACH credit.

// actingAs is the escrow area calling another area in its own name.
func actingAs(ctx context.Context, perms ...identity.Permission) context.Context {
	return identity.WithServiceCaller(ctx, audit.Actor{Type: audit.ActorSystem, ID: "escrow"}, perms...)
}

// TokenMaker makes keyed tokens (the keyring).
type TokenMaker interface {
	Token(ctx context.Context, msg []byte) (string, error)
}

// Rails implements Accounts over the payments and ACH areas.
type Rails struct {
	ACH      *ach.Service
	Payments *payments.Service
	Keys     TokenMaker
}

var _ Accounts = Rails{}

// PayeeToken implements Accounts.
func (a Rails) PayeeToken(ctx context.Context, kind PayeeKind, account string) (string, error) {
	if kind == StripeAccount {
		return a.Keys.Token(ctx, []byte("stripe-account:"+account))
	}
	acct, _, err := a.ACH.Account(actingAs(ctx, identity.PermACHRead), account)
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

// Source implements Accounts: a settled ACH debit (tr_…) or a succeeded
// payment, less what refunds hold of it.
func (a Rails) Source(ctx context.Context, ref string) (FundingSource, bool, error) {
	if strings.HasPrefix(ref, "tr_") {
		d, err := a.ACH.Transfer(actingAs(ctx, identity.PermACHRead), ref)
		if err != nil {
			return FundingSource{}, false, ignoreNotFound(err)
		}
		t := d.Transfer
		state := string(t.Status)
		if t.Direction != ach.Debit {
			state = "a credit"
		}
		return FundingSource{Ref: t.PublicID, Amount: t.Amount, Currency: "USD", Customer: t.CustomerRef,
			Ready: t.Status == ach.Settled && t.Direction == ach.Debit, State: state}, true, nil
	}
	p, err := a.Payments.Get(actingAs(ctx, identity.PermPaymentsRead), ref)
	if err != nil {
		return FundingSource{}, false, ignoreNotFound(err)
	}
	return FundingSource{Ref: p.PublicID, Amount: p.Amount.Minor - p.Refunded, Currency: string(p.Amount.Currency), Customer: p.CustomerRef,
		Ready: p.Status == payments.Succeeded, State: string(p.Status)}, true, nil
}

func ignoreNotFound(err error) error {
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil
	}
	return err
}

// ACHPayout pays a release by an ACH credit whose request reference is the
// payout key: asked again, ACH returns the same transfer. It joins the
// execution's transaction, so the credit and the release's record commit
// together.
type ACHPayout struct{ ACH *ach.Service }

// Pay implements Payout.
func (p ACHPayout) Pay(ctx context.Context, key string, r Release) (string, error) {
	ctx = actingAs(ctx, identity.PermACHRead, identity.PermACHWrite)
	acct, _, err := p.ACH.Account(ctx, r.Payee.Account)
	if err != nil {
		return "", err
	}
	n := ach.NewTransfer{RequestRef: key, Account: r.Payee.Account, Direction: ach.Credit, Amount: r.Amount, SEC: ach.PPD, Description: "ESCROW"}
	if acct.HolderType == ach.Company {
		n.SEC, n.CompanyName = ach.CCD, acct.HolderName[:min(len(acct.HolderName), 22)]
	}
	t, err := p.ACH.CreateTransfer(ctx, n)
	return t.PublicID, err
}
