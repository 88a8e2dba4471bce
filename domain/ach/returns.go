package ach

import (
	"bytes"
	"context"
	"strconv"
	"strings"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/cases"
	"github.com/paycompliance/console/domain/identity"
)

// Ingest applies an inbound file of returns and notifications of change:
// each return moves its transfer (matched by trace number) to returned
// with its code's meaning; an administrative return blocks the account;
// an unauthorized-debit return raises an alert case; a dishonored or
// contested return is recorded on its transfer; a notification of change
// waits as a correction for an operator. A file that is not valid NACHA is
// refused with moov-io/ach's error, recorded, and changes nothing. The
// same file twice is applied once.
func (s *Service) Ingest(ctx context.Context, name, source string, content []byte) (InboundFile, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermACHFiles); err != nil {
		return InboundFile{}, err
	}
	return s.ingest(ctx, name, source, content)
}

// IngestFrom is Ingest for files the console picks up itself (a watched
// directory, an S3 prefix).
func (s *Service) IngestFrom(ctx context.Context, name, source string, content []byte) (InboundFile, error) {
	return s.ingest(withSystem(ctx), name, source, content)
}

func (s *Service) ingest(ctx context.Context, name, source string, content []byte) (InboundFile, error) {
	name = truncate(strings.TrimSpace(name), 200)
	if name == "" {
		name = "inbound.ach"
	}
	actor, _ := audit.ActorFrom(ctx)
	in, err := ReadInbound(bytes.NewReader(content))
	if err != nil {
		rejected := InboundFile{Name: name, Source: source, SHA256: sha256Hex(content), Status: "rejected", Error: truncate(domain.ErrorMessage(err), 1000),
			ReceivedAt: s.now(), By: actor.ID}
		if rerr := s.Tx.InTx(ctx, func(ctx context.Context) error {
			if err := s.Store.InsertInbound(ctx, &rejected); err != nil {
				return err
			}
			return s.record(ctx, audit.InboundReceived, audit.Failure, "ach_inbound", strconv.FormatInt(rejected.ID, 10),
				map[string]string{"name": name, "error": truncate(domain.ErrorMessage(err), 200)})
		}); rerr != nil {
			return rejected, rerr
		}
		return rejected, err
	}
	if prior, found, err := s.Store.InboundBySHA(ctx, in.SHA256); err != nil || found && prior.Status == "applied" {
		return prior, err
	}
	f := InboundFile{Name: name, Source: source, SHA256: in.SHA256, Status: "applied", Returns: len(in.Returns), NOCs: len(in.Corrections),
		ReceivedAt: s.now(), By: actor.ID}
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.InsertInbound(ctx, &f); err != nil {
			return err
		}
		for _, item := range in.Returns {
			matched, err := s.applyReturn(ctx, f, item)
			if err != nil {
				return err
			}
			if !matched {
				f.Unmatched++
			}
		}
		for _, c := range in.Corrections {
			matched, err := s.applyNOC(ctx, f, c)
			if err != nil {
				return err
			}
			if !matched {
				f.Unmatched++
			}
		}
		return s.record(ctx, audit.InboundReceived, audit.Success, "ach_inbound", strconv.FormatInt(f.ID, 10), map[string]string{
			"name": name, "returns": strconv.Itoa(f.Returns), "nocs": strconv.Itoa(f.NOCs), "unmatched": strconv.Itoa(f.Unmatched)})
	})
	return f, err
}

