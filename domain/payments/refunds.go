package payments

import (
	"context"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/money"
)

// NewRefund is a refund someone asks for.
type NewRefund struct {
	PaymentID string
	Amount    int64 // minor units; 0 for all that remains
	Reason    RefundReason
	// RequestRef names the asking request (a form's nonce, an API call's
	// Idempotency-Key): the same ref asks once.
	RequestRef string
}

// RequestRefund asks for part or all of a succeeded payment back. Up to
// RefundApprovalAbove it is sent to the processor by a job queued in the
// same transaction; above it, it waits for a second operator. The payment
// row is locked first and what its refunds hold read after the lock, so
// concurrent requests take turns and cannot together refund more than was
// paid (a trigger refuses it too).
func (s *Service) RequestRefund(ctx context.Context, in NewRefund) (Refund, error) {
	caller, ctx, err := identity.Authorize(ctx, identity.PermPaymentsRefund)
	if err != nil {
		return Refund{}, err
	}
	switch {
	case !in.Reason.valid():
		return Refund{}, domain.Errorf(domain.EINVALID, "The reason must be requested_by_customer, duplicate or fraudulent.")
	case in.Amount < 0:
		return Refund{}, domain.Errorf(domain.EINVALID, "The amount must be positive, or left out to refund all that remains.")
	case in.RequestRef == "":
		return Refund{}, domain.Errorf(domain.EINVALID, "A refund needs a request reference.")
	}
	if r, found, err := s.Store.RefundByRef(ctx, in.RequestRef); err != nil || found {
		return sameRefund(r, in, err)
	}
	var r Refund
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		p, found, err := s.Store.Payment(ctx, in.PaymentID, true)
		switch {
		case err != nil:
			return err
		case !found:
			return notFound()
		case p.Status != Succeeded:
			return domain.Errorf(domain.ECONFLICT, "Only a succeeded payment can be refunded; this one is %s.", p.Status.Label())
		case p.Refundable() <= 0:
			return domain.Errorf(domain.ECONFLICT, "This payment is refunded in full already.")
		}
		amount := in.Amount
		if amount == 0 {
			amount = p.Refundable()
		}
		if amount > p.Refundable() {
			return domain.Errorf(domain.EINVALID, "At most %s can still be refunded.", money.Amount{Minor: p.Refundable(), Currency: p.Amount.Currency})
		}
		now := s.now()
		r = Refund{PaymentID: p.ID, PaymentPublic: p.PublicID, Amount: money.Amount{Minor: amount, Currency: p.Amount.Currency},
			Reason: in.Reason, Status: RefundPending, StatusAt: now, RequestedBy: caller.Actor.ID, RequestRef: in.RequestRef, CreatedAt: now}
		if amount > s.RefundApprovalAbove {
			r.Status = RefundAwaitingApproval
		}
		if err := s.Store.InsertRefund(ctx, &r); err != nil {
			return err
		}
		if r.Status == RefundPending {
			if err := s.Jobs.ExecuteRefundLater(ctx, r.ID); err != nil {
				return err
			}
		}
		if err := s.record(ctx, audit.RefundRequested, audit.Success, p, map[string]string{
			"refund": itoa(r.ID), "amount": r.Amount.String(), "reason": string(in.Reason), "status": string(r.Status)}); err != nil {
			return err
		}
		return s.Store.Changed(ctx, p.PublicID)
	})
	if domain.ErrorCode(err) == domain.ECONFLICT {
		if existing, found, ferr := s.Store.RefundByRef(ctx, in.RequestRef); ferr == nil && found {
			return sameRefund(existing, in, nil) // the same request, raced
		}
	}
	return r, err
}

func sameRefund(r Refund, in NewRefund, err error) (Refund, error) {
	if err != nil {
		return Refund{}, err
	}
	if r.PaymentPublic != in.PaymentID || in.Amount != 0 && r.Amount.Minor != in.Amount || r.Reason != in.Reason {
		return Refund{}, domain.Errorf(domain.ECONFLICT, "This request reference was used for another refund; use a new one for a new refund.")
	}
	return r, nil
}

// lockRefund locks a refund's payment, then the refund: the order every
// change to a refund takes (the trigger and the webhooks lock the payment
// first too), so that they never deadlock.
func (s *Service) lockRefund(ctx context.Context, refundID int64) (Refund, Payment, bool, error) {
	r, found, err := s.Store.Refund(ctx, refundID, false)
	if err != nil || !found {
		return r, Payment{}, false, err
	}
	p, found, err := s.Store.Payment(ctx, r.PaymentPublic, true)
	if err != nil || !found {
		return r, p, false, err
	}
	r, found, err = s.Store.Refund(ctx, refundID, true)
	return r, p, found, err
}

