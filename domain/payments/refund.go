package payments

import (
	"slices"
	"time"

	"github.com/paycompliance/console/domain/money"
)

// RefundStatus is where a refund stands: first ours (approval), then the
// processor's.
type RefundStatus string

const (
	RefundAwaitingApproval RefundStatus = "awaiting_approval" // above the threshold: a second operator decides
	RefundRejected         RefundStatus = "rejected"
	RefundPending          RefundStatus = "pending" // sent, or about to be sent, to the processor
	RefundRequiresAction   RefundStatus = "requires_action"
	RefundSucceeded        RefundStatus = "succeeded"
	RefundFailed           RefundStatus = "failed"
	RefundCanceled         RefundStatus = "canceled"
)

// Holds reports whether a refund in status s holds part of the payment's
// amount: one awaiting approval does, so two requests cannot together
// refund more than was paid.
func (s RefundStatus) Holds() bool {
	return s != RefundRejected && s != RefundFailed && s != RefundCanceled
}

// Label is the status as people say it.
func (s RefundStatus) Label() string { return Status(s).Label() }

// RefundReason is why money goes back, in the processor's terms.
type RefundReason string

const (
	ReasonRequestedByCustomer RefundReason = "requested_by_customer"
	ReasonDuplicate           RefundReason = "duplicate"
	ReasonFraudulent          RefundReason = "fraudulent"
)

// RefundReasons lists the reasons, in the order forms show them.
var RefundReasons = []RefundReason{ReasonRequestedByCustomer, ReasonDuplicate, ReasonFraudulent}

// Label is the reason as people say it.
func (r RefundReason) Label() string { return Status(r).Label() }

func (r RefundReason) valid() bool { return slices.Contains(RefundReasons, r) }

// Refund is money going back on a payment, in part or in full.
type Refund struct {
	ID            int64
	PaymentID     int64
	PaymentPublic string
	ProviderID    string // re_…, once the processor has it
	Amount        money.Amount
	Reason        RefundReason
	Status        RefundStatus
	StatusAt      time.Time // the latest report's time
	FailureReason string
	RequestedBy   string // audit actor id; "stripe" for one made at the processor
	DecidedBy     string // the second operator, above the threshold
	// RequestRef names the request that asked for it (a console form's
	// nonce, an API call's Idempotency-Key): asked twice, it is made once.
	RequestRef string
	CreatedAt  time.Time
}

// applyStatus moves r to s as reported at `at`; an older report never
// overwrites a newer one. Rejected and canceled are final. A success may
// still turn into a failure (the processor reports card refunds that fail
// after succeeding). A failure is final once the processor reported it;
// one the console decided without ever hearing from the processor
// (reopen) gives way to what the processor then says it did.
func (r *Refund) applyStatus(s RefundStatus, at time.Time, failure string, reopen bool) bool {
	switch {
	case older(at, r.StatusAt) || s == r.Status,
		r.Status == RefundRejected || r.Status == RefundCanceled,
		r.Status == RefundFailed && !reopen,
		r.Status == RefundSucceeded && s != RefundFailed:
		return false
	}
	r.Status, r.StatusAt, r.FailureReason = s, at, failure
	return true
}
