package ach

import (
	"context"
	"slices"
	"strconv"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/pan"
	"github.com/paycompliance/console/domain/screening"
)

// CreateTransfer creates a transfer and takes it through screening at
// once: clear, it is approved (or held for an operator's approval above
// the threshold); a hit holds it with the hit's case; screening that fails
// holds it too (fail closed). The request ref makes a retry return the
// first transfer.
func (s *Service) CreateTransfer(ctx context.Context, n NewTransfer) (Transfer, error) {
	_, ctx, err := identity.Authorize(ctx, identity.PermACHWrite)
	if err != nil {
		return Transfer{}, err
	}
	if t, found, err := s.Store.TransferByRef(ctx, n.RequestRef); err != nil || found {
		return t, err
	}
	a, found, err := s.Store.Account(ctx, n.Account, false)
	switch {
	case err != nil:
		return Transfer{}, err
	case !found:
		return Transfer{}, domain.Errorf(domain.ENOTFOUND, "There is no bank account %q.", n.Account)
	case a.Status == Blocked:
		return Transfer{}, domain.Errorf(domain.ECONFLICT, "Bank account %s is blocked (%s): nothing can be sent to or from it.", a.PublicID, a.BlockReason)
	}
	n.Purpose = PurposePayment
	var t Transfer
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		t, err = s.create(ctx, a, n, true)
		return err
	})
	if err != nil || t.Status != Screening {
		return t, err
	}
	return s.screen(ctx, t.PublicID, screening.TriggerCreated)
}

// create stores a new transfer in screening. limits applies the customer's
// limits (micro-deposits have none).
func (s *Service) create(ctx context.Context, a BankAccount, n NewTransfer, limits bool) (Transfer, error) {
	if err := n.validate(a.HolderType); err != nil {
		return Transfer{}, err
	}
	now := s.now()
	if limits {
		if s.MaxTransfer > 0 && n.Amount > s.MaxTransfer {
			return Transfer{}, domain.Errorf(domain.EINVALID, "A transfer may be at most %s.", cents(s.MaxTransfer))
		}
		// One customer's transfers are created one at a time, so two at
		// once cannot both fit under the limit that only one fits under.
		if err := s.Store.LockCustomer(ctx, a.CustomerRef); err != nil {
			return Transfer{}, err
		}
		start := s.Schedule.at(s.Schedule.today(now), Clock{})
		total, err := s.Store.DayTotal(ctx, a.CustomerRef, start, start.AddDate(0, 0, 1))
		if err != nil {
			return Transfer{}, err
		}
		if s.DailyLimit > 0 && total+n.Amount > s.DailyLimit {
			return Transfer{}, domain.Errorf(domain.EINVALID, "This would take %s over the daily limit of %s (%s so far today).",
				a.CustomerRef, cents(s.DailyLimit), cents(total))
		}
	}
	effective, err := s.Schedule.Effective(now, n.Effective, n.SameDay)
	if err != nil {
		return Transfer{}, err
	}
	caller, _ := audit.ActorFrom(ctx)
	t := Transfer{PublicID: publicID("tr", n.RequestRef), AccountID: a.ID, AccountPublic: a.PublicID, CustomerRef: a.CustomerRef,
		Direction: n.Direction, Amount: n.Amount, SEC: n.SEC, CompanyName: n.CompanyName, Authorization: n.Authorization,
		Description: n.Description, Effective: effective, SameDay: effective.Equal(s.Schedule.today(now)), Status: Created,
		Purpose: n.Purpose, CreatedAt: now, CreatedBy: caller.ID}
	inserted, err := s.Store.InsertTransfer(ctx, &t, n.RequestRef)
	if err != nil || !inserted {
		if err == nil {
			t, _, err = s.Store.TransferByRef(ctx, n.RequestRef)
		}
		return t, err
	}
	amount := cents(t.Amount)
	if t.Purpose == PurposeMicroDeposit {
		amount = "a micro-deposit" // the holder proves the account with it: not written down anywhere it can be read
	}
	if err := s.moveTo(ctx, &t, Screening, "created: "+string(t.Direction)+" of "+amount+" effective "+t.Effective.Format("2006-01-02")); err != nil {
		return t, err
	}
	return t, s.record(ctx, audit.TransferCreated, audit.Success, "transfer", t.PublicID, map[string]string{
		"account": a.PublicID, "direction": string(t.Direction), "amount": amount, "sec": string(t.SEC), "purpose": t.Purpose})
}

// moveTo applies a transition, records it on the transfer's history and
// tells live views.
func (s *Service) moveTo(ctx context.Context, t *Transfer, to Status, detail string) error {
	if err := t.move(to); err != nil {
		return err
	}
	if err := s.Store.UpdateTransfer(ctx, *t); err != nil {
		return err
	}
	actor, _ := audit.ActorFrom(ctx)
	if err := s.Store.AddEvent(ctx, t.ID, Event{At: s.now(), Status: to, Actor: actor.ID, Detail: detail}); err != nil {
		return err
	}
	return s.Store.Changed(ctx, t.PublicID)
}