// DecideRefund approves or rejects a refund awaiting approval. Approval
// takes another operator than the one who asked (four eyes), and the
// payment must still hold it: refunds made at the processor meanwhile
// count. Anyone who may refund may reject, the requester withdrawing theirs.
func (s *Service) DecideRefund(ctx context.Context, refundID int64, approve bool) (Refund, error) {
	caller, ctx, err := identity.Authorize(ctx, identity.PermPaymentsRefund)
	if err != nil {
		return Refund{}, err
	}
	var r Refund
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		var p Payment
		var found bool
		if r, p, found, err = s.lockRefund(ctx, refundID); err != nil {
			return err
		}
		switch {
		case !found:
			return domain.Errorf(domain.ENOTFOUND, "There is no such refund.")
		case r.Status != RefundAwaitingApproval:
			return domain.Errorf(domain.ECONFLICT, "This refund is %s: there is nothing to decide.", r.Status.Label())
		case approve && r.RequestedBy == caller.Actor.ID:
			return domain.Errorf(domain.EFORBIDDEN, "You asked for this refund: another operator must approve it.")
		case approve && p.Refunded > p.Amount.Minor:
			return domain.Errorf(domain.ECONFLICT, "Refunds made at Stripe since this one was asked for leave less to refund: reject it and ask again.")
		}
		action := audit.RefundRejected
		r.Status, r.StatusAt, r.DecidedBy = RefundRejected, s.now(), caller.Actor.ID
		if approve {
			action, r.Status = audit.RefundApproved, RefundPending
			if err := s.Jobs.ExecuteRefundLater(ctx, r.ID); err != nil {
				return err
			}
		}
		if err := s.Store.UpdateRefund(ctx, r); err != nil {
			return err
		}
		if err := s.record(ctx, action, audit.Success, p, map[string]string{
			"refund": itoa(r.ID), "amount": r.Amount.String(), "requested_by": r.RequestedBy}); err != nil {
			return err
		}
		return s.Store.Changed(ctx, p.PublicID)
	})
	return r, err
}

// AwaitingApproval lists refunds waiting for a second operator, oldest first.
func (s *Service) AwaitingApproval(ctx context.Context) ([]Refund, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermPaymentsRead); err != nil {
		return nil, err
	}
	return s.Store.RefundsAwaitingApproval(ctx, 100)
}

// ExecuteRefund sends a pending refund to the processor: the job queued
// when it was requested or approved. Its idempotency key is the refund's
// id, so a retry after a crash or a timeout gets the same refund back,
// never a second one (the job's retries stay within the processor's 24
// hours of key memory). Only a definite refusal fails the refund; anything
// else (an outage, a request still running under the key) is returned for
// the job to try again.
func (s *Service) ExecuteRefund(ctx context.Context, refundID int64) error {
	ctx = audit.WithActor(ctx, audit.System)
	r, found, err := s.Store.Refund(ctx, refundID, false)
	if err != nil || !found || r.Status != RefundPending || r.ProviderID != "" {
		return err // gone, decided or sent already: nothing to do
	}
	p, found, err := s.Store.Payment(ctx, r.PaymentPublic, false)
	if err != nil || !found {
		return errOr(err, notFound())
	}
	pr, callErr := s.Gateway.CreateRefund(ctx, refundKey(r.ID), RefundRequest{IntentID: p.IntentID, Amount: r.Amount.Minor,
		Reason: r.Reason, Metadata: map[string]string{reservedPrefix + "refund": itoa(r.ID), reservedPrefix + "payment": p.PublicID}})
	if callErr != nil && domain.ErrorCode(callErr) != domain.EINVALID {
		return callErr
	}
	return s.Tx.InTx(ctx, func(ctx context.Context) error {
		if r, p, found, err = s.lockRefund(ctx, refundID); err != nil || !found || r.Status != RefundPending {
			return err
		}
		outcome, detail := audit.Success, map[string]string{"refund": itoa(r.ID), "amount": r.Amount.String()}
		if callErr != nil {
			outcome, r.Status, r.StatusAt, r.FailureReason = audit.Failure, RefundFailed, s.now(), domain.ErrorMessage(callErr)
			detail["failure"] = truncate(r.FailureReason)
		} else {
			if r.ProviderID == "" {
				r.ProviderID = pr.ID
			}
			r.applyStatus(pr.Status, s.now(), pr.FailureReason, false)
			detail["provider_refund"], detail["status"] = pr.ID, string(r.Status)
		}
		if err := s.Store.UpdateRefund(ctx, r); err != nil {
			return err
		}
		if err := s.record(ctx, audit.PaymentRefunded, outcome, p, detail); err != nil {
			return err
		}
		return s.Store.Changed(ctx, p.PublicID)
	})
}

func refundKey(id int64) string { return "pcc_refund_" + itoa(id) }

// RefundUnreached notes on a refund that the processor could not be
// reached for as long as its idempotency key lasts: the job gives up. The
// refund stays pending, holding its amount, since the processor may have
// made it; a person checks the processor's dashboard before anything else.
func (s *Service) RefundUnreached(ctx context.Context, refundID int64) error {
	ctx = audit.WithActor(ctx, audit.System)
	return s.Tx.InTx(ctx, func(ctx context.Context) error {
		r, p, found, err := s.lockRefund(ctx, refundID)
		if err != nil || !found || r.Status != RefundPending || r.ProviderID != "" {
			return err
		}
		r.FailureReason = "Stripe could not be reached for a day of retries. Check the payment in Stripe's dashboard: the refund may have been made."
		if err := s.Store.UpdateRefund(ctx, r); err != nil {
			return err
		}
		if err := s.record(ctx, audit.PaymentRefunded, audit.Failure, p, map[string]string{"refund": itoa(r.ID), "failure": "unreached"}); err != nil {
			return err
		}
		return s.Store.Changed(ctx, p.PublicID)
	})
}

// truncate keeps an audit detail within its limit.
func truncate(s string) string {
	if len(s) > 200 {
		return s[:200]
	}
	return s
}