func (s *Service) applyReturn(ctx context.Context, f InboundFile, item ReturnItem) (bool, error) {
	t, found, err := s.Store.TransferByTrace(ctx, item.OriginalTrace, true)
	if err != nil {
		return false, err
	}
	r := ReturnRecord{InboundID: f.ID, OriginalTrace: item.OriginalTrace, Kind: item.Kind, Code: item.Code, Reason: item.Reason,
		Description: item.Description, Amount: item.Amount, ReceivedAt: f.ReceivedAt}
	if found {
		r.TransferID, r.TransferPublic = t.ID, t.PublicID
	}
	if err := s.Store.InsertReturn(ctx, &r); err != nil || !found {
		return false, err
	}
	detail := map[string]string{"code": item.Code, "kind": string(item.Kind), "reason": truncate(item.Reason, 200)}
	switch item.Kind {
	case PlainReturn:
		if t.Status != Returned {
			t.ReturnCode, t.ReturnReason = item.Code, item.Reason
			if err := s.moveTo(ctx, &t, Returned, "returned "+item.Code+": "+item.Reason); err != nil {
				return false, err
			}
		}
		if Administrative(item.Code) {
			if err := s.block(ctx, t.AccountPublic, "administrative return "+item.Code+" ("+item.Reason+")"); err != nil {
				return false, err
			}
		}
		if Unauthorized(item.Code) && t.Direction == Debit {
			if err := s.alertUnauthorized(ctx, t, item); err != nil {
				return false, err
			}
		}
	default:
		if err := s.Store.AddEvent(ctx, t.ID, Event{At: s.now(), Status: t.Status, Actor: "bank",
			Detail: string(item.Kind) + " return " + item.Code + ": " + item.Reason}); err != nil {
			return false, err
		}
		if err := s.Store.Changed(ctx, t.PublicID); err != nil {
			return false, err
		}
	}
	return true, s.record(ctx, audit.ReturnReceived, audit.Success, "transfer", t.PublicID, detail)
}

// alertUnauthorized opens a case for a debit the account holder says they
// never authorized: a compliance officer looks at the authorization kept.
func (s *Service) alertUnauthorized(ctx context.Context, t Transfer, item ReturnItem) error {
	_, err := s.Cases.Open(ctx, cases.Case{Kind: cases.AMLAlert, Subject: "unauthorized_return:" + t.PublicID, SubjectName: t.CustomerRef,
		Title:   "Unauthorized debit return " + item.Code + " on " + t.PublicID + " (" + cents(t.Amount) + ")",
		Summary: item.Reason + ". " + item.Description + " Authorization on file: " + orNone(t.Authorization.Reference) + "."})
	return err
}

func orNone(s string) string {
	if s == "" {
		return "none recorded"
	}
	return s
}

func (s *Service) applyNOC(ctx context.Context, f InboundFile, n NOCItem) (bool, error) {
	t, found, err := s.Store.TransferByTrace(ctx, n.OriginalTrace, false)
	if err != nil || !found {
		return false, err
	}
	c := Correction{AccountID: t.AccountID, AccountPublic: t.AccountPublic, TransferID: t.ID, OriginalTrace: n.OriginalTrace,
		Code: n.Code, Reason: n.Reason, Status: "pending", ReceivedAt: s.now(), Routing: n.Routing, TxCode: n.TxCode,
		ReceivedBy: f.By, CorrectedData: n.CorrectedData}
	if number := n.AccountNumber; number != "" {
		// A corrected account number is kept encrypted, shown by its last 4.
		if c.Ciphertext, err = s.Keys.Encrypt(ctx, []byte(number), correctionAAD(t.AccountPublic, n.OriginalTrace)); err != nil {
			return false, err
		}
		c.CorrectedData = strings.Replace(c.CorrectedData, number, "••••"+number[max(0, len(number)-4):], 1)
	}
	if err := s.Store.InsertCorrection(ctx, &c); err != nil {
		return false, err
	}
	return true, s.record(ctx, audit.CorrectionReceived, audit.Success, "bank_account", t.AccountPublic, map[string]string{
		"code": n.Code, "transfer": t.PublicID})
}

func correctionAAD(account, trace string) []byte {
	return []byte("correction:" + account + ":" + trace)
}

