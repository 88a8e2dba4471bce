// Package payments is card payments through a processor (Stripe): payments
// and their life cycle, refunds with four-eyes approval above a threshold,
// disputes and Radar reviews, and the processor's events applied exactly
// once. Card numbers never reach the console: the payer types them into the
// processor's own fields, and only brand, last 4 and country come back.
// Storage, HTTP and the processor's SDK are adapters' business.
package payments

import (
	"crypto/sha256"
	"encoding/base32"
	"slices"
	"strings"
	"time"

	"github.com/paycompliance/console/domain/money"
)

// Status is where a payment stands.
type Status string

const (
	Open           Status = "open"            // created; waiting for the payer
	RequiresAction Status = "requires_action" // the payer must confirm with their bank (3-D Secure)
	Processing     Status = "processing"
	Succeeded      Status = "succeeded"
	Failed         Status = "failed" // the last attempt failed; the payer may try again
	Canceled       Status = "canceled"
)

// Statuses lists every status, in the order filters show them.
var Statuses = []Status{Open, RequiresAction, Processing, Succeeded, Failed, Canceled}

// Terminal reports whether nothing can follow s.
func (s Status) Terminal() bool { return s == Succeeded || s == Canceled }

// Label is the status as people say it.
func (s Status) Label() string {
	return strings.ToUpper(string(s[:1])) + strings.ReplaceAll(string(s[1:]), "_", " ")
}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Card is what the processor tells of the card used: never its number.
type Card struct {
	Brand       string // visa, mastercard, ...
	Last4       string
	Country     string // issuing country, ISO 3166-1 alpha-2
	Wallet      string // apple_pay, google_pay, ... or empty
	Fingerprint string // the processor's token for this card number, for velocity rules
}

// RiskLevel is Radar's assessment of a charge.
type RiskLevel string

const (
	RiskNormal      RiskLevel = "normal"
	RiskElevated    RiskLevel = "elevated"
	RiskHighest     RiskLevel = "highest"
	RiskNotAssessed RiskLevel = "not_assessed"
	RiskUnknown     RiskLevel = "unknown"
)

// RiskLevels lists the levels filters offer.
var RiskLevels = []RiskLevel{RiskNormal, RiskElevated, RiskHighest, RiskNotAssessed, RiskUnknown}

// Risk is Radar's verdict on the latest charge.
type Risk struct {
	Level   RiskLevel // empty until a charge is made
	Score   int       // 0-99; -1 when Radar gave none
	Reason  string    // outcome reason, e.g. highest_risk_level, card_declined
	Message string    // the processor's message for the merchant
}

// Payment is one card payment.
type Payment struct {
	ID          int64
	PublicID    string // pay_…, what the API and the console show
	IntentID    string // the processor's PaymentIntent
	Amount      money.Amount
	CustomerRef string
	Description string
	Metadata    map[string]string
	Status      Status
	// StatusAt is when the processor reported the status: the order that
	// counts, whatever order its events arrive in.
	StatusAt       time.Time
	FailureCode    string
	FailureMessage string
	Card           Card
	Risk           Risk
	RiskAt         time.Time // when the charge behind Card and Risk was reported
	// Refunded is what refunds hold of the amount: done, under way or
	// awaiting approval (derived from the refunds, never stored alone).
	Refunded  int64
	Livemode  bool
	CreatedAt time.Time
	CreatedBy string // the audit actor id
}

// Refundable is what may still be refunded.
func (p Payment) Refundable() int64 {
	if p.Status != Succeeded {
		return 0
	}
	return p.Amount.Minor - p.Refunded
}

// RefundedAmount is Refunded as money.
func (p Payment) RefundedAmount() money.Amount {
	return money.Amount{Minor: p.Refunded, Currency: p.Amount.Currency}
}

// applyStatus moves p to s as reported at `at`, and reports whether it
// did. A terminal status sticks; between the others the later report wins,
// so a late "processing" never overwrites "succeeded", nor a stale
// "failed" a newer "processing".
func (p *Payment) applyStatus(s Status, at time.Time) bool {
	if p.Status.Terminal() || older(at, p.StatusAt) || s == p.Status {
		return false
	}
	p.Status, p.StatusAt = s, at
	if s != Failed {
		p.FailureCode, p.FailureMessage = "", ""
	}
	return true
}

// older reports whether a report at `at` is older than one at `than`. The
// processor stamps events in whole seconds, so the comparison is too: an
// event in the same second as our own change is not older than it.
func older(at, than time.Time) bool { return at.Before(than.Truncate(time.Second)) }

// publicIDFor derives a payment's public id from the request that creates
// it, so that a retried request names the same payment everywhere: in our
// table (unique) and in the processor's idempotency key and metadata.
func publicIDFor(requestRef string) string {
	sum := sha256.Sum256([]byte("payment:" + requestRef))
	return "pay_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:15]))
}

// HistoryEntry is one status a payment took, and what reported it.
type HistoryEntry struct {
	Status Status
	At     time.Time
	Source string // "api", "console", or the processor's event id
}
