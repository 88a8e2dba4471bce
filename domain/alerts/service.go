package alerts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
)

// Service holds the alert centre's use cases.
type Service struct {
	Store Store
	Tx    domain.Transactor
	Audit *audit.Log
	Jobs  Jobs
	// Webhook receives each new alert; nil when none is configured (no
	// delivery is queued then).
	Webhook Webhook
	Now     func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Raise raises an alert, inside the caller's transaction when ctx carries
// one: an area raises alerts from its own work, so no permission of the
// caller's is needed. An alert not resolved with the same DedupKey is
// bumped (its count and last seen, with this occurrence's detail and
// link) instead; the bool says whether the alert is new. A new alert is
// recorded in the audit trail and its delivery to the webhook queued, in
// the same transaction.
func (s *Service) Raise(ctx context.Context, n New) (Alert, bool, error) {
	a, err := n.alert(s.now())
	if err != nil {
		return a, false, err
	}
	if actor, ok := audit.ActorFrom(ctx); !ok || actor.ID == "" {
		ctx = audit.WithActor(ctx, audit.System)
	}
	var created bool
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		if created, err = s.Store.Raise(ctx, &a); err != nil {
			return err
		}
		if err := s.Store.Changed(ctx, a.ID); err != nil || !created {
			return err
		}
		if err := s.record(ctx, audit.AlertRaised, audit.Success, a, map[string]string{
			"rule": a.Rule, "severity": string(a.Severity), "title": truncate(a.Title, 200), "dedup": truncate(a.DedupKey, 200)}); err != nil {
			return err
		}
		if s.Webhook == nil {
			return nil
		}
		return s.Jobs.DeliverLater(ctx, a.ID)
	})
	return a, created, err
}

// alert checks n and makes the alert it raises at now.
func (n New) alert(now time.Time) (Alert, error) {
	a := Alert{Rule: strings.TrimSpace(n.Rule), Severity: n.Severity, Title: truncate(strings.TrimSpace(n.Title), MaxTitle),
		Detail: truncate(strings.TrimSpace(n.Detail), MaxDetail), Source: strings.TrimSpace(n.Source), Link: n.Link,
		DedupKey: n.DedupKey, Status: Open, Count: 1, FirstSeen: now, LastSeen: now}
	if len(a.DedupKey) > maxField { // what it names may be long (a customer's reference): its hash keeps it apart
		sum := sha256.Sum256([]byte(a.DedupKey))
		a.DedupKey = a.DedupKey[:maxField-65] + ":" + hex.EncodeToString(sum[:])
	}
	switch {
	case a.Rule == "" || len(a.Rule) > 64:
		return a, domain.Errorf(domain.EINVALID, "An alert names the rule that raised it, in at most 64 characters.")
	case !a.Severity.Valid():
		return a, domain.Errorf(domain.EINVALID, "%q is not a severity: critical, warning or info.", a.Severity)
	case a.Title == "":
		return a, domain.Errorf(domain.EINVALID, "An alert has a title.")
	case len(a.Source) > maxField || len(a.Link) > maxField:
		return a, domain.Errorf(domain.EINVALID, "An alert's source and link are at most %d characters.", maxField)
	case a.Link != "" && !ConsolePath(a.Link):
		return a, domain.Errorf(domain.EINVALID, "An alert's link is a path in the console (/audit, say), not %q.", a.Link)
	}
	return a, nil
}

// ConsolePath reports whether link is a path on this console: it starts
// with one slash, and is neither another host (//host) nor a script.
func ConsolePath(link string) bool {
	return strings.HasPrefix(link, "/") && !strings.HasPrefix(link, "//") && !strings.HasPrefix(link, "/\\") &&
		!strings.ContainsAny(link, " \t\r\n\\")
}

func (s *Service) record(ctx context.Context, action audit.Action, outcome audit.Outcome, a Alert, detail map[string]string) error {
	return s.Audit.Record(ctx, audit.Event{Action: action, Outcome: outcome,
		Target: audit.Target{Type: "alert", ID: strconv.FormatInt(a.ID, 10)}, Detail: detail})
}

func notFound() error { return domain.Errorf(domain.ENOTFOUND, "There is no such alert.") }

// Get returns one alert.
func (s *Service) Get(ctx context.Context, id int64) (Alert, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermAlertsRead); err != nil {
		return Alert{}, err
	}
	a, found, err := s.Store.Alert(ctx, id, false)
	if err == nil && !found {
		err = notFound()
	}
	return a, err
}

// List returns a page of alerts in the centre's order, and whether more
// follow.
func (s *Service) List(ctx context.Context, q Query) ([]Alert, bool, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermAlertsRead); err != nil {
		return nil, false, err
	}
	switch {
	case q.Status != "" && !q.Status.Valid():
		return nil, false, domain.Errorf(domain.EINVALID, "%q is not a status: choose open, acknowledged or resolved.", q.Status)
	case q.Severity != "" && !q.Severity.Valid():
		return nil, false, domain.Errorf(domain.EINVALID, "%q is not a severity: choose critical, warning or info.", q.Severity)
	}
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = PageSize
	}
	limit := q.Limit
	q.Limit++
	list, err := s.Store.List(ctx, q)
	if err != nil || len(list) <= limit {
		return list, false, err
	}
	return list[:limit], true, nil
}

