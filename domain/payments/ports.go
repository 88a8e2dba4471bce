package payments

import (
	"context"
	"time"

	"github.com/paycompliance/console/domain/money"
)

// Store keeps payments and everything attached to them; the PostgreSQL
// adapter implements it. Each method joins the transaction its ctx carries.
type Store interface {
	// InsertPayment stores p (setting p.ID) under requestRef; false when a
	// payment with that ref exists already (nothing is written).
	InsertPayment(ctx context.Context, p *Payment, requestRef string, clientSecret []byte) (bool, error)
	PaymentByRef(ctx context.Context, requestRef string) (Payment, bool, error)
	// Payment finds a payment by public id; forUpdate locks it until the
	// transaction ends, so that concurrent changes take turns.
	Payment(ctx context.Context, publicID string, forUpdate bool) (Payment, bool, error)
	PaymentByIntent(ctx context.Context, intentID string, forUpdate bool) (Payment, bool, error)
	ClientSecret(ctx context.Context, paymentID int64) ([]byte, error)
	// UpdatePayment writes the status, failure, card and risk fields.
	UpdatePayment(ctx context.Context, p Payment) error
	AddHistory(ctx context.Context, paymentID int64, h HistoryEntry) error
	History(ctx context.Context, paymentID int64) ([]HistoryEntry, error)
	ListPayments(ctx context.Context, q Query) ([]Payment, error)

	// InsertRefund stores r, setting r.ID: ECONFLICT if its request ref is
	// taken, or if the refunds the console asked for would exceed the payment.
	InsertRefund(ctx context.Context, r *Refund) error
	RefundByRef(ctx context.Context, ref string) (Refund, bool, error)
	Refund(ctx context.Context, id int64, forUpdate bool) (Refund, bool, error)
	RefundByProviderID(ctx context.Context, providerID string, forUpdate bool) (Refund, bool, error)
	UpdateRefund(ctx context.Context, r Refund) error
	Refunds(ctx context.Context, paymentID int64) ([]Refund, error)
	RefundsAwaitingApproval(ctx context.Context, limit int) ([]Refund, error)

	CatchUpStore

	// InsertEvent stores a received event; false when its id is known.
	InsertEvent(ctx context.Context, e StoredEvent) (bool, error)
	Event(ctx context.Context, id string, forUpdate bool) (StoredEvent, bool, error)
	// FinishEvent records the event's outcome and drops its payload.
	FinishEvent(ctx context.Context, id string, state EventState, note string, paymentID int64, at time.Time) error
	PaymentEvents(ctx context.Context, paymentID int64) ([]StoredEvent, error)

	Dispute(ctx context.Context, providerID string, forUpdate bool) (Dispute, bool, error)
	SaveDispute(ctx context.Context, d *Dispute) error // insert or update by ProviderID
	ListDisputes(ctx context.Context, q ListQuery) ([]Dispute, error)
	PaymentDisputes(ctx context.Context, paymentID int64) ([]Dispute, error)
	Review(ctx context.Context, providerID string, forUpdate bool) (Review, bool, error)
	SaveReview(ctx context.Context, r *Review) error
	ListReviews(ctx context.Context, q ListQuery) ([]Review, error)
	PaymentReviews(ctx context.Context, paymentID int64) ([]Review, error)

	Summary(ctx context.Context) (Summary, error)

	// Changed tells every instance's live views that the payment changed,
	// once the transaction commits.
	Changed(ctx context.Context, publicID string) error
}

// Gateway is the card processor. Every call carries an idempotency key
// derived from our own record, so a retry never charges or refunds twice.
type Gateway interface {
	CreateIntent(ctx context.Context, idempotencyKey string, in IntentRequest) (Intent, error)
	CancelIntent(ctx context.Context, idempotencyKey, intentID string) (Intent, error)
	CreateRefund(ctx context.Context, idempotencyKey string, in RefundRequest) (ProviderRefund, error)
}

// IntentRequest is a PaymentIntent to create.
type IntentRequest struct {
	Amount      money.Amount
	Description string
	Metadata    map[string]string
}

// Intent is the processor's PaymentIntent as created or changed.
type Intent struct {
	ID           string
	ClientSecret string // lets the payer's browser confirm it; kept encrypted
	Status       Status
	Livemode     bool
}

// RefundRequest is a refund to ask the processor for.
type RefundRequest struct {
	IntentID string
	Amount   int64
	Reason   RefundReason
	Metadata map[string]string
}

// ProviderRefund is the processor's answer to a refund.
type ProviderRefund struct {
	ID            string
	Status        RefundStatus
	FailureReason string
}

// EventReader verifies and reads the processor's events.
type EventReader interface {
	// Verify checks a webhook body against its signature header (and the
	// timestamp's tolerance) before reading it: EINVALID if either fails.
	Verify(payload []byte, signature string) (Event, error)
	// Read reads a body verified before.
	Read(payload []byte) (Event, error)
}

// Simulator makes signed test events for a payment, as the processor
// would send them, in test mode only.
type Simulator interface {
	Simulate(p Payment, o Outcome, at time.Time) ([]SignedEvent, error)
}

// SignedEvent is a webhook body with its signature header.
type SignedEvent struct {
	Payload   []byte
	Signature string
}

// Jobs queues work in the caller's transaction, to run after it commits,
// retried until it succeeds.
type Jobs interface {
	ApplyEventLater(ctx context.Context, eventID string) error
	ExecuteRefundLater(ctx context.Context, refundID int64) error
}

// Keyring keeps client secrets encrypted and makes payer links.
type Keyring interface {
	Encrypt(ctx context.Context, plaintext, aad []byte) ([]byte, error)
	Decrypt(ctx context.Context, ciphertext, aad []byte) ([]byte, error)
	Token(ctx context.Context, msg []byte) (string, error)
	CheckToken(ctx context.Context, msg []byte, token string) error
}
