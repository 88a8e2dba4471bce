package payments

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
)

// MaxWebhookBytes caps a webhook body; the processor's events are far smaller.
const MaxWebhookBytes = 64 << 10

// ReceiveWebhook verifies a webhook body against its signature before
// reading anything in it, then stores the event and queues the job that
// applies it, in one transaction. An event already received is
// acknowledged and not stored or queued again, however many deliveries
// race. A bad signature or a stale timestamp changes nothing and is
// recorded as a failure: at most once a minute per instance, with how
// many were refused since, so that anyone able to reach the endpoint
// cannot flood the audit trail.
func (s *Service) ReceiveWebhook(ctx context.Context, payload []byte, signature string) error {
	ctx = audit.WithActor(ctx, processor)
	e, err := s.Events.Verify(payload, signature)
	if err != nil {
		if since, due := s.rejected.due(s.now()); due {
			if rerr := s.Audit.Record(ctx, audit.Event{Action: audit.WebhookRejected, Outcome: audit.Failure,
				Target: audit.Target{Type: "webhook", ID: "stripe"},
				Detail: map[string]string{"reason": truncate(domain.ErrorMessage(err)), "refused_since_last_record": strconv.Itoa(since)}}); rerr != nil {
				return rerr
			}
		}
		return err
	}
	return s.Tx.InTx(ctx, func(ctx context.Context) error {
		inserted, err := s.Store.InsertEvent(ctx, StoredEvent{ID: e.ID, Type: e.Type, Created: e.Created, Livemode: e.Livemode,
			Payload: payload, ReceivedAt: s.now(), State: EventReceived})
		if err != nil || !inserted {
			return err
		}
		return s.Jobs.ApplyEventLater(ctx, e.ID)
	})
}

// ApplyEvent applies a stored event to its payment: the job ReceiveWebhook
// queued. The event row is locked, its effect made and its state set to
// applied in one transaction, so however often the job runs the effect
// happens once. Events of types not handled, or about payments that are
// not ours, are kept as ignored.
func (s *Service) ApplyEvent(ctx context.Context, eventID string) error {
	ctx = audit.WithActor(ctx, processor)
	return s.Tx.InTx(ctx, func(ctx context.Context) error {
		stored, found, err := s.Store.Event(ctx, eventID, true)
		if err != nil || !found || stored.State != EventReceived {
			return err
		}
		e, err := s.Events.Read(stored.Payload)
		if err != nil {
			return s.Store.FinishEvent(ctx, eventID, EventIgnored, "unreadable: "+domain.ErrorMessage(err), 0, s.now())
		}
		intent := e.intentID()
		if intent == "" {
			return s.Store.FinishEvent(ctx, eventID, EventIgnored, "a type this console does not act on", 0, s.now())
		}
		p, found, err := s.Store.PaymentByIntent(ctx, intent, true)
		if err != nil {
			return err
		}
		if !found {
			return s.Store.FinishEvent(ctx, eventID, EventIgnored, "no payment of this console has PaymentIntent "+intent, 0, s.now())
		}
		effect, err := s.apply(ctx, &p, e)
		if err != nil {
			return err
		}
		if err := s.Store.FinishEvent(ctx, eventID, EventApplied, effect, p.ID, s.now()); err != nil {
			return err
		}
		if err := s.record(ctx, audit.WebhookApplied, audit.Success, p, map[string]string{
			"event": e.ID, "type": e.Type, "effect": effect}); err != nil {
			return err
		}
		return s.Store.Changed(ctx, p.PublicID)
	})
}

// apply makes e's effect on p and says what it was.
func (s *Service) apply(ctx context.Context, p *Payment, e Event) (string, error) {
	switch {
	case e.Intent != nil:
		return s.applyIntent(ctx, p, e)
	case e.Charge != nil:
		return s.applyCharge(ctx, p, e)
	case e.Refund != nil:
		return s.applyRefund(ctx, p, *e.Refund, e)
	case e.Dispute != nil:
		return s.applyDispute(ctx, p, e)
	}
	return s.applyReview(ctx, p, e)
}

func (s *Service) applyIntent(ctx context.Context, p *Payment, e Event) (string, error) {
	u := e.Intent
	if !p.applyStatus(u.Status, e.Created) {
		return fmt.Sprintf("kept %s: the event reports %s, older or after the payment settled", p.Status, u.Status), nil
	}
	if u.Status == Failed {
		p.FailureCode, p.FailureMessage = u.FailureCode, u.FailureMessage
	}
	if err := s.Store.UpdatePayment(ctx, *p); err != nil {
		return "", err
	}
	if err := s.Store.AddHistory(ctx, p.ID, HistoryEntry{Status: p.Status, At: e.Created, Source: e.ID}); err != nil {
		return "", err
	}
	return "status " + string(p.Status), nil
}

