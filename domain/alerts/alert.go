// Package alerts is the security alert centre: what the rules over the
// audit trail and the areas' evidence raise (failed sign-ins, lockouts,
// audit integrity, critical fraud decisions, unauthorized-debit returns,
// sanctions list failures), and what an area raises itself (a PCI check
// turning fail). An alert is acknowledged and resolved with a note by a
// compliance officer, and delivered to a signed outbound webhook.
// Raising the same dedup key again, while the alert is not resolved,
// bumps it rather than opening a second one.
package alerts

import (
	"strings"
	"time"
)

// Severity is how urgent an alert is.
type Severity string

const (
	Critical Severity = "critical" // act now: evidence may be lost or money is moving wrongly
	Warning  Severity = "warning"  // look today
	Info     Severity = "info"     // for the record
)

// Severities lists them, most urgent first.
var Severities = []Severity{Critical, Warning, Info}

// Valid reports whether s is one of Severities.
func (s Severity) Valid() bool { return s == Critical || s == Warning || s == Info }

// Label is the severity as people say it.
func (s Severity) Label() string { return label(string(s)) }

// Status is where an alert stands.
type Status string

const (
	Open         Status = "open"
	Acknowledged Status = "acknowledged" // someone is on it
	Resolved     Status = "resolved"     // closed with a note; final
)

// Statuses lists them in the centre's order.
var Statuses = []Status{Open, Acknowledged, Resolved}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool { return s == Open || s == Acknowledged || s == Resolved }

// Label is the status as people say it.
func (s Status) Label() string { return label(string(s)) }

func label(s string) string {
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Alert is one raised alert and what was done about it.
type Alert struct {
	ID       int64
	Rule     string // what raised it: one of the rules here, or an area's own (pci.check_failed)
	Severity Severity
	Title    string
	Detail   string // the latest occurrence's
	Source   string // the area or system it concerns
	Link     string // a console path to the evidence
	DedupKey string // "" for none: every raise is a new alert
	Status   Status
	Count    int // occurrences while not resolved
	// FirstSeen is when it was raised, LastSeen its latest occurrence.
	FirstSeen, LastSeen time.Time

	AcknowledgedBy string
	AcknowledgedAt time.Time
	ResolvedBy     string
	ResolvedAt     time.Time
	Resolution     string // the resolver's note
}

// New is what a rule or an area raises.
type New struct {
	Rule                                  string
	Severity                              Severity
	Title, Detail, Source, Link, DedupKey string
}

// Query selects alerts for the centre: open first, then acknowledged,
// then resolved; critical first within each; newest first within those.
type Query struct {
	Status   Status   // "" for every status
	Severity Severity // "" for every severity
	// After pages: the alerts after this one in the centre's order.
	After *Alert
	Limit int
}

// Summary counts the alerts not resolved, each up to SummaryCap (more
// reads as SummaryCap+1).
type Summary struct {
	Open, Acknowledged map[Severity]int
}

// SummaryCap bounds each count, so the summary costs the same however
// many alerts wait.
const SummaryCap = 10000

// Limits on what an alert and a resolution hold.
const (
	MaxTitle  = 200
	MaxDetail = 2000
	MinNote   = 10
	MaxNote   = 1000
	maxField  = 200
	PageSize  = 50
)