// DecideCorrection applies a notification of change to its account, or
// rejects it, as an operator decides: the bank's change is not taken on
// trust, nor on the word of whoever brought the file in (another operator
// decides an uploaded file's). C01 (account number), C02 (routing), C03
// (both), C05 (account type), C06 (number and type) and C07 (all three)
// change the account; the others are noted.
func (s *Service) DecideCorrection(ctx context.Context, id int64, apply bool) (Correction, error) {
	caller, ctx, err := identity.Authorize(ctx, identity.PermACHWrite)
	if err != nil {
		return Correction{}, err
	}
	var c Correction
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		var found bool
		if c, found, err = s.Store.Correction(ctx, id, true); err != nil || !found {
			return errOr(err, domain.Errorf(domain.ENOTFOUND, "There is no such correction."))
		}
		switch {
		case c.Status != "pending":
			return domain.Errorf(domain.ECONFLICT, "This correction was %s already.", c.Status)
		case c.ReceivedBy == caller.Actor.ID:
			return domain.Errorf(domain.EFORBIDDEN, "You uploaded the file this correction came in: another operator decides it.")
		}
		c.Status, c.DecidedBy = "rejected", caller.Actor.ID
		switch {
		case apply && c.Changes():
			c.Status = "applied"
			if err := s.applyCorrection(ctx, c); err != nil {
				return err
			}
		case apply:
			c.Status = "noted"
		}
		if err := s.Store.UpdateCorrection(ctx, c); err != nil {
			return err
		}
		return s.record(ctx, audit.CorrectionDecided, audit.Success, "bank_account", c.AccountPublic, map[string]string{
			"code": c.Code, "decision": c.Status})
	})
	return c, err
}

func (s *Service) applyCorrection(ctx context.Context, c Correction) error {
	a, found, err := s.Store.Account(ctx, c.AccountPublic, true)
	if err != nil || !found {
		return errOr(err, domain.Errorf(domain.ENOTFOUND, "The correction's account is gone."))
	}
	number := ""
	if c.Ciphertext != nil {
		plain, err := s.Keys.Decrypt(ctx, c.Ciphertext, correctionAAD(c.AccountPublic, c.OriginalTrace))
		if err != nil {
			return err
		}
		number = string(plain)
	}
	if c.Routing != "" {
		if ValidateRouting(c.Routing) != nil {
			return domain.Errorf(domain.EINVALID, "The corrected routing number %q is not valid: reject the correction.", c.Routing)
		}
		a.Routing = c.Routing
	}
	if c.TxCode != 0 {
		a.Type = typeOf(c.TxCode)
	}
	if number != "" {
		if !accountNumber.MatchString(number) {
			return domain.Errorf(domain.EINVALID, "The corrected account number is not one (4 to 17 characters): reject the correction.")
		}
		if a.Ciphertext, err = s.Keys.Encrypt(ctx, []byte(number), accountAAD(a.PublicID)); err != nil {
			return err
		}
		a.Last4 = number[max(0, len(number)-4):]
	}
	if number != "" || c.Routing != "" {
		plain := number
		if plain == "" {
			p, err := s.Keys.Decrypt(ctx, a.Ciphertext, accountAAD(a.PublicID))
			if err != nil {
				return err
			}
			plain = string(p)
		}
		if a.Token, err = s.Keys.Token(ctx, accountTokenMsg(a.Routing, plain)); err != nil {
			return err
		}
	}
	return s.Store.UpdateAccount(ctx, a)
}

// typeOf reads an account type from a transaction code (22/27 checking, 32/37 savings).
func typeOf(code int) AccountType {
	if code/10 == 3 {
		return Savings
	}
	return Checking
}

// ReturnsInbox is the returns inbox: inbound files, recent returns and the
// corrections waiting for an operator.
type ReturnsInbox struct {
	Files       []InboundFile
	Returns     []ReturnRecord
	Corrections []Correction
}

// Returns returns the returns inbox.
func (s *Service) Returns(ctx context.Context) (ReturnsInbox, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermACHRead); err != nil {
		return ReturnsInbox{}, err
	}
	var in ReturnsInbox
	var err error
	if in.Files, err = s.Store.ListInbound(ctx, 50); err != nil {
		return in, err
	}
	if in.Returns, err = s.Store.RecentReturns(ctx, 100); err != nil {
		return in, err
	}
	in.Corrections, err = s.Store.PendingCorrections(ctx, 100)
	return in, err
}
