package payments

import (
	"time"

	"github.com/paycompliance/console/domain/money"
)

// Dispute is a chargeback the cardholder's bank opened.
type Dispute struct {
	ID            int64
	ProviderID    string // dp_…
	PaymentID     int64
	PaymentPublic string
	Amount        money.Amount
	Reason        string // fraudulent, product_not_received, ...
	Status        string // warning_needs_response, needs_response, under_review, won, lost, ...
	EvidenceDueBy time.Time
	OpenedAt      time.Time
	UpdatedAt     time.Time // the latest report's time
}

// Open reports whether the dispute still awaits an outcome.
func (d Dispute) Open() bool {
	return d.Status != "won" && d.Status != "lost" && d.Status != "warning_closed"
}

// NeedsResponse reports whether evidence is still wanted from us.
func (d Dispute) NeedsResponse() bool {
	return d.Status == "needs_response" || d.Status == "warning_needs_response"
}

// Review is a Radar review: a payment Radar held for a person to look at.
// The fraud reviewers' queue takes these in.
type Review struct {
	ID            int64
	ProviderID    string // prv_…
	PaymentID     int64
	PaymentPublic string
	Reason        string // rule, manual, elevated_risk_level, ...
	Open          bool
	ClosedReason  string // approved, refunded, refunded_as_fraud, disputed, redacted
	OpenedAt      time.Time
	UpdatedAt     time.Time
}
