// Package escrow holds money for a payer until approvers release it to a
// payee: a double-entry ledger whose balances are derived from postings, a
// versioned release policy (M of N per approver group, several groups
// together, a time lock, an expiry, a veto, a ceiling), release requests
// whose approvals are signatures over the exact payload made under a fresh
// TOTP code, and an execution that pays exactly once. Storage, HTTP and the
// payout rails are adapters' business.
package escrow

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/screening"
)

// PayeeKind is the rail a payee is paid by.
type PayeeKind string

const (
	// BankAccount pays by ACH credit to a bank account on file.
	BankAccount PayeeKind = "bank_account"
	// StripeAccount pays by a Stripe transfer to a connected account.
	StripeAccount PayeeKind = "stripe_account"
)

// Payee is who a release pays, and where.
type Payee struct {
	Name    string
	Type    screening.EntityType // individual or business, for screening
	Kind    PayeeKind
	Account string // the bank account's public id, or the acct_… id
	Token   string // the account's keyed token: bound into every approval
}

// Escrow is one escrow account. Its balances are never stored: they are
// derived from its postings.
type Escrow struct {
	ID         int64
	PublicID   string
	PayerRef   string
	PayerName  string
	Payee      Payee
	Currency   money.Currency
	Conditions string
	CreatedBy  string
	CreatedAt  time.Time
}

// PartyRef is the payee as screening knows them.
func (e Escrow) PartyRef() string { return "escrow_payee:" + e.PublicID }

// Party is the payee as screening sees them.
func (e Escrow) Party() screening.Party {
	return screening.Party{Ref: e.PartyRef(), Name: e.Payee.Name, Type: e.Payee.Type}
}

// NewEscrow is what an operator opens an escrow with.
type NewEscrow struct {
	RequestRef   string
	PayerRef     string
	PayerName    string
	PayeeName    string
	PayeeType    screening.EntityType
	PayeeKind    PayeeKind
	PayeeAccount string
	Currency     money.Currency
	Conditions   string
	Policy       PolicyRules
}

const maxConditions = 4000

func (n *NewEscrow) validate() error {
	n.PayerRef, n.PayerName = strings.TrimSpace(n.PayerRef), strings.TrimSpace(n.PayerName)
	n.PayeeName, n.PayeeAccount = strings.TrimSpace(n.PayeeName), strings.TrimSpace(n.PayeeAccount)
	n.Conditions = strings.TrimSpace(n.Conditions)
	c, err := money.ParseCurrency(string(n.Currency))
	if err != nil {
		return domain.Errorf(domain.EINVALID, "The currency %q is not one we take.", n.Currency)
	}
	n.Currency = c // as the ledger and the rails compare it: "usd" is USD
	switch {
	case n.RequestRef == "":
		return domain.Errorf(domain.EINVALID, "An escrow needs a request reference.")
	case n.PayerRef == "" || n.PayerName == "":
		return domain.Errorf(domain.EINVALID, "Name the payer and their customer reference.")
	case n.PayeeName == "":
		return domain.Errorf(domain.EINVALID, "Name the payee.")
	case n.PayeeType != screening.Individual && n.PayeeType != screening.Business:
		return domain.Errorf(domain.EINVALID, "The payee is an individual or a business.")
	case n.PayeeKind == BankAccount && !strings.HasPrefix(n.PayeeAccount, "ba_"):
		return domain.Errorf(domain.EINVALID, "A bank account payee needs a bank account on file (ba_…).")
	case n.PayeeKind == StripeAccount && !strings.HasPrefix(n.PayeeAccount, "acct_"):
		return domain.Errorf(domain.EINVALID, "A Stripe payee needs a connected account id (acct_…).")
	case n.PayeeKind != BankAccount && n.PayeeKind != StripeAccount:
		return domain.Errorf(domain.EINVALID, "The payee is paid to a bank account or a Stripe connected account.")
	case n.PayeeKind == BankAccount && n.Currency != "USD":
		return domain.Errorf(domain.EINVALID, "ACH pays in USD only.")
	case utf8.RuneCountInString(n.Conditions) > maxConditions:
		return domain.Errorf(domain.EINVALID, "The conditions are longer than %d characters.", maxConditions)
	}
	// Create screens the payee after the escrow is stored: a name screening
	// refuses (too long, a card number in it) is refused here, before.
	if err := (Escrow{PublicID: "esc_new", Payee: Payee{Name: n.PayeeName, Type: n.PayeeType}}).Party().Validate(); err != nil {
		return err
	}
	return n.Policy.validate()
}
