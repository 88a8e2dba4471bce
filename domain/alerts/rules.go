package alerts

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/fraud"
)

// The rules' names: each alert's Rule, and each cursor's.
const (
	RuleFailedSignIns   = "auth.failed_signins"
	RuleLockout         = "auth.account_locked"
	RuleAuditIntegrity  = "audit.integrity"
	RuleCriticalFraud   = "fraud.critical_decision"
	RuleUnauthorizedACH = "ach.unauthorized_return"
	RuleListLoad        = "screening.list_load_failed"
)

// RuleNames lists the rules in the order they are evaluated.
var RuleNames = []string{RuleFailedSignIns, RuleLockout, RuleAuditIntegrity, RuleCriticalFraud, RuleUnauthorizedACH, RuleListLoad}

// Defaults of the rules.
const (
	// SignInWindow is the failed sign-in rule's window.
	SignInWindow = 15 * time.Minute
	// DefaultFailedSignIns is how many failed sign-ins a window may hold
	// before it is alerted.
	DefaultFailedSignIns = 20
	// sequencingGrace is how long after a window ends its audit entries
	// may still be arriving (chained after commit by the sequencer).
	sequencingGrace = 2 * time.Minute
	// settle is how long a row's transaction may take to commit after the
	// time it carries: a rule keeps the ids of what it raised above the
	// settled part of its source, so a row with a lower id committing
	// late is still raised, and once.
	settle = 10 * time.Minute
	// firstLookback is how far back a rule's first evaluation looks, so
	// that a new installation is not flooded with its history's alerts.
	firstLookback = time.Hour
	// maxLookback bounds the failed sign-in rule's reading after a long
	// outage.
	maxLookback = 24 * time.Hour
	batch       = 500
)

// Cursor is where a rule has read its source up to: Position in the
// rule's unit (an audit sequence number, a row id, a window's start in
// Unix seconds), Seen the rows above it already raised, and Since the
// time before which every row has been read (zero until the first
// evaluation).
type Cursor struct {
	Rule        string
	Position    int64
	Seen        []int64
	Since       time.Time
	EvaluatedAt time.Time
}

// Rules evaluates the alert rules: each in its own transaction, with its
// cursor locked, raising what it found and moving its cursor in that
// transaction, so that instances take turns and nothing is raised twice
// or missed across restarts.
type Rules struct {
	Alerts  *Service
	Sources Sources
	// FailedSignIns is how many failed sign-ins one window may hold
	// without an alert (DefaultFailedSignIns when 0).
	FailedSignIns int
}

type rule func(ctx context.Context, c *Cursor, now time.Time) ([]New, error)

func (r *Rules) rules() map[string]rule {
	return map[string]rule{
		RuleFailedSignIns: r.failedSignIns, RuleLockout: r.lockouts, RuleAuditIntegrity: r.auditIntegrity,
		RuleCriticalFraud: r.criticalFraud, RuleUnauthorizedACH: r.unauthorizedReturns, RuleListLoad: r.listLoads,
	}
}

// Evaluate runs every rule once and returns how many alerts were raised
// (new ones, not bumps). A rule that fails does not stop the others; the
// errors are returned together.
func (r *Rules) Evaluate(ctx context.Context) (int, error) {
	ctx = audit.WithActor(ctx, audit.System)
	rules := r.rules()
	raised := 0
	var errs []error
	for _, name := range RuleNames {
		n, err := r.evaluate(ctx, name, rules[name])
		raised += n
		if err != nil {
			errs = append(errs, fmt.Errorf("alert rule %s: %w", name, err))
		}
	}
	return raised, errors.Join(errs...)
}

func (r *Rules) evaluate(ctx context.Context, name string, fn rule) (int, error) {
	s := r.Alerts
	raised := 0
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		raised = 0
		c, err := s.Store.Cursor(ctx, name)
		if err != nil {
			return err
		}
		now := s.now()
		found, err := fn(ctx, &c, now)
		if err != nil {
			return err
		}
		for _, n := range found {
			n.Rule = name
			_, created, err := s.Raise(ctx, n)
			if err != nil {
				return err
			}
			if created {
				raised++
			}
		}
		c.EvaluatedAt = now
		return s.Store.SaveCursor(ctx, c)
	})
	return raised, err
}

// since is how far back a rule reads rows after its position: on its
// first evaluation the last hour only, so that a new installation is not
// flooded with its history's alerts.
func (c *Cursor) since(now time.Time) time.Time {
	if c.Since.IsZero() {
		c.Since = now.Add(-firstLookback)
	}
	return c.Since
}

