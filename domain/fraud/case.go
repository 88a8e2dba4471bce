package fraud

import (
	"slices"
	"strings"
	"time"

	"github.com/paycompliance/console/domain/money"
)

// CaseStatus is where a review case stands.
type CaseStatus string

const (
	CaseOpen      CaseStatus = "open"
	CaseInReview  CaseStatus = "in_review" // claimed by, or assigned to, one reviewer
	CaseEscalated CaseStatus = "escalated" // waiting for a senior reviewer to claim it
	CaseClosed    CaseStatus = "closed"
)

// Label is the status as people say it.
func (s CaseStatus) Label() string {
	return strings.ToUpper(string(s[:1])) + strings.ReplaceAll(string(s[1:]), "_", " ")
}

// Disposition is how a case was closed.
type Disposition string

const (
	Approved Disposition = "approved" // the event was genuine: it goes on
	Declined Disposition = "declined" // fraud: the payment is refunded or canceled, the transfer stopped
)

// Reason codes each disposition and escalation takes.
var ReasonCodes = map[string][]string{
	string(Approved): {"verified_with_customer", "known_good_customer", "rule_false_positive"},
	string(Declined): {"stolen_card", "card_testing", "account_takeover", "synthetic_identity", "unauthorized_debit", "blocked_identifier"},
	"escalate":       {"needs_senior_review", "needs_customer_contact", "possible_fraud_ring"},
}

// BlockedByRules is the reason of a case the rules closed by blocking its
// event; no reviewer picks it.
const BlockedByRules = "blocked_by_rules"

// ValidReason reports whether code is one of what's.
func ValidReason(what, code string) bool { return slices.Contains(ReasonCodes[what], code) }

// ReasonLabel is a code as people say it.
func ReasonLabel(code string) string {
	s := strings.ReplaceAll(code, "_", " ")
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// SLA is how long a case of each level may wait for a decision.
var SLA = map[Level]time.Duration{Critical: time.Hour, High: 4 * time.Hour, Medium: 24 * time.Hour, Low: 72 * time.Hour}

// Case is one review-queue item: a decision of review or block.
type Case struct {
	ID          int64
	DecisionID  int64
	Subject     string // "type:ref" of the event
	Customer    string
	Amount      money.Amount
	Score       int
	Level       Level
	Verdict     Verdict // what the engine decided: review, or block (stopped at once)
	Status      CaseStatus
	Assignee    string
	ClaimedAt   time.Time
	OpenedAt    time.Time
	DueAt       time.Time
	Disposition Disposition
	ReasonCode  string
	DecidedBy   string
	DecidedAt   time.Time
	Effect      string // what stopping the event did, once done
	// The identifiers linked cases are found by.
	Card, Device, Account, Email string
}

// Rail is the event's type.
func (c Case) Rail() string { t, _, _ := strings.Cut(c.Subject, ":"); return t }

// Ref is the event's id.
func (c Case) Ref() string { _, r, _ := strings.Cut(c.Subject, ":"); return r }

// Stops reports whether a decline stops something (a rail the console runs).
func (c Case) Stops() bool {
	return slices.Contains([]string{RailPayment, RailACHTransfer, RailEscrowRelease}, c.Rail())
}

// Urgency colours a case: past due, within a fifth of its window, in time.
func (c Case) Urgency(now time.Time) string {
	switch {
	case c.Status == CaseClosed:
		return ""
	case now.After(c.DueAt):
		return "bad"
	case c.DueAt.Sub(now) < SLA[c.Level]/5:
		return "warn"
	}
	return "ok"
}

// CaseEvent is one line of a case's timeline; notes are events too.
type CaseEvent struct {
	At     time.Time
	Actor  string
	Action string // opened, claimed, assigned, released, note, escalated, decided, stopped
	Detail string
}

// CaseQuery selects the queue: highest score first, then oldest.
type CaseQuery struct {
	Status   CaseStatus // "" for every case not closed
	Assignee string
	Level    Level
	// After pages: the cases after this one in the queue's order.
	AfterScore int
	AfterID    int64
	Limit      int
}
