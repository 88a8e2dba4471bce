package fraud

import (
	"context"
	"time"
)

// Store keeps decisions, cases, rule versions, lists and labels; each
// method joins the transaction its ctx carries.
type Store interface {
	// Features reads what e's history says as of e.OccurredAt, and the
	// newest published rules version (so every instance sees a publication
	// on its next event).
	Features(ctx context.Context, e Event) (Features, int, error)
	// Record keeps d and, when open is set, opens its case, in one
	// statement; false when the event was decided already.
	Record(ctx context.Context, d *Decision, open *Case) (bool, error)
	DecisionByEvent(ctx context.Context, typ, ref string) (Decision, bool, error)
	Decision(ctx context.Context, id int64) (Decision, bool, error)
	// Decisions lists the decisions of [from, to] in id order, after id
	// after, for replays.
	Decisions(ctx context.Context, from, to time.Time, after int64, limit int) ([]Decision, error)
	// CustomerDecisions are a customer's latest decisions, newest first.
	CustomerDecisions(ctx context.Context, customer string, limit int) ([]Decision, error)
	// SetLabel labels an event's decision, unless a stronger source
	// labelled it already; false when there is no such decision.
	SetLabel(ctx context.Context, typ, ref string, l Label, source LabelSource) (bool, error)

	// TakeFeed removes the oldest item the rails queued, skipping those
	// another transaction holds.
	TakeFeed(ctx context.Context) (FeedItem, bool, error)
	// EventFor builds the event of a payment, transfer or release.
	EventFor(ctx context.Context, rail, ref string) (Event, bool, error)

	RuleSet(ctx context.Context, version int) (RuleSet, bool, error)
	Versions(ctx context.Context, limit int) ([]Version, error)
	InsertVersion(ctx context.Context, v *Version) error
	// Draft is the open draft, if any, locked when lock is set.
	Draft(ctx context.Context, lock bool) (Version, bool, error)
	UpdateVersion(ctx context.Context, v Version) error

	InsertCase(ctx context.Context, c *Case) error
	Case(ctx context.Context, id int64, lock bool) (Case, bool, error)
	// ClaimNext claims the highest-risk unclaimed case, skipping those
	// another transaction is claiming; 0 when none is left.
	ClaimNext(ctx context.Context, who string, at time.Time) (int64, error)
	UpdateCase(ctx context.Context, c Case) error
	Cases(ctx context.Context, q CaseQuery) ([]Case, error)
	// Linked are the other cases sharing c's customer, card, device,
	// account or email, newest first.
	Linked(ctx context.Context, c Case, limit int) ([]Case, error)
	AddCaseEvent(ctx context.Context, caseID int64, e CaseEvent) error
	CaseEvents(ctx context.Context, caseID int64) ([]CaseEvent, error)
	QueueSummary(ctx context.Context, who string) (QueueSummary, error)

	ListEntries(ctx context.Context, after int64, limit int) ([]ListEntry, error)
	AddListEntry(ctx context.Context, e *ListEntry) (bool, error)
	RemoveListEntry(ctx context.Context, id int64) (ListEntry, bool, error)

	Stats(ctx context.Context, from, to time.Time) (Stats, error)

	// Changed tells every instance's live pages that the queue moved.
	Changed(ctx context.Context, caseID int64) error
}

// Effects stop what a declined event asked for, through its own area:
// refund or cancel a payment, cancel a transfer, block a release. key makes
// a retry the same request; the result says what was done.
type Effects interface {
	Stop(ctx context.Context, rail, ref, key, reason string) (string, error)
}

// Jobs queues work in the caller's transaction.
type Jobs interface {
	// StopLater queues stopping the event of a case.
	StopLater(ctx context.Context, caseID int64) error
}

// FeedItem is what a rail queued in the transaction that changed it: a
// charge, transfer or release to score (Kind is its rail), or a dispute or
// return whose detail (reason, return code) may label a decision.
type FeedItem struct {
	Kind   string
	Ref    string
	Detail string
}

// Feed kinds besides the rails.
const (
	FeedDispute   = "dispute"
	FeedACHReturn = "ach_return"
)

// QueueSummary is what the queue's header counts, each up to SummaryCap
// (more reads as SummaryCap+1: the header says "10,000+").
type QueueSummary struct {
	Open, Escalated, Mine, Overdue int
}

// SummaryCap bounds each count, so the header costs the same however long
// the queue.
const SummaryCap = 10000

// ListEntry is one identifier on the block or allow list.
type ListEntry struct {
	ID      int64
	List    string // block or allow
	Key     Key
	Value   string
	Note    string
	AddedBy string
	AddedAt time.Time
}
