package payments

import (
	"context"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/money"
)

// RequestRefund asks for amount (minor units; 0 for all that remains) of a
// succeeded payment back. Up to RefundApprovalAbove it is sent to the
// processor at once, by a job queued in the same transaction; above it, it
// waits for a second operator.
func (s *Service) RequestRefund(ctx context.Context, publicID string, amount int64, reason RefundReason) (Refund, error) {
	caller, ctx, err := identity.Authorize(ctx, identity.PermPaymentsRefund)
	if err != nil {
		return Refund{}, err
	}
	if !reason.valid() {
		return Refund{}, domain.Errorf(domain.EINVALID, "The reason must be requested_by_customer, duplicate or fraudulent.")
	}
	if amount < 0 {
		return Refund{}, domain.Errorf(domain.EINVALID, "The amount must be positive, or left out to refund all that remains.")
	}
	var r Refund
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		p, found, err := s.Store.Payment(ctx, publicID, true)
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
		if amount == 0 {
			amount = p.Refundable()
		}
		if amount > p.Refundable() {
			return domain.Errorf(domain.EINVALID, "At most %s can still be refunded.", money.Amount{Minor: p.Refundable(), Currency: p.Amount.Currency})
		}
		now := s.now()
		r = Refund{PaymentID: p.ID, PaymentPublic: p.PublicID, Amount: money.Amount{Minor: amount, Currency: p.Amount.Currency},
			Reason: reason, Status: RefundPending, StatusAt: now, RequestedBy: caller.Actor.ID, CreatedAt: now}
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
			"refund": itoa(r.ID), "amount": r.Amount.String(), "reason": string(reason), "status": string(r.Status)}); err != nil {
			return err
		}
		return s.Store.Changed(ctx, p.PublicID)
	})
	return r, err
}

// DecideRefund approves or rejects a refund awaiting approval. Approval
// takes another operator than the one who asked (four eyes); anyone who
// may refund may reject, the requester withdrawing their own.
func (s *Service) DecideRefund(ctx context.Context, refundID int64, approve bool) (Refund, error) {
	caller, ctx, err := identity.Authorize(ctx, identity.PermPaymentsRefund)
	if err != nil {
		return Refund{}, err
	}
	var r Refund
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		var found bool
		if r, found, err = s.Store.Refund(ctx, refundID, true); err != nil {
			return err
		}
		switch {
		case !found:
			return domain.Errorf(domain.ENOTFOUND, "There is no such refund.")
		case r.Status != RefundAwaitingApproval:
			return domain.Errorf(domain.ECONFLICT, "This refund is %s: there is nothing to decide.", r.Status.Label())
		case approve && r.RequestedBy == caller.Actor.ID:
			return domain.Errorf(domain.EFORBIDDEN, "You asked for this refund: another operator must approve it.")
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
		p := Payment{PublicID: r.PaymentPublic}
		if err := s.record(ctx, action, audit.Success, p, map[string]string{
			"refund": itoa(r.ID), "amount": r.Amount.String(), "requested_by": r.RequestedBy}); err != nil {
			return err
		}
		return s.Store.Changed(ctx, r.PaymentPublic)
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
// never a second one. A refusal by the processor fails the refund; an
// outage returns the error, and the job runs again later.
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
	pr, callErr := s.Gateway.CreateRefund(ctx, "pcc_refund_"+itoa(r.ID), RefundRequest{IntentID: p.IntentID, Amount: r.Amount.Minor,
		Reason: r.Reason, Metadata: map[string]string{reservedPrefix + "refund": itoa(r.ID), reservedPrefix + "payment": p.PublicID}})
	switch domain.ErrorCode(callErr) {
	case "", domain.EINVALID, domain.ECONFLICT:
	default:
		return callErr // the processor is unreachable or erred: try again later
	}
	return s.Tx.InTx(ctx, func(ctx context.Context) error {
		if r, found, err = s.Store.Refund(ctx, refundID, true); err != nil || !found || r.Status != RefundPending {
			return err
		}
		outcome, detail := audit.Success, map[string]string{"refund": itoa(r.ID), "amount": r.Amount.String()}
		if callErr != nil {
			outcome, r.Status, r.FailureReason = audit.Failure, RefundFailed, domain.ErrorMessage(callErr)
			detail["failure"] = r.FailureReason
		} else {
			if r.ProviderID == "" {
				r.ProviderID = pr.ID
			}
			r.applyStatus(pr.Status, s.now(), pr.FailureReason)
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