// screen takes a transfer in screening (or held for want of a list)
// through screening: approved, held for approval, or held with the hit.
func (s *Service) screen(ctx context.Context, publicID, trigger string) (Transfer, error) {
	t, found, err := s.Store.Transfer(ctx, publicID, false)
	if err != nil || !found {
		return t, errOr(err, domain.Errorf(domain.ENOTFOUND, "There is no such transfer."))
	}
	a, _, err := s.Store.Account(ctx, t.AccountPublic, false)
	if err != nil {
		return t, err
	}
	result, screenErr := s.Screening.Screen(ctx, party(a), trigger)
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		if t, _, err = s.Store.Transfer(ctx, publicID, true); err != nil {
			return err
		}
		if t.Status != Screening && !(t.Status == Held && t.HoldReason == HoldNoList) {
			return nil // moved on meanwhile
		}
		if t.Status == Held { // back from waiting for a list
			if err := s.moveTo(ctx, &t, Screening, "screening again"); err != nil {
				return err
			}
		}
		return s.decide(ctx, &t, result, screenErr)
	})
	return t, err
}

// decide moves a screened transfer on by the screening's result.
func (s *Service) decide(ctx context.Context, t *Transfer, result screening.Result, screenErr error) error {
	switch {
	case screenErr != nil:
		t.HoldReason = HoldNoList
		return s.hold(ctx, t, "screening could not run: "+domain.ErrorMessage(screenErr))
	case result.Status != screening.Clear:
		t.HoldReason, t.CaseID = HoldScreening, result.CaseID
		why := "screening: " + string(result.Status)
		if result.CaseID != 0 {
			why += " (case " + strconv.FormatInt(result.CaseID, 10) + ")"
		}
		return s.hold(ctx, t, why)
	case t.Amount > s.ApprovalAbove && t.Purpose == PurposePayment:
		t.HoldReason = HoldApproval
		return s.hold(ctx, t, "screening clear; above "+cents(s.ApprovalAbove)+": an operator other than "+t.CreatedBy+" approves it")
	}
	t.HoldReason = ""
	return s.moveTo(ctx, t, Approved, "screening clear")
}

func (s *Service) hold(ctx context.Context, t *Transfer, why string) error {
	if err := s.moveTo(ctx, t, Held, why); err != nil {
		return err
	}
	return s.record(ctx, audit.TransferHeld, audit.Success, "transfer", t.PublicID, map[string]string{"reason": string(t.HoldReason)})
}

// Approve releases a transfer held for approval: by an operator other than
// the one who created it.
func (s *Service) Approve(ctx context.Context, publicID string) (Transfer, error) {
	caller, ctx, err := identity.Authorize(ctx, identity.PermACHWrite)
	if err != nil {
		return Transfer{}, err
	}
	var t Transfer
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		var found bool
		if t, found, err = s.Store.Transfer(ctx, publicID, true); err != nil || !found {
			return errOr(err, domain.Errorf(domain.ENOTFOUND, "There is no such transfer."))
		}
		switch {
		case t.Status != Held || t.HoldReason != HoldApproval:
			return domain.Errorf(domain.ECONFLICT, "This transfer is %s, not waiting for an approval.", t.Status.Label())
		case t.CreatedBy == caller.Actor.ID:
			return domain.Errorf(domain.EFORBIDDEN, "You created this transfer: another operator must approve it.")
		}
		t.ApprovedBy, t.HoldReason = caller.Actor.ID, ""
		if err := s.moveTo(ctx, &t, Approved, "approved by "+caller.Actor.ID); err != nil {
			return err
		}
		return s.record(ctx, audit.TransferApproved, audit.Success, "transfer", t.PublicID, map[string]string{"created_by": t.CreatedBy})
	})
	return t, err
}

// Cancel stops a transfer that is not in a file yet.
func (s *Service) Cancel(ctx context.Context, publicID, reason string) (Transfer, error) {
	_, ctx, err := identity.Authorize(ctx, identity.PermACHWrite)
	if err != nil {
		return Transfer{}, err
	}
	if len(reason) > 200 || !asciiPrintable(reason) {
		return Transfer{}, domain.Errorf(domain.EINVALID, "The reason is at most 200 plain characters.")
	}
	if _, found := pan.Find(reason); found {
		return Transfer{}, domain.Errorf(domain.EINVALID, "The reason holds what looks like a card number.")
	}
	var t Transfer
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		var found bool
		if t, found, err = s.Store.Transfer(ctx, publicID, true); err != nil || !found {
			return errOr(err, domain.Errorf(domain.ENOTFOUND, "There is no such transfer."))
		}
		if err := s.moveTo(ctx, &t, Canceled, "canceled: "+reason); err != nil {
			return err
		}
		return s.record(ctx, audit.TransferCanceled, audit.Success, "transfer", t.PublicID, map[string]string{"reason": reason})
	})
	return t, err
}