// unraised returns the rows of list (read after c.Position and c.Since,
// in id order, at most batch) not raised yet, and moves c: its position
// past the rows whose transactions have surely committed (older than
// settle), its seen set to the rest and, when the batch held everything,
// its since to settle ago.
func unraised[T any](c *Cursor, list []T, now time.Time, key func(T) (int64, time.Time)) []T {
	seen := map[int64]bool{}
	for _, id := range c.Seen {
		seen[id] = true
	}
	var fresh []T
	settled, moving := now.Add(-settle), true
	for _, row := range list {
		id, at := key(row)
		if !seen[id] {
			fresh = append(fresh, row)
		}
		if moving && !at.After(settled) {
			c.Position = id
		} else {
			moving = false
		}
	}
	c.Seen = c.Seen[:0]
	for _, row := range list {
		if id, _ := key(row); id > c.Position {
			c.Seen = append(c.Seen, id)
		}
	}
	if len(list) < batch {
		c.Since = maxTime(c.Since, settled)
	}
	return fresh
}

// failedSignIns raises a warning for each window of SignInWindow holding
// more failed sign-ins than the threshold. The cursor is the start of the
// first window still filling (windows are read again until they are
// over, with time for their entries to be chained); seen are the windows
// from there on already raised.
func (r *Rules) failedSignIns(ctx context.Context, c *Cursor, now time.Time) ([]New, error) {
	over := r.FailedSignIns
	if over <= 0 {
		over = DefaultFailedSignIns
	}
	from := time.Unix(c.Position, 0).UTC()
	if c.Position == 0 {
		from = now.Add(-SignInWindow)
	}
	from = maxTime(from, now.Add(-maxLookback)).Truncate(SignInWindow)
	windows, err := r.Sources.FailedSignIns(ctx, from, SignInWindow, over)
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	for _, s := range c.Seen {
		seen[s] = true
	}
	var found []New
	for _, w := range windows {
		if seen[w.Start.Unix()] {
			continue
		}
		seen[w.Start.Unix()] = true
		end := w.Start.Add(SignInWindow)
		found = append(found, New{Severity: Warning, Source: "identity",
			Title: strconv.Itoa(w.Failed) + " failed sign-ins in 15 minutes",
			Detail: fmt.Sprintf("%d failed sign-ins (passwords and codes) for %d accounts or usernames between %s and %s UTC, more than the %d allowed in 15 minutes: someone may be guessing passwords.",
				w.Failed, w.Users, w.Start.Format("2006-01-02 15:04"), end.Format("15:04"), over),
			Link:     "/audit?outcome=failure&from=" + w.Start.Format(auditFilterTime) + "&to=" + end.Format(auditFilterTime),
			DedupKey: RuleFailedSignIns + ":" + w.Start.Format(time.RFC3339)})
	}
	c.Position = maxTime(now.Add(-sequencingGrace).Truncate(SignInWindow), from).Unix()
	c.Seen = c.Seen[:0]
	for _, s := range slices.Sorted(maps.Keys(seen)) {
		if s >= c.Position {
			c.Seen = append(c.Seen, s)
		}
	}
	return found, nil
}

// auditFilterTime is how the audit log's filter takes times.
const auditFilterTime = "2006-01-02T15:04"

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// lockouts raises a warning for each account lockout, one alert per
// account while it is not resolved. The cursor is the audit sequence
// number: the sequencer numbers entries in commit order, so nothing is
// chained behind it later; a batch that held everything up to the chain's
// head moves it there.
func (r *Rules) lockouts(ctx context.Context, c *Cursor, now time.Time) ([]New, error) {
	var from time.Time
	if c.Since.IsZero() { // the first evaluation: the last hour only
		from = c.since(now)
	}
	list, head, err := r.Sources.Lockouts(ctx, c.Position, from, batch)
	if err != nil {
		return nil, err
	}
	var found []New
	for _, l := range list {
		found = append(found, New{Severity: Warning, Source: "identity", Title: "Account " + l.Username + " locked",
			Detail: fmt.Sprintf("%s was locked after %s failed attempts, until %s: check with them, and look for other accounts tried from the same place.",
				l.Username, orUnknown(l.Attempts), orUnknown(l.Until)),
			Link: "/audit/entries/" + strconv.FormatInt(l.Seq, 10), DedupKey: RuleLockout + ":" + l.Username})
		c.Position = l.Seq
	}
	if len(list) < batch {
		c.Position = max(c.Position, head)
	}
	return found, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "an unknown number of"
	}
	return s
}

