// Package incidents is the security incident log: an incident is opened
// by hand or from an alert, given a priority (P1 critical to P4 low) with
// its response targets and an owner who may run incidents, worked through
// investigating and contained to resolved (with a resolution summary) and
// closed by its post-incident review (with the findings), with a timeline
// of every change and note and links to the alerts, fraud cases,
// compliance cases and audit entries it concerns. Every compliance officer
// acknowledges each critical and high incident for themselves: until they
// do, it waits on their overview.
package incidents

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Priority is how bad an incident is.
type Priority string

const (
	P1 Priority = "p1" // critical: card data or money at risk now
	P2 Priority = "p2" // high
	P3 Priority = "p3" // medium
	P4 Priority = "p4" // low
)

// Priorities lists them, most urgent first.
var Priorities = []Priority{P1, P2, P3, P4}

// Valid reports whether p is one of Priorities.
func (p Priority) Valid() bool { return slices.Contains(Priorities, p) }

// Code is the priority as people write it: "P1".
func (p Priority) Code() string { return strings.ToUpper(string(p)) }

// Label is the priority with its name: "P1 critical".
func (p Priority) Label() string {
	return p.Code() + " " + map[Priority]string{P1: "critical", P2: "high", P3: "medium", P4: "low"}[p]
}

// Urgent reports whether every compliance officer must acknowledge it.
func (p Priority) Urgent() bool { return p == P1 || p == P2 }

// Target is how soon an incident of a priority must be responded to
// (taken out of open) and resolved, counted from its opening.
type Target struct {
	Respond, Resolve time.Duration
}

// Targets are the response targets of each priority.
var Targets = map[Priority]Target{
	P1: {Respond: 15 * time.Minute, Resolve: 4 * time.Hour},
	P2: {Respond: time.Hour, Resolve: 24 * time.Hour},
	P3: {Respond: 8 * time.Hour, Resolve: 5 * 24 * time.Hour},
	P4: {Respond: 24 * time.Hour, Resolve: 30 * 24 * time.Hour},
}

// FromSeverity is the priority an alert of a severity opens with: the
// alert centre's critical, warning (look today) and info, and the usual
// high, medium and low.
func FromSeverity(severity string) Priority {
	switch strings.ToLower(strings.TrimSpace(severity)) {
	case "critical":
		return P1
	case "high":
		return P2
	case "low", "info":
		return P4
	}
	return P3 // warning, medium
}

// Status is where an incident stands.
type Status string

const (
	Open          Status = "open"
	Investigating Status = "investigating"
	Contained     Status = "contained" // the harm is stopped; the cause may not be fixed yet
	Resolved      Status = "resolved"  // fixed, with a resolution summary
	Reviewed      Status = "reviewed"  // the post-incident review is done: final
)

// Statuses lists them in their order.
var Statuses = []Status{Open, Investigating, Contained, Resolved, Reviewed}

// Label is the status as people say it.
func (s Status) Label() string {
	if s == "" {
		return ""
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Active reports whether the incident is still being worked.
func (s Status) Active() bool { return s == Open || s == Investigating || s == Contained }

// transitions are the moves allowed from each status. A resolved incident
// may be reopened (back to investigating) until it is reviewed; a
// reviewed one is final.
var transitions = map[Status][]Status{
	Open:          {Investigating, Contained, Resolved},
	Investigating: {Contained, Resolved},
	Contained:     {Investigating, Resolved},
	Resolved:      {Investigating, Reviewed},
}

// Next is what s may move to.
func (s Status) Next() []Status { return transitions[s] }

// CanMove reports whether an incident may go from s to to.
func (s Status) CanMove(to Status) bool { return slices.Contains(transitions[s], to) }

// Incident is one security incident.
type Incident struct {
	ID         int64
	Title      string
	Priority   Priority
	Status     Status
	Owner      string // a username holding alerts.manage
	OpenedBy   string
	OpenedAt   time.Time
	Summary    string // what is known, as opened
	Resolution string // the resolution summary, once resolved
	Review     string // the post-incident review's findings and lessons
	// When each status was first reached; ResolvedAt is the current
	// resolution's (a reopened incident has none).
	InvestigatingAt time.Time
	ContainedAt     time.Time
	ResolvedAt      time.Time
	ReviewedAt      time.Time
}

// RespondBy is when the incident must be out of open.
func (i Incident) RespondBy() time.Time { return i.OpenedAt.Add(Targets[i.Priority].Respond) }

// ResolveBy is when the incident must be resolved.
func (i Incident) ResolveBy() time.Time { return i.OpenedAt.Add(Targets[i.Priority].Resolve) }

// Due is the next deadline: responding while open, resolving while
// active; zero once resolved.
func (i Incident) Due() time.Time {
	switch {
	case i.Status == Open:
		return i.RespondBy()
	case i.Status.Active():
		return i.ResolveBy()
	}
	return time.Time{}
}

// Urgency colours an incident by its next deadline: past it, within a
// fifth of its window, in time; "" once resolved.
func (i Incident) Urgency(now time.Time) string {
	due := i.Due()
	if due.IsZero() {
		return ""
	}
	window := Targets[i.Priority].Resolve
	if i.Status == Open {
		window = Targets[i.Priority].Respond
	}
	switch {
	case now.After(due):
		return "bad"
	case due.Sub(now) < window/5:
		return "warn"
	}
	return "ok"
}

// Event is one line of an incident's timeline; notes are events too.
type Event struct {
	At     time.Time
	Actor  string
	Action string // opened, status, owner, note, link, acknowledged
	Detail string
}

// LinkKind is what an incident links to.
type LinkKind string

const (
	LinkAlert     LinkKind = "alert"      // a security alert, by id
	LinkFraudCase LinkKind = "fraud_case" // a fraud review case, by id
	LinkCase      LinkKind = "case"       // a compliance case, by id
	LinkAudit     LinkKind = "audit"      // an audit entry, by sequence number
)

// LinkKinds lists them in the order forms offer them.
var LinkKinds = []LinkKind{LinkAlert, LinkFraudCase, LinkCase, LinkAudit}

// Label is the kind as people say it.
func (k LinkKind) Label() string {
	return map[LinkKind]string{LinkAlert: "Alert", LinkFraudCase: "Fraud case", LinkCase: "Compliance case", LinkAudit: "Audit entry"}[k]
}

// Link is one thing an incident concerns.
type Link struct {
	Kind    LinkKind
	Ref     int64 // the alert, case or fraud case id, or the audit sequence number
	AddedBy string
	AddedAt time.Time
}

// URL is the linked thing's page in the console.
func (l Link) URL() string {
	ref := strconv.FormatInt(l.Ref, 10)
	switch l.Kind {
	case LinkAlert:
		return "/alerts#alert-" + ref
	case LinkFraudCase:
		return "/fraud/cases/" + ref
	case LinkCase:
		return "/cases/" + ref
	case LinkAudit:
		return "/audit/entries/" + ref
	}
	return ""
}

// Name is the linked thing as people say it: "Fraud case #12".
func (l Link) Name() string { return l.Kind.Label() + " #" + strconv.FormatInt(l.Ref, 10) }

// Acknowledgement is one officer's acknowledgement of an incident.
type Acknowledgement struct {
	Username string
	At       time.Time
}

// Query selects incidents: active ones first, then by priority, then
// newest.
type Query struct {
	Status   Status // "" for any
	Active   bool   // only those not resolved or reviewed
	Priority Priority
	Owner    string
	After    int64 // page: the incidents listed after this one
	Limit    int
}

// Counts are the active incidents of each priority.
type Counts map[Priority]int
