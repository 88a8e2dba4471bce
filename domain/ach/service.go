package ach

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/cases"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/screening"
)

// Service holds the ACH use cases.
type Service struct {
	Store     Store
	Tx        domain.Transactor
	Audit     *audit.Log
	Keys      Keyring
	Screening Screener
	Cases     *cases.Service // alerts for unauthorized-debit returns
	Jobs      Jobs
	Outbox    Outbox
	Schedule  Schedule
	Origin    Origin
	// ApprovalAbove: a transfer of more cents than this waits for an
	// operator other than its creator.
	ApprovalAbove int64
	// DailyLimit caps a customer's transfers created in one day (the
	// bank's calendar day), in cents.
	DailyLimit int64
	// MaxTransfer caps one transfer, in cents.
	MaxTransfer int64
	Now         func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) record(ctx context.Context, action audit.Action, outcome audit.Outcome, typ, id string, detail map[string]string) error {
	return s.Audit.Record(ctx, audit.Event{Action: action, Outcome: outcome, Target: audit.Target{Type: typ, ID: id}, Detail: detail})
}

// publicID derives a record's public id from the request that creates it,
// so a retried request names the same record.
func publicID(prefix, requestRef string) string {
	sum := sha256.Sum256([]byte(prefix + ":" + requestRef))
	return prefix + "_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:15]))
}

func accountAAD(publicID string) []byte { return []byte("bank_account:" + publicID + ":number") }

func accountTokenMsg(routing, number string) []byte {
	return []byte("ach-account:" + routing + ":" + number)
}

// party is the account holder as screening sees them.
func party(a BankAccount) screening.Party {
	t := screening.Individual
	if a.HolderType == Company {
		t = screening.Business
	}
	return screening.Party{Ref: a.PartyRef(), Name: a.HolderName, Type: t}
}

// AddAccount adds a bank account: its number encrypted bound to the
// account, shown by its last four digits, matched by a keyed token; the
// holder screened. The same number twice for one customer is refused (the
// request ref makes a retry return the first).
func (s *Service) AddAccount(ctx context.Context, n NewAccount) (BankAccount, error) {
	caller, ctx, err := identity.Authorize(ctx, identity.PermACHWrite)
	if err != nil {
		return BankAccount{}, err
	}
	if err := n.validate(); err != nil {
		return BankAccount{}, err
	}
	if a, found, err := s.Store.AccountByRef(ctx, n.RequestRef); err != nil || found {
		return a, err
	}
	token, err := s.Keys.Token(ctx, accountTokenMsg(n.Routing, n.AccountNumber))
	if err != nil {
		return BankAccount{}, err
	}
	same, err := s.Store.AccountsByToken(ctx, token)
	if err != nil {
		return BankAccount{}, err
	}
	others := 0
	for _, o := range same {
		if o.CustomerRef == n.CustomerRef {
			return BankAccount{}, domain.Errorf(domain.ECONFLICT, "This account is on file for the customer already, as %s.", o.PublicID)
		}
		others++
	}
	a := BankAccount{PublicID: publicID("ba", n.RequestRef), CustomerRef: n.CustomerRef, HolderName: n.HolderName, HolderType: n.HolderType,
		Type: n.Type, Routing: n.Routing, Last4: n.AccountNumber[len(n.AccountNumber)-4:], Token: token, Status: Unverified,
		CreatedAt: s.now(), CreatedBy: caller.Actor.ID}
	if a.Ciphertext, err = s.Keys.Encrypt(ctx, []byte(n.AccountNumber), accountAAD(a.PublicID)); err != nil {
		return BankAccount{}, err
	}
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		inserted, err := s.Store.InsertAccount(ctx, &a, n.RequestRef)
		if err != nil || !inserted {
			return err
		}
		// Accounts shared between customers are a sign of synthetic
		// identities: the record says how many others hold it.
		return s.record(ctx, audit.AccountAdded, audit.Success, "bank_account", a.PublicID, map[string]string{
			"customer": a.CustomerRef, "routing": a.Routing, "last4": a.Last4, "other_customers": strconv.Itoa(others)})
	})
	if err != nil {
		return BankAccount{}, err
	}
	if a.ID == 0 {
		existing, _, err := s.Store.AccountByRef(ctx, n.RequestRef)
		return existing, err
	}
	// Screened on creation; a hit holds its transfers, not the account.
	if _, err := s.Screening.Screen(ctx, party(a), screening.TriggerCreated); err != nil && domain.ErrorCode(err) != domain.EUNAVAILABLE {
		return a, err
	}
	return a, nil
}

// Account returns one bank account.
func (s *Service) Account(ctx context.Context, publicID string) (BankAccount, []Correction, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermACHRead); err != nil {
		return BankAccount{}, nil, err
	}
	a, found, err := s.Store.Account(ctx, publicID, false)
	if err != nil || !found {
		return a, nil, errOr(err, domain.Errorf(domain.ENOTFOUND, "There is no such bank account."))
	}
	c, err := s.Store.Corrections(ctx, a.ID)
	return a, c, err
}

// AccountsPage is how many accounts a page lists.
const AccountsPage = 50