// PartyCleared implements screening.Holder: a compliance officer cleared
// the account holder, so their held transfers go on (to an approval, when
// above the threshold).
func (s *Service) PartyCleared(ctx context.Context, ref string) error {
	held, err := s.Store.PartyTransfers(ctx, ref, []Status{Held})
	if err != nil {
		return err
	}
	for _, t := range held {
		if t.HoldReason != HoldScreening {
			continue
		}
		if err := s.moveTo(ctx, &t, Screening, "the hit was cleared by a compliance officer"); err != nil {
			return err
		}
		if err := s.decide(ctx, &t, screening.Result{Status: screening.Clear}, nil); err != nil {
			return err
		}
	}
	return nil
}

// PartyBlocked implements screening.Holder: a confirmed match blocks the
// holder's account, and so stops what was not yet in a file.
func (s *Service) PartyBlocked(ctx context.Context, ref string) error {
	if publicID, ok := accountOfParty(ref); ok {
		return s.block(ctx, publicID, "the holder is a confirmed sanctions match")
	}
	return nil
}

func accountOfParty(ref string) (string, bool) {
	const prefix = "bank_account:"
	if len(ref) > len(prefix) && ref[:len(prefix)] == prefix {
		return ref[len(prefix):], true
	}
	return "", false
}

// block blocks an account, in the caller's transaction: nothing more is
// sent to or from it, and its transfers not yet in a file are canceled
// (the cutoff also skips a blocked account's, should one slip through).
func (s *Service) block(ctx context.Context, publicID, reason string) error {
	a, found, err := s.Store.Account(ctx, publicID, true)
	if err != nil || !found {
		return err
	}
	if a.Status != Blocked {
		a.Status, a.BlockReason = Blocked, reason
		if err := s.Store.UpdateAccount(ctx, a); err != nil {
			return err
		}
		if err := s.record(ctx, audit.AccountBlocked, audit.Success, "bank_account", a.PublicID, map[string]string{"reason": reason}); err != nil {
			return err
		}
	}
	open, err := s.Store.PartyTransfers(ctx, a.PartyRef(), []Status{Created, Screening, Held, Approved})
	if err != nil {
		return err
	}
	for _, t := range open {
		if err := s.moveTo(ctx, &t, Canceled, "canceled: the account is blocked ("+reason+")"); err != nil {
			return err
		}
		if err := s.record(ctx, audit.TransferCanceled, audit.Success, "transfer", t.PublicID, map[string]string{"reason": "account blocked"}); err != nil {
			return err
		}
	}
	return nil
}

// TransferDetail is a transfer with its history, returns and account.
type TransferDetail struct {
	Transfer Transfer
	Account  BankAccount
	Events   []Event
	Returns  []ReturnRecord
	File     *File
}

// Transfer returns one transfer with everything about it.
func (s *Service) Transfer(ctx context.Context, publicID string) (TransferDetail, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermACHRead); err != nil {
		return TransferDetail{}, err
	}
	t, found, err := s.Store.Transfer(ctx, publicID, false)
	if err != nil || !found {
		return TransferDetail{}, errOr(err, domain.Errorf(domain.ENOTFOUND, "There is no such transfer."))
	}
	d := TransferDetail{Transfer: t}
	if d.Account, _, err = s.Store.Account(ctx, t.AccountPublic, false); err != nil {
		return d, err
	}
	if d.Events, err = s.Store.Events(ctx, t.ID); err != nil {
		return d, err
	}
	if d.Returns, err = s.Store.Returns(ctx, t.ID); err != nil {
		return d, err
	}
	if t.FileID != 0 {
		f, found, err := s.Store.File(ctx, t.FileID)
		if err != nil {
			return d, err
		}
		if found {
			f.Content = nil
			d.File = &f
		}
	}
	return d, nil
}

// Transfers lists a page of transfers, newest first, and whether more
// follow.
func (s *Service) Transfers(ctx context.Context, q Query) ([]Transfer, bool, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermACHRead); err != nil {
		return nil, false, err
	}
	if q.Status != "" && !slices.Contains(Statuses, q.Status) {
		return nil, false, domain.Errorf(domain.EINVALID, "%q is not a transfer status.", q.Status)
	}
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
	}
	limit := q.Limit
	q.Limit++
	list, err := s.Store.ListTransfers(ctx, q)
	if err != nil || len(list) <= limit {
		return list, false, err
	}
	return list[:limit], true, nil
}

// cents writes an amount of US cents for people.
func cents(c int64) string {
	s := strconv.FormatInt(c/100, 10) + "." + strconv.FormatInt(100+c%100, 10)[1:]
	return "$" + s
}
