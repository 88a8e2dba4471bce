package alerts

import (
	"context"
	"time"
)

// Store keeps alerts and the rules' cursors; each method joins the
// transaction its ctx carries.
type Store interface {
	// Raise inserts a as a new alert, or, when an alert not resolved has
	// its dedup key, bumps that one (count, last seen, detail and link) in
	// the same statement; a is then what is stored, and the bool says
	// whether it is new.
	Raise(ctx context.Context, a *Alert) (bool, error)
	Alert(ctx context.Context, id int64, lock bool) (Alert, bool, error)
	Update(ctx context.Context, a Alert) error
	List(ctx context.Context, q Query) ([]Alert, error)
	Summary(ctx context.Context) (Summary, error)
	// Changed tells every instance's alert centre that alert id changed.
	Changed(ctx context.Context, id int64) error

	// Cursor is a rule's cursor, locked until the transaction ends (made
	// at zero the first time), so that instances evaluate a rule in turn.
	Cursor(ctx context.Context, rule string) (Cursor, error)
	SaveCursor(ctx context.Context, c Cursor) error
	// Evaluated is when each rule last evaluated.
	Evaluated(ctx context.Context) (map[string]time.Time, error)
}

// Jobs queues work in the caller's transaction.
type Jobs interface {
	// DeliverLater queues sending alert id to the outbound webhook.
	DeliverLater(ctx context.Context, id int64) error
}

// Webhook sends an alert to the configured receiver, signed.
type Webhook interface {
	Send(ctx context.Context, a Alert) error
}

// Sources are what the rules read: the audit trail and the areas'
// evidence, each a bounded read after a rule's cursor.
type Sources interface {
	// FailedSignIns counts the failed sign-ins (password and code) in each
	// window of length window from `from` on, returning only the windows
	// with more than over, oldest first.
	FailedSignIns(ctx context.Context, from time.Time, window time.Duration, over int) ([]SignInCount, error)
	// Lockouts are the account lockouts in the audit trail after sequence
	// number after and at or after since, in sequence order, up to the
	// chain's head as the same read saw it, which it returns.
	Lockouts(ctx context.Context, after int64, since time.Time, limit int) ([]Lockout, int64, error)
	// LatestVerification is the audit chain's latest verification.
	LatestVerification(ctx context.Context) (Verification, bool, error)
	// CriticalDecisions are the fraud decisions of level critical after
	// id after and decided at or after since, in id order.
	CriticalDecisions(ctx context.Context, after int64, since time.Time, limit int) ([]FraudDecision, error)
	// DebitReturns are the returns of debits with one of codes after
	// return id after and received at or after since, in id order.
	DebitReturns(ctx context.Context, codes []string, after int64, since time.Time, limit int) ([]DebitReturn, error)
	// LoadFailures are the refused sanctions list loads after id after and
	// at or after since, in id order.
	LoadFailures(ctx context.Context, after int64, since time.Time, limit int) ([]LoadFailure, error)
}

// SignInCount is a window's count of failed sign-ins.
type SignInCount struct {
	Start  time.Time
	Failed int
	Users  int // distinct accounts (or unknown usernames) tried
}

// Lockout is an account locked after failed attempts.
type Lockout struct {
	Seq      int64
	At       time.Time
	Username string
	Until    string
	Attempts string
}

// Verification is one verification of the audit chain.
type Verification struct {
	ID         int64
	At         time.Time
	OK         bool
	Entries    int64
	FirstBreak string
}

// FraudDecision is a critical fraud decision.
type FraudDecision struct {
	ID       int64
	At       time.Time
	Customer string
	Subject  string // type:ref of the event
	Score    int
	Verdict  string
	CaseID   int64 // 0 without a case
}

// DebitReturn is a debit the bank returned.
type DebitReturn struct {
	ID       int64 // the return's
	At       time.Time
	Transfer string // public id
	Customer string
	Code     string
	Reason   string
	Amount   int64 // cents
}

// LoadFailure is a refused sanctions list load.
type LoadFailure struct {
	ID     int64
	At     time.Time
	Source string
	Reason string
}
