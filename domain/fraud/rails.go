package fraud

import (
	"context"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/ach"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/escrow"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/payments"
)

// Rails implements Effects through the areas that own the events: the
// fraud area asks them in its own name, as any caller would, so their
// rules (a refund above the threshold waits for an operator) still hold.
type Rails struct {
	Payments *payments.Service
	ACH      *ach.Service
	Escrow   *escrow.Service
}

var _ Effects = Rails{}

func actingAs(ctx context.Context) context.Context {
	return identity.WithServiceCaller(ctx, audit.Actor{Type: audit.ActorSystem, ID: "fraud"}, identity.PermPaymentsRead,
		identity.PermPaymentsWrite, identity.PermPaymentsRefund, identity.PermACHWrite, identity.PermFraudReview)
}

// Stop implements Effects. What cannot be stopped any more (a transfer in
// a file already, a release paid) is said, not failed: retrying would not
// change it.
func (r Rails) Stop(ctx context.Context, rail, ref, key, reason string) (string, error) {
	ctx = actingAs(ctx)
	var effect string
	var err error
	switch rail {
	case RailPayment:
		effect, err = r.stopPayment(ctx, ref, key, reason)
	case RailACHTransfer:
		var t ach.Transfer
		if t, err = r.ACH.Cancel(ctx, ref, reason); err == nil {
			effect = "transfer " + t.PublicID + " canceled"
		}
	case RailEscrowRelease:
		var rel escrow.Release
		if rel, err = r.Escrow.StopRelease(ctx, ref, reason); err == nil {
			effect = "release " + rel.PublicID + " blocked"
		}
	default:
		return "nothing to stop: the caller acts on the decision", nil
	}
	if code := domain.ErrorCode(err); code == domain.ECONFLICT || code == domain.ENOTFOUND {
		return "not stopped: " + domain.ErrorMessage(err), nil
	}
	return effect, err
}

func (r Rails) stopPayment(ctx context.Context, ref, key, reason string) (string, error) {
	p, err := r.Payments.Get(ctx, ref)
	if err != nil {
		return "", err
	}
	if p.Status != payments.Succeeded {
		if _, err := r.Payments.Cancel(ctx, ref, reason); err != nil {
			return "", err
		}
		return "payment " + ref + " canceled", nil
	}
	refund, err := r.Payments.RequestRefund(ctx, payments.NewRefund{PaymentID: ref, Reason: payments.ReasonFraudulent, RequestRef: key})
	if err != nil {
		return "", err
	}
	return "refund of " + refund.Amount.String() + " requested (" + refund.Status.Label() + ")", nil
}
