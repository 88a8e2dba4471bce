// Package cases is the compliance officer's inbox: one queue for sanctions
// hits, AML alerts and suspicious-activity reports. A case is claimed or
// assigned, annotated, given attachments, escalated, and decided with a
// reason; a SAR case carries its 30-day filing clock. What a decision
// does (whitelist a hit, block a party, open a SAR) belongs to the area
// that opened the case, reached through a Decider.
package cases

import (
	"slices"
	"strings"
	"time"
)

// Kind is what opened a case.
type Kind string

const (
	ScreeningHit Kind = "screening_hit" // a party matched a sanctions list
	AMLAlert     Kind = "aml_alert"     // a monitoring rule fired
	SAR          Kind = "sar"           // a suspicious-activity report to file
)

// Label is the kind as people say it.
func (k Kind) Label() string {
	return map[Kind]string{ScreeningHit: "Sanctions hit", AMLAlert: "AML alert", SAR: "SAR"}[k]
}

// Status is where a case stands.
type Status string

const (
	Open      Status = "open"
	InReview  Status = "in_review" // claimed or assigned
	Escalated Status = "escalated"
	Closed    Status = "closed"
)

// Statuses lists them in the queue's order.
var Statuses = []Status{Open, InReview, Escalated, Closed}

// Label is the status as people say it.
func (s Status) Label() string {
	return strings.ToUpper(string(s[:1])) + strings.ReplaceAll(string(s[1:]), "_", " ")
}

// Decision is how a case was closed. Each kind allows its own.
type Decision string

const (
	FalsePositive Decision = "false_positive" // screening: not this person; whitelist the pair
	TrueMatch     Decision = "true_match"     // screening: block the party, open a SAR case
	NoAction      Decision = "no_action"      // AML: explained activity
	Suspicious    Decision = "suspicious"     // AML: open a SAR case
	Filed         Decision = "filed"          // SAR: filed with FinCEN, reference given
	NotFiled      Decision = "not_filed"      // SAR: decided not to file, reason given
)

// Decisions are what each kind may be decided as.
var Decisions = map[Kind][]Decision{
	ScreeningHit: {FalsePositive, TrueMatch},
	AMLAlert:     {NoAction, Suspicious},
	SAR:          {Filed, NotFiled},
}

// Label is the decision as people say it.
func (d Decision) Label() string { return Status(d).Label() }

// SLA is how long a new case may wait for a decision: a held payment waits
// on a sanctions hit, so those are the most urgent.
var SLA = map[Kind]time.Duration{
	ScreeningHit: 24 * time.Hour,
	AMLAlert:     5 * 24 * time.Hour,
	SAR:          SARFilingWindow,
}

// SARFilingWindow is the time from detection to filing a suspicious
// activity report (31 CFR 1020.320(b)(3): 30 calendar days).
const SARFilingWindow = 30 * 24 * time.Hour

// SARDue is when a SAR detected at detected must be filed: 30 calendar
// days later, to the end of that day in UTC.
func SARDue(detected time.Time) time.Time {
	d := detected.UTC().AddDate(0, 0, 30)
	return time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, time.UTC)
}

// Case is one item of the queue.
type Case struct {
	ID          int64
	Kind        Kind
	Status      Status
	Subject     string // the party it concerns, as "kind:ref"
	SubjectName string
	Title       string
	Summary     string
	Assignee    string // username; "" while unclaimed
	OpenedAt    time.Time
	DueAt       time.Time // the SLA's deadline (a SAR's filing deadline)
	Decision    Decision
	Reason      string
	ClosedAt    time.Time
	ClosedBy    string
	ParentID    int64 // the case a SAR came out of
}

// Urgency colours a case in the queue: past due, due within a fifth of
// its window, or in time.
func (c Case) Urgency(now time.Time) string {
	switch {
	case c.Status == Closed:
		return ""
	case now.After(c.DueAt):
		return "bad"
	case c.DueAt.Sub(now) < SLA[c.Kind]/5:
		return "warn"
	}
	return "ok"
}

// Note is a remark on a case.
type Note struct {
	ID     int64
	CaseID int64
	Author string
	Body   string
	At     time.Time
}

// Attachment is a document filed with a case (a statement, an ID scan).
type Attachment struct {
	ID          int64
	CaseID      int64
	Name        string
	ContentType string
	Size        int64
	SHA256      string
	By          string
	At          time.Time
}

// Event is one line of a case's timeline.
type Event struct {
	At     time.Time
	Actor  string
	Action string // opened, claimed, assigned, note, attachment, escalated, decided
	Detail string
}

// Valid reports whether d is one of the kind's decisions.
func (k Kind) Valid(d Decision) bool { return slices.Contains(Decisions[k], d) }
