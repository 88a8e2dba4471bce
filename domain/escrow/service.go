package escrow

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/screening"
)

// Service holds the escrow use cases.
type Service struct {
	Store      Store
	Tx         domain.Transactor
	Audit      *audit.Log
	Keys       Signer
	Challenger Challenger
	Screening  Screener
	Accounts   Accounts
	Payouts    map[PayeeKind]Payout
	Jobs       Jobs
}

func (s *Service) record(ctx context.Context, action audit.Action, typ, id string, detail map[string]string) error {
	return s.Audit.Record(ctx, audit.Event{Action: action, Outcome: audit.Success, Target: audit.Target{Type: typ, ID: id}, Detail: detail})
}

// publicID derives a record's public id from the request that creates it,
// so a retried request names the same record.
func publicID(prefix, requestRef string) string {
	sum := sha256.Sum256([]byte(prefix + ":" + requestRef))
	return prefix + "_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:15]))
}

func nonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

func notFound(what string) error {
	return domain.Errorf(domain.ENOTFOUND, "There is no such %s.", what)
}

// Create opens an escrow with its first policy, active from the start (a
// change to it later needs an approval). The payee is screened at once; a
// hit holds releases, not the escrow.
func (s *Service) Create(ctx context.Context, n NewEscrow) (Escrow, error) {
	caller, ctx, err := identity.Authorize(ctx, identity.PermEscrowWrite)
	if err != nil {
		return Escrow{}, err
	}
	if err := n.validate(); err != nil {
		return Escrow{}, err
	}
	if e, found, err := s.Store.EscrowByRef(ctx, n.RequestRef); err != nil || found {
		return e, err
	}
	token, err := s.Accounts.PayeeToken(ctx, n.PayeeKind, n.PayeeAccount)
	if err != nil {
		return Escrow{}, err
	}
	now, err := s.Store.Clock(ctx)
	if err != nil {
		return Escrow{}, err
	}
	e := Escrow{PublicID: publicID("esc", n.RequestRef), PayerRef: n.PayerRef, PayerName: n.PayerName,
		Payee:    Payee{Name: n.PayeeName, Type: n.PayeeType, Kind: n.PayeeKind, Account: n.PayeeAccount, Token: token},
		Currency: n.Currency, Conditions: n.Conditions, CreatedBy: caller.Actor.ID, CreatedAt: now}
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		inserted, err := s.Store.InsertEscrow(ctx, &e, n.RequestRef)
		if err != nil || !inserted {
			return err
		}
		p := Policy{EscrowID: e.ID, Version: 1, Rules: n.Policy, Status: PolicyActive, ProposedBy: caller.Actor.ID, ProposedAt: now,
			DecidedBy: caller.Actor.ID, DecidedAt: &now}
		if err := s.Store.InsertPolicy(ctx, &p); err != nil {
			return err
		}
		return s.record(ctx, audit.EscrowCreated, "escrow", e.PublicID, map[string]string{"payer": e.PayerRef, "payee_kind": string(e.Payee.Kind),
			"currency": string(e.Currency), "policy": n.Policy.Summary()})
	})
	if err != nil {
		return Escrow{}, err
	}
	if e.ID == 0 {
		existing, _, err := s.Store.EscrowByRef(ctx, n.RequestRef)
		return existing, err
	}
	if _, err := s.Screening.Screen(ctx, e.Party(), screening.TriggerCreated); err != nil && domain.ErrorCode(err) != domain.EUNAVAILABLE {
		return e, err
	}
	return e, nil
}

// Detail is an escrow with everything its page shows.
type Detail struct {
	Escrow   Escrow
	Balances Balances
	Postings []Posting
	Policies []Policy // newest first
	Active   Policy
	Releases []Release
}

// Get returns an escrow's detail.
func (s *Service) Get(ctx context.Context, publicID string) (Detail, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermEscrowRead); err != nil {
		return Detail{}, err
	}
	e, found, err := s.Store.Escrow(ctx, publicID, false)
	if err != nil || !found {
		return Detail{}, errOr(err, notFound("escrow"))
	}
	d := Detail{Escrow: e}
	if d.Postings, err = s.Store.Postings(ctx, e.ID); err != nil {
		return Detail{}, err
	}
	d.Balances = BalancesOf(d.Postings)
	if d.Policies, err = s.Store.Policies(ctx, e.ID); err != nil {
		return Detail{}, err
	}
	d.Active = activeOf(d.Policies)
	d.Releases, err = s.Store.Releases(ctx, ReleaseQuery{EscrowID: e.ID, Limit: 100})
	return d, err
}

func activeOf(policies []Policy) Policy {
	for _, p := range policies {
		if p.Status == PolicyActive {
			return p
		}
	}
	return Policy{}
}

func errOr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// EscrowsPage is how many escrows a page lists.
const EscrowsPage = 50

