package payments

import (
	"time"

	"github.com/paycompliance/console/domain/money"
)

// Event is one of the processor's events, as the adapter reads it: the
// part this area acts on, whatever the processor's own shape. At most one
// of the update fields is set; none for a type this area does not handle.
type Event struct {
	ID       string
	Type     string // e.g. payment_intent.succeeded
	Created  time.Time
	Livemode bool

	Intent  *IntentUpdate
	Charge  *ChargeUpdate
	Refund  *RefundUpdate
	Dispute *DisputeUpdate
	Review  *ReviewUpdate
}

// IntentUpdate is a PaymentIntent's new status.
type IntentUpdate struct {
	IntentID       string
	Status         Status
	FailureCode    string
	FailureMessage string
}

// ChargeUpdate is a charge's card and Radar outcome, and any refunds the
// charge lists.
type ChargeUpdate struct {
	IntentID string
	ChargeID string
	Card     Card
	Risk     Risk
	Refunds  []RefundUpdate
}

// RefundUpdate is a refund as the processor sees it.
type RefundUpdate struct {
	ProviderID    string
	IntentID      string
	Amount        money.Amount
	Status        RefundStatus
	Reason        RefundReason
	FailureReason string
	OurID         int64 // the console's refund id, from the metadata it sent
}

// DisputeUpdate is a dispute as the processor sees it.
type DisputeUpdate struct {
	ProviderID    string
	IntentID      string
	Amount        money.Amount
	Reason        string
	Status        string
	EvidenceDueBy time.Time
	Created       time.Time
}

// ReviewUpdate is a Radar review as the processor sees it.
type ReviewUpdate struct {
	ProviderID   string
	IntentID     string
	Reason       string
	Open         bool
	ClosedReason string
	Created      time.Time
}

// intentID is the PaymentIntent the event concerns, if any.
func (e Event) intentID() string {
	switch {
	case e.Intent != nil:
		return e.Intent.IntentID
	case e.Charge != nil:
		return e.Charge.IntentID
	case e.Refund != nil:
		return e.Refund.IntentID
	case e.Dispute != nil:
		return e.Dispute.IntentID
	case e.Review != nil:
		return e.Review.IntentID
	}
	return ""
}

// EventState is how far a received event has got.
type EventState string

const (
	EventReceived EventState = "received" // stored, its job queued
	EventApplied  EventState = "applied"
	EventIgnored  EventState = "ignored" // a type not handled, or a payment not ours
)

// StoredEvent is an event as kept: every one received, once, by id.
type StoredEvent struct {
	ID         string
	Type       string
	Created    time.Time
	Livemode   bool
	Payload    []byte // the verified body, until it is applied
	ReceivedAt time.Time
	State      EventState
	Note       string
	PaymentID  int64
}