// Accounts lists a page of bank accounts, of one customer or all, and
// whether more follow.
func (s *Service) Accounts(ctx context.Context, customer, after string) ([]BankAccount, bool, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermACHRead); err != nil {
		return nil, false, err
	}
	list, err := s.Store.ListAccounts(ctx, customer, after, AccountsPage+1)
	if err != nil || len(list) <= AccountsPage {
		return list, false, err
	}
	return list[:AccountsPage], true, nil
}

// Micro-deposit verification: two credits of 1 to 99 cents, confirmed by
// the holder reading them off their statement, in at most three tries.
const maxVerifyAttempts = 3

// StartVerification sends the two micro-deposits, as ordinary credits
// through screening and the next file. Only their keyed hash is kept.
func (s *Service) StartVerification(ctx context.Context, publicID string) ([2]Transfer, error) {
	_, ctx, err := identity.Authorize(ctx, identity.PermACHWrite)
	if err != nil {
		return [2]Transfer{}, err
	}
	a, found, err := s.Store.Account(ctx, publicID, false)
	switch {
	case err != nil:
		return [2]Transfer{}, err
	case !found:
		return [2]Transfer{}, domain.Errorf(domain.ENOTFOUND, "There is no such bank account.")
	case a.Status != Unverified:
		return [2]Transfer{}, domain.Errorf(domain.ECONFLICT, "This account is %s: there is nothing to verify.", a.Status.Label())
	}
	amounts := [2]int64{randomCents(), randomCents()}
	token, err := s.Keys.Token(ctx, verifyMsg(a.PublicID, amounts[0], amounts[1]))
	if err != nil {
		return [2]Transfer{}, err
	}
	sec := PPD
	if a.HolderType == Company {
		sec = CCD
	}
	var out [2]Transfer
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		if a, _, err = s.Store.Account(ctx, publicID, true); err != nil {
			return err
		}
		if a.Status != Unverified {
			return domain.Errorf(domain.ECONFLICT, "This account is %s: there is nothing to verify.", a.Status.Label())
		}
		a.Status, a.Attempts = Verifying, 0
		if err := s.Store.UpdateAccount(ctx, a); err != nil {
			return err
		}
		if err := s.Store.SetVerification(ctx, a.ID, token); err != nil {
			return err
		}
		for i, cents := range amounts {
			t, err := s.create(ctx, a, NewTransfer{RequestRef: "verify:" + a.PublicID + ":" + strconv.Itoa(i), Account: a.PublicID, Direction: Credit,
				Amount: cents, SEC: sec, CompanyName: truncate(a.HolderName, 22), Description: "ACCTVERIFY", Purpose: PurposeMicroDeposit}, false)
			if err != nil {
				return err
			}
			out[i] = t
		}
		return nil
	})
	if err != nil {
		return out, err
	}
	for i := range out { // through screening, as every credit goes
		if out[i], err = s.screen(ctx, out[i].PublicID, screening.TriggerCreated); err != nil {
			return out, err
		}
	}
	return out, nil
}

func randomCents() int64 {
	n, _ := rand.Int(rand.Reader, big.NewInt(99))
	return n.Int64() + 1
}

func verifyMsg(publicID string, a, b int64) []byte {
	if a > b {
		a, b = b, a
	}
	return []byte("micro-deposits:" + publicID + ":" + strconv.FormatInt(a, 10) + ":" + strconv.FormatInt(b, 10))
}

// ConfirmVerification checks the two amounts the holder read. Three wrong
// tries block the account.
func (s *Service) ConfirmVerification(ctx context.Context, publicID string, first, second int64) (BankAccount, error) {
	_, ctx, err := identity.Authorize(ctx, identity.PermACHWrite)
	if err != nil {
		return BankAccount{}, err
	}
	var a BankAccount
	var failed error
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		var found bool
		if a, found, err = s.Store.Account(ctx, publicID, true); err != nil || !found {
			return errOr(err, domain.Errorf(domain.ENOTFOUND, "There is no such bank account."))
		}
		if a.Status != Verifying {
			return domain.Errorf(domain.ECONFLICT, "This account is %s, not waiting for micro-deposit amounts.", a.Status.Label())
		}
		token, err := s.Store.Verification(ctx, a.ID)
		if err != nil {
			return err
		}
		outcome := audit.Success
		if s.Keys.CheckToken(ctx, verifyMsg(a.PublicID, first, second), token) == nil {
			a.Status = Verified
		} else {
			outcome, a.Attempts = audit.Failure, a.Attempts+1
			failed = domain.Errorf(domain.EINVALID, "Those are not the amounts sent; %d tries left.", maxVerifyAttempts-a.Attempts)
			if a.Attempts >= maxVerifyAttempts {
				a.Status, a.BlockReason = Blocked, "micro-deposit verification failed three times"
				failed = domain.Errorf(domain.EINVALID, "Those are not the amounts sent. The account is blocked after three tries.")
			}
		}
		if err := s.Store.UpdateAccount(ctx, a); err != nil {
			return err
		}
		return s.record(ctx, audit.AccountVerified, outcome, "bank_account", a.PublicID, map[string]string{"attempts": strconv.Itoa(a.Attempts)})
	})
	if err == nil {
		err = failed
	}
	return a, err
}

func errOr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}