// Summary counts the alerts not resolved, by status and severity.
func (s *Service) Summary(ctx context.Context) (Summary, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermAlertsRead); err != nil {
		return Summary{}, err
	}
	return s.Store.Summary(ctx)
}

// Acknowledge says the caller is on the alert.
func (s *Service) Acknowledge(ctx context.Context, id int64) (Alert, error) {
	return s.change(ctx, id, func(a *Alert, who string, now time.Time) (audit.Action, map[string]string, error) {
		if a.Status == Acknowledged {
			return "", nil, domain.Errorf(domain.ECONFLICT, "%s acknowledged this alert already, at %s UTC.", a.AcknowledgedBy,
				a.AcknowledgedAt.Format("2006-01-02 15:04"))
		}
		a.Status, a.AcknowledgedBy, a.AcknowledgedAt = Acknowledged, who, now
		return audit.AlertAcknowledged, nil, nil
	})
}

// Resolve closes the alert with a note saying what was found and done; a
// resolved alert is final.
func (s *Service) Resolve(ctx context.Context, id int64, note string) (Alert, error) {
	note = strings.TrimSpace(note)
	if err := ValidNote(note); err != nil {
		return Alert{}, err
	}
	return s.change(ctx, id, func(a *Alert, who string, now time.Time) (audit.Action, map[string]string, error) {
		a.Status, a.ResolvedBy, a.ResolvedAt, a.Resolution = Resolved, who, now, note
		return audit.AlertResolved, map[string]string{"note": truncate(note, 200)}, nil
	})
}

// ValidNote checks a resolution's note.
func ValidNote(note string) error {
	if n := utf8.RuneCountInString(strings.TrimSpace(note)); n < MinNote || n > MaxNote {
		return domain.Errorf(domain.EINVALID, "Say what was found and done in %d to %d characters: it is the record of the resolution.",
			MinNote, MaxNote)
	}
	return nil
}

// change runs fn on alert id, locked, as someone who manages alerts, and
// records what it did; a resolved alert is refused.
func (s *Service) change(ctx context.Context, id int64, fn func(a *Alert, who string, now time.Time) (audit.Action, map[string]string, error)) (Alert, error) {
	who, ctx, err := identity.Authorize(ctx, identity.PermAlertsManage)
	if err != nil {
		return Alert{}, err
	}
	var a Alert
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		var found bool
		if a, found, err = s.Store.Alert(ctx, id, true); err != nil || !found {
			return errOr(err, notFound())
		}
		if a.Status == Resolved {
			return domain.Errorf(domain.ECONFLICT, "%s resolved this alert at %s UTC: a resolved alert is final.", a.ResolvedBy,
				a.ResolvedAt.Format("2006-01-02 15:04"))
		}
		action, detail, err := fn(&a, who.Actor.ID, s.now())
		if err != nil {
			return err
		}
		if err := s.Store.Update(ctx, a); err != nil {
			return err
		}
		if err := s.Store.Changed(ctx, a.ID); err != nil {
			return err
		}
		if detail == nil {
			detail = map[string]string{}
		}
		detail["rule"], detail["severity"] = a.Rule, string(a.Severity)
		return s.record(ctx, action, audit.Success, a, detail)
	})
	return a, err
}

func errOr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// Deliver sends alert id to the webhook and records the outcome: a
// success at once, a failure once last is set (the queue's last attempt);
// before that the error is returned, for the queue to try again.
func (s *Service) Deliver(ctx context.Context, id int64, attempt int, last bool) error {
	if s.Webhook == nil {
		return nil
	}
	ctx = audit.WithActor(ctx, audit.System)
	a, found, err := s.Store.Alert(ctx, id, false)
	if err != nil || !found {
		return err // an alert is never deleted; nothing to send
	}
	sendErr := s.Webhook.Send(ctx, a)
	if sendErr != nil && !last {
		return sendErr
	}
	detail := map[string]string{"attempts": strconv.Itoa(attempt), "rule": a.Rule, "severity": string(a.Severity)}
	outcome := audit.Success
	if sendErr != nil {
		outcome, detail["error"] = audit.Failure, truncate(sendErr.Error(), 200)
	}
	if err := s.record(ctx, audit.AlertDelivered, outcome, a, detail); err != nil {
		return err
	}
	return sendErr
}

// LastEvaluated is when the rules last evaluated: the earliest of the
// rules' latest runs (zero until every rule has run once), so that one
// rule stuck shows.
func (s *Service) LastEvaluated(ctx context.Context) (time.Time, error) {
	at, err := s.Store.Evaluated(ctx)
	if err != nil {
		return time.Time{}, err
	}
	var earliest time.Time
	for _, r := range RuleNames {
		t, ok := at[r]
		if !ok {
			return time.Time{}, nil
		}
		if earliest.IsZero() || t.Before(earliest) {
			earliest = t
		}
	}
	return earliest, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