// auditIntegrity raises a critical alert when the latest verification of
// the audit chain failed, one per first break while not resolved. The
// cursor is the verification's id: each verification is judged once.
func (r *Rules) auditIntegrity(ctx context.Context, c *Cursor, _ time.Time) ([]New, error) {
	v, found, err := r.Sources.LatestVerification(ctx)
	if err != nil || !found || v.ID <= c.Position {
		return nil, err
	}
	c.Position = v.ID
	if v.OK {
		return nil, nil
	}
	return []New{{Severity: Critical, Source: "audit",
		Title: "Audit trail integrity check failed",
		Detail: fmt.Sprintf("The verification at %s UTC over %d entries found the chain broken: %s. Entries may have been altered or removed: preserve the database and the signed checkpoints, and investigate.",
			v.At.UTC().Format("2006-01-02 15:04"), v.Entries, v.FirstBreak),
		Link:     "/audit?action=" + string(audit.AuditVerified) + "&outcome=failure",
		DedupKey: RuleAuditIntegrity + ":" + truncate(v.FirstBreak, 150)}}, nil
}

// criticalFraud raises a warning for each critical fraud decision, one
// per customer and hour while not resolved.
func (r *Rules) criticalFraud(ctx context.Context, c *Cursor, now time.Time) ([]New, error) {
	list, err := r.Sources.CriticalDecisions(ctx, c.Position, c.since(now), batch)
	if err != nil {
		return nil, err
	}
	var found []New
	for _, d := range unraised(c, list, now, func(d FraudDecision) (int64, time.Time) { return d.ID, d.At }) {
		link := "/fraud"
		if d.CaseID > 0 {
			link = "/fraud/cases/" + strconv.FormatInt(d.CaseID, 10)
		}
		found = append(found, New{Severity: Warning, Source: "fraud", Title: "Critical fraud decision for customer " + d.Customer,
			Detail: fmt.Sprintf("%s scored %d (critical) and was decided %s at %s UTC.", d.Subject, d.Score, d.Verdict,
				d.At.UTC().Format("2006-01-02 15:04")),
			Link: link, DedupKey: RuleCriticalFraud + ":" + d.Customer + ":" + d.At.UTC().Truncate(time.Hour).Format(time.RFC3339)})
	}
	return found, nil
}

// unauthorizedReturns raises a warning for each debit returned as
// unauthorized, one per transfer.
func (r *Rules) unauthorizedReturns(ctx context.Context, c *Cursor, now time.Time) ([]New, error) {
	list, err := r.Sources.DebitReturns(ctx, slices.Sorted(maps.Keys(fraud.UnauthorizedReturns)), c.Position, c.since(now), batch)
	if err != nil {
		return nil, err
	}
	var found []New
	for _, d := range unraised(c, list, now, func(d DebitReturn) (int64, time.Time) { return d.ID, d.At }) {
		found = append(found, New{Severity: Warning, Source: "ach",
			Title: "Unauthorized debit returned: " + d.Code + " on " + d.Transfer,
			Detail: fmt.Sprintf("The bank returned the debit %s of $%d.%02d from customer %s with %s (%s): the account holder says it was not authorized.",
				d.Transfer, d.Amount/100, d.Amount%100, d.Customer, d.Code, d.Reason),
			Link: "/ach/transfers/" + d.Transfer, DedupKey: RuleUnauthorizedACH + ":" + d.Transfer})
	}
	return found, nil
}

// listLoads raises a critical alert for each refused sanctions list load,
// one per source while not resolved: screening runs on the older list
// meanwhile.
func (r *Rules) listLoads(ctx context.Context, c *Cursor, now time.Time) ([]New, error) {
	list, err := r.Sources.LoadFailures(ctx, c.Position, c.since(now), batch)
	if err != nil {
		return nil, err
	}
	var found []New
	for _, f := range unraised(c, list, now, func(f LoadFailure) (int64, time.Time) { return f.ID, f.At }) {
		found = append(found, New{Severity: Critical, Source: "screening", Title: "Sanctions list load refused",
			Detail: fmt.Sprintf("Loading the lists from %s was refused at %s UTC: %s. Screening goes on against the active version, which may be out of date.",
				f.Source, f.At.UTC().Format("2006-01-02 15:04"), f.Reason),
			Link: "/screening", DedupKey: RuleListLoad + ":" + truncate(f.Source, 150)})
	}
	return found, nil
}