func (s *Service) applyCharge(ctx context.Context, p *Payment, e Event) (string, error) {
	c := e.Charge
	effect := "kept the card and risk of a later charge"
	if !older(e.Created, p.RiskAt) {
		p.Card, p.Risk, p.RiskAt = c.Card, c.Risk, e.Created
		if err := s.Store.UpdatePayment(ctx, *p); err != nil {
			return "", err
		}
		effect = fmt.Sprintf("card %s •••• %s, risk %s", c.Card.Brand, c.Card.Last4, orNone(string(c.Risk.Level)))
	}
	for _, ru := range c.Refunds {
		if _, err := s.applyRefund(ctx, p, ru, e); err != nil {
			return "", err
		}
	}
	return effect, nil
}

// applyRefund brings a refund up to date with the processor's view. A
// refund made at the processor (its dashboard, say) is added, whatever
// else the payment holds: the money has moved. One of ours whose id we had
// not stored yet is found by the metadata we sent.
func (s *Service) applyRefund(ctx context.Context, p *Payment, u RefundUpdate, e Event) (string, error) {
	r, found, err := s.Store.RefundByProviderID(ctx, u.ProviderID, true)
	if err != nil {
		return "", err
	}
	if !found && u.OurID != 0 {
		if r, found, err = s.Store.Refund(ctx, u.OurID, true); err != nil {
			return "", err
		}
		found = found && r.PaymentID == p.ID
	}
	if !found {
		r = Refund{PaymentID: p.ID, PaymentPublic: p.PublicID, ProviderID: u.ProviderID, Amount: u.Amount, Reason: u.Reason,
			Status: u.Status, StatusAt: e.Created, FailureReason: u.FailureReason, RequestedBy: processor.ID, CreatedAt: e.Created}
		if err := s.Store.InsertRefund(ctx, &r); err != nil {
			return "", err
		}
		return "refund " + u.ProviderID + " made at the processor: " + string(u.Status), nil
	}
	reopen := r.ProviderID == "" // ours, and the processor was never heard from for it
	r.ProviderID = u.ProviderID
	if !r.applyStatus(u.Status, e.Created, u.FailureReason, reopen) {
		return "refund " + u.ProviderID + " kept " + string(r.Status), s.Store.UpdateRefund(ctx, r)
	}
	return "refund " + u.ProviderID + " " + string(r.Status), s.Store.UpdateRefund(ctx, r)
}

func (s *Service) applyDispute(ctx context.Context, p *Payment, e Event) (string, error) {
	u := e.Dispute
	d, found, err := s.Store.Dispute(ctx, u.ProviderID, true)
	if err != nil {
		return "", err
	}
	if found && older(e.Created, d.UpdatedAt) {
		return "dispute " + u.ProviderID + " kept " + d.Status + ": the event is older", nil
	}
	if !found {
		d = Dispute{ProviderID: u.ProviderID, PaymentID: p.ID, PaymentPublic: p.PublicID, OpenedAt: u.Created}
		if err := s.record(ctx, audit.DisputeOpened, audit.Success, *p, map[string]string{
			"dispute": u.ProviderID, "amount": u.Amount.String(), "reason": u.Reason}); err != nil {
			return "", err
		}
	}
	d.Amount, d.Reason, d.Status, d.EvidenceDueBy, d.UpdatedAt = u.Amount, u.Reason, u.Status, u.EvidenceDueBy, e.Created
	return "dispute " + u.ProviderID + " " + u.Status, s.Store.SaveDispute(ctx, &d)
}

func (s *Service) applyReview(ctx context.Context, p *Payment, e Event) (string, error) {
	u := e.Review
	r, found, err := s.Store.Review(ctx, u.ProviderID, true)
	if err != nil {
		return "", err
	}
	if found && older(e.Created, r.UpdatedAt) {
		return "review " + u.ProviderID + " kept: the event is older", nil
	}
	if !found {
		r = Review{ProviderID: u.ProviderID, PaymentID: p.ID, PaymentPublic: p.PublicID, OpenedAt: u.Created}
		if err := s.record(ctx, audit.RadarReviewOpened, audit.Success, *p, map[string]string{
			"review": u.ProviderID, "reason": u.Reason}); err != nil {
			return "", err
		}
	}
	r.Reason, r.Open, r.ClosedReason, r.UpdatedAt = u.Reason, u.Open, u.ClosedReason, e.Created
	state := "open"
	if !u.Open {
		state = "closed: " + u.ClosedReason
	}
	return "Radar review " + u.ProviderID + " " + state, s.Store.SaveReview(ctx, &r)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// throttle lets one of many alike events through a minute.
type throttle struct {
	mu         sync.Mutex
	last       time.Time
	suppressed int
}

// due reports whether an event at now is to be recorded, and how many were
// let go since the last one that was.
func (t *throttle) due(now time.Time) (int, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.last) < time.Minute {
		t.suppressed++
		return 0, false
	}
	n := t.suppressed
	t.last, t.suppressed = now, 0
	return n, true
}

// ParseOurRefundID reads the refund id the console put in a refund's
// metadata; 0 for none.
func ParseOurRefundID(metadata map[string]string) int64 {
	n, _ := strconv.ParseInt(metadata[reservedPrefix+"refund"], 10, 64)
	return n
}