// List returns a page of escrows, newest first, and whether more follow.
func (s *Service) List(ctx context.Context, after string) ([]Escrow, bool, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermEscrowRead); err != nil {
		return nil, false, err
	}
	list, err := s.Store.Escrows(ctx, after, EscrowsPage+1)
	if err != nil || len(list) <= EscrowsPage {
		return list, false, err
	}
	return list[:EscrowsPage], true, nil
}

// Fund credits the escrow with a payment or ACH debit that has arrived, in
// its currency and from its payer. A source funds one escrow once.
func (s *Service) Fund(ctx context.Context, escrowID, sourceRef string) (Posting, error) {
	caller, ctx, err := identity.Authorize(ctx, identity.PermEscrowWrite)
	if err != nil {
		return Posting{}, err
	}
	src, found, err := s.Accounts.Source(ctx, strings.TrimSpace(sourceRef))
	switch {
	case err != nil:
		return Posting{}, err
	case !found:
		return Posting{}, domain.Errorf(domain.EINVALID, "There is no payment or ACH transfer %q.", sourceRef)
	case !src.Ready:
		return Posting{}, domain.Errorf(domain.ECONFLICT, "%s is %s: only a succeeded payment or a settled ACH debit funds an escrow.", src.Ref, src.State)
	}
	var p Posting
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		e, found, err := s.Store.Escrow(ctx, escrowID, true)
		switch {
		case err != nil:
			return err
		case !found:
			return notFound("escrow")
		case string(e.Currency) != src.Currency:
			return domain.Errorf(domain.EINVALID, "%s is in %s; this escrow holds %s.", src.Ref, src.Currency, e.Currency)
		case src.Customer != e.PayerRef:
			return domain.Errorf(domain.EINVALID, "%s came from %s, not from this escrow's payer (%s).", src.Ref, src.Customer, e.PayerRef)
		}
		now, err := s.Store.Clock(ctx)
		if err != nil {
			return err
		}
		p = Posting{EscrowID: e.ID, Kind: Funded, Amount: src.Amount, SourceRef: src.Ref, By: caller.Actor.ID, At: now}
		if err := s.Store.InsertPosting(ctx, &p); err != nil {
			return err
		}
		return s.record(ctx, audit.EscrowFunded, "escrow", e.PublicID, map[string]string{"source": src.Ref, "amount": strconv.FormatInt(src.Amount, 10)})
	})
	return p, err
}

// Refund records money given back to the payer from the available balance
// (made through the payment's own refund or an ACH credit), with why.
func (s *Service) Refund(ctx context.Context, escrowID string, amount int64, reason string) (Posting, error) {
	caller, ctx, err := identity.Authorize(ctx, identity.PermEscrowWrite)
	if err != nil {
		return Posting{}, err
	}
	if reason = strings.TrimSpace(reason); len(reason) < 10 {
		return Posting{}, domain.Errorf(domain.EINVALID, "Say why, and by which refund or credit, in at least 10 characters.")
	}
	if amount <= 0 {
		return Posting{}, domain.Errorf(domain.EINVALID, "The amount must be more than zero.")
	}
	var p Posting
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		e, found, err := s.Store.Escrow(ctx, escrowID, true)
		if err != nil || !found {
			return errOr(err, notFound("escrow"))
		}
		now, err := s.Store.Clock(ctx)
		if err != nil {
			return err
		}
		p = Posting{EscrowID: e.ID, Kind: Refunded, Amount: amount, SourceRef: reason, By: caller.Actor.ID, At: now}
		if err := s.Store.InsertPosting(ctx, &p); err != nil {
			return err
		}
		return s.record(ctx, audit.EscrowRefunded, "escrow", e.PublicID, map[string]string{"amount": strconv.FormatInt(amount, 10)})
	})
	return p, err
}

// Excluded are those who may never approve a release of e: whoever
// created it and whoever funded it.
func excluded(e Escrow, funders []string) map[string]bool {
	out := map[string]bool{e.CreatedBy: true}
	for _, f := range funders {
		out[f] = true
	}
	return out
}

// Summary is the policy in a line, for audit records and lists.
func (r PolicyRules) Summary() string {
	parts := make([]string, 0, len(r.Groups)+2)
	for _, g := range r.Groups {
		parts = append(parts, strconv.Itoa(g.Threshold)+" of "+strconv.Itoa(len(g.Members))+" "+g.Name)
	}
	s := strings.Join(parts, " and ")
	if r.TimeLock != nil {
		s += ", not before " + r.TimeLock.UTC().Format(time.RFC3339)
	}
	if r.MaxRelease > 0 {
		s += ", at most " + strconv.FormatInt(r.MaxRelease, 10) + " a release"
	}
	return s
}

// money formats minor units in the escrow's currency.
func format(amount int64, c money.Currency) string {
	return money.Amount{Minor: amount, Currency: c}.String()
}
