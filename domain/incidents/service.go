package incidents

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/pan"
)

// Service holds the incident use cases: reading them takes alerts.read,
// opening and running them alerts.manage.
type Service struct {
	Store      Store
	Tx         domain.Transactor
	Audit      *audit.Log
	Colleagues Colleague   // who may own an incident
	Alerts     AlertSource // the alerts incidents are opened from; nil: by hand only
	Now        func() time.Time
}

// Limits on what people type.
const (
	MaxTitle = 200
	MaxText  = 4000
	// MinText is the least a resolution summary, a review's findings or a
	// reason to reopen may say.
	MinText = 10
	// Page is how many incidents a list shows.
	Page = 50
	// maxUnacknowledged bounds the overview's list.
	maxUnacknowledged = 100
)

// now is to the microsecond, as the database keeps times: what a change
// returns is what a later read finds.
func (s *Service) now() time.Time {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	return now().UTC().Truncate(time.Microsecond)
}

func noIncident() error { return domain.Errorf(domain.ENOTFOUND, "There is no such incident.") }

// NewIncident is an incident as it is opened.
type NewIncident struct {
	Title    string
	Priority Priority
	Summary  string
	Owner    string // "" for whoever opens it
	AlertID  int64  // the alert it is opened from; 0 by hand
}

// FromAlert is the incident an alert suggests: its title, the priority
// of its severity, and the alert to link.
func (s *Service) FromAlert(ctx context.Context, alertID int64) (NewIncident, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermAlertsManage); err != nil {
		return NewIncident{}, err
	}
	title, severity, err := s.alert(ctx, alertID)
	if err != nil {
		return NewIncident{}, err
	}
	return NewIncident{Title: clip(title, MaxTitle), Priority: FromSeverity(severity), AlertID: alertID}, nil
}

func (s *Service) alert(ctx context.Context, id int64) (title, severity string, err error) {
	switch {
	case id <= 0:
		return "", "", domain.Errorf(domain.ENOTFOUND, "There is no such alert.")
	case s.Alerts == nil:
		return "", "", domain.Errorf(domain.EUNAVAILABLE, "Alerts cannot be read here: open the incident by hand and link the alert.")
	}
	title, severity, _, err = s.Alerts.AlertSummary(ctx, id)
	return title, severity, err
}

// Open opens an incident, by hand or from an alert (which it links). A
// person opening it has acknowledged it: the overview asks everyone else.
func (s *Service) Open(ctx context.Context, n NewIncident) (Incident, error) {
	who, ctx, err := identity.Authorize(ctx, identity.PermAlertsManage)
	if err != nil {
		return Incident{}, err
	}
	n.Title, n.Summary, n.Owner = strings.TrimSpace(n.Title), strings.TrimSpace(n.Summary), strings.TrimSpace(n.Owner)
	switch {
	case n.Title == "" || utf8.RuneCountInString(n.Title) > MaxTitle:
		return Incident{}, domain.Errorf(domain.EINVALID, "Give the incident a title of 1 to %d characters.", MaxTitle)
	case !n.Priority.Valid():
		return Incident{}, domain.Errorf(domain.EINVALID, "Choose the priority: P1 critical, P2 high, P3 medium or P4 low.")
	case utf8.RuneCountInString(n.Summary) > MaxText:
		return Incident{}, domain.Errorf(domain.EINVALID, "The summary is at most %d characters.", MaxText)
	}
	if err := noCardNumber(n.Title, n.Summary); err != nil {
		return Incident{}, err
	}
	me := who.Actor.ID
	if n.Owner == "" {
		n.Owner = me
	} else if err := s.mayOwn(ctx, n.Owner); err != nil {
		return Incident{}, err
	}
	opened := n.Priority.Label() + ": " + n.Title
	if n.AlertID != 0 {
		if _, _, err := s.alert(ctx, n.AlertID); err != nil {
			return Incident{}, err
		}
		opened += " (from alert #" + itoa(n.AlertID) + ")"
	}
	if n.Owner != me {
		opened += "; owner " + n.Owner
	}
	now := s.now()
	inc := Incident{Title: n.Title, Priority: n.Priority, Status: Open, Owner: n.Owner, OpenedBy: me, OpenedAt: now, Summary: n.Summary}
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.Insert(ctx, &inc); err != nil {
			return err
		}
		if err := s.Store.AddEvent(ctx, inc.ID, Event{At: now, Actor: me, Action: "opened", Detail: opened}); err != nil {
			return err
		}
		detail := map[string]string{"title": clip(inc.Title, 200), "priority": inc.Priority.Code(), "owner": inc.Owner}
		if n.AlertID != 0 {
			if _, err := s.Store.AddLink(ctx, inc.ID, Link{Kind: LinkAlert, Ref: n.AlertID, AddedBy: me, AddedAt: now}); err != nil {
				return err
			}
			detail["alert"] = itoa(n.AlertID)
		}
		if inc.Priority.Urgent() && who.Actor.Type == audit.ActorUser { // the console itself acknowledges nothing
			if _, err := s.Store.Acknowledge(ctx, inc.ID, me, now); err != nil {
				return err
			}
		}
		if err := s.record(ctx, audit.IncidentOpened, inc.ID, detail); err != nil {
			return err
		}
		return s.Store.Changed(ctx, inc.ID)
	})
	return inc, err
}

func (s *Service) record(ctx context.Context, action audit.Action, id int64, detail map[string]string) error {
	return s.Audit.Record(ctx, audit.Event{Action: action, Outcome: audit.Success,
		Target: audit.Target{Type: "incident", ID: itoa(id)}, Detail: detail})
}

// mayOwn refuses an owner who may not run incidents.
func (s *Service) mayOwn(ctx context.Context, username string) error {
	if len(username) > 64 {
		return domain.Errorf(domain.EINVALID, "Name the owner by username.")
	}
	ok, err := s.Colleagues.Holds(ctx, username, identity.PermAlertsManage)
	if err != nil {
		return err
	}
	if !ok {
		return domain.Errorf(domain.EINVALID, "%s cannot run incidents: the owner must be a compliance officer.", username)
	}
	return nil
}

// List lists incidents, active first, then by priority, then newest,
// with whether more follow.
func (s *Service) List(ctx context.Context, q Query) ([]Incident, bool, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermAlertsRead); err != nil {
		return nil, false, err
	}
	if q.Status != "" && !q.Status.Valid() {
		return nil, false, domain.Errorf(domain.EINVALID, "%q is not a status: choose open, investigating, contained, resolved or reviewed.", clip(string(q.Status), 32))
	}
	if q.Priority != "" && !q.Priority.Valid() {
		return nil, false, domain.Errorf(domain.EINVALID, "%q is not a priority: choose p1, p2, p3 or p4.", clip(string(q.Priority), 32))
	}
	if q.Limit <= 0 || q.Limit > Page {
		q.Limit = Page
	}
	want := q.Limit
	q.Limit++
	list, err := s.Store.List(ctx, q)
	if len(list) > want {
		return list[:want], true, err
	}
	return list, false, err
}

// Counts counts the active incidents by priority.
func (s *Service) Counts(ctx context.Context) (Counts, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermAlertsRead); err != nil {
		return nil, err
	}
	return s.Store.Counts(ctx)
}

// View is an incident with its timeline, links and acknowledgements.
type View struct {
	Incident         Incident
	Timeline         []Event // oldest first
	Links            []Link
	Acknowledgements []Acknowledgement
}

// Acknowledged reports whether username has acknowledged the incident.
func (v View) Acknowledged(username string) bool {
	return slices.ContainsFunc(v.Acknowledgements, func(a Acknowledgement) bool { return a.Username == username })
}

// View gathers an incident's page.
func (s *Service) View(ctx context.Context, id int64) (View, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermAlertsRead); err != nil {
		return View{}, err
	}
	var v View
	inc, found, err := s.Store.Incident(ctx, id, false)
	if err != nil || !found {
		if err == nil {
			err = noIncident()
		}
		return v, err
	}
	v.Incident = inc
	if v.Timeline, err = s.Store.Events(ctx, id); err != nil {
		return v, err
	}
	if v.Links, err = s.Store.Links(ctx, id); err != nil {
		return v, err
	}
	v.Acknowledgements, err = s.Store.Acknowledgements(ctx, id)
	return v, err
}

// Unacknowledged are the active P1 and P2 incidents the caller has not
// acknowledged, most urgent first: what their overview shows until they
// do.
func (s *Service) Unacknowledged(ctx context.Context) ([]Incident, error) {
	who, _, err := identity.Authorize(ctx, identity.PermAlertsManage)
	if err != nil {
		return nil, err
	}
	return s.Store.Unacknowledged(ctx, who.Actor.ID, maxUnacknowledged)
}

// step is what a change did: the timeline's event, the audit action
// (IncidentUpdated unless set), whether the incident's row changed, and
// whether there was nothing to do.
type step struct {
	event  Event
	action audit.Action
	update bool
	detail map[string]string
	none   bool
}

// change runs fn on incident id, locked, as someone who may run
// incidents, and records what it did on the timeline and in the audit
// trail, in one transaction.
func (s *Service) change(ctx context.Context, id int64, fn func(ctx context.Context, inc *Incident, me string) (step, error)) (Incident, error) {
	who, ctx, err := identity.Authorize(ctx, identity.PermAlertsManage)
	if err != nil {
		return Incident{}, err
	}
	var inc Incident
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		var found bool
		if inc, found, err = s.Store.Incident(ctx, id, true); err != nil || !found {
			if err == nil {
				err = noIncident()
			}
			return err
		}
		st, err := fn(ctx, &inc, who.Actor.ID)
		if err != nil || st.none {
			return err
		}
		if st.update {
			if err := s.Store.Update(ctx, inc); err != nil {
				return err
			}
		}
		st.event.At, st.event.Actor = s.now(), who.Actor.ID
		if err := s.Store.AddEvent(ctx, inc.ID, st.event); err != nil {
			return err
		}
		detail := map[string]string{"event": st.event.Action, "status": string(inc.Status), "priority": inc.Priority.Code()}
		for k, v := range st.detail {
			detail[k] = v
		}
		if st.action == "" {
			st.action = audit.IncidentUpdated
		}
		if err := s.record(ctx, st.action, inc.ID, detail); err != nil {
			return err
		}
		return s.Store.Changed(ctx, inc.ID)
	})
	return inc, err
}

func final(inc *Incident) error {
	if inc.Status == Reviewed {
		return domain.Errorf(domain.ECONFLICT, "This incident was reviewed on %s: it is closed for good.", inc.ReviewedAt.Format("2006-01-02"))
	}
	return nil
}

// SetStatus moves an incident on. Resolving takes the resolution
// summary, the review the findings and lessons, and reopening a resolved
// incident the reason; text is an optional note otherwise.
func (s *Service) SetStatus(ctx context.Context, id int64, to Status, text string) (Incident, error) {
	text = strings.TrimSpace(text)
	if !to.Valid() {
		return Incident{}, domain.Errorf(domain.EINVALID, "Choose the status to move the incident to.")
	}
	if utf8.RuneCountInString(text) > MaxText {
		return Incident{}, domain.Errorf(domain.EINVALID, "The text is at most %d characters.", MaxText)
	}
	if err := noCardNumber(text); err != nil {
		return Incident{}, err
	}
	return s.change(ctx, id, func(_ context.Context, inc *Incident, _ string) (step, error) {
		from := inc.Status
		if err := final(inc); err != nil {
			return step{}, err
		}
		if !from.CanMove(to) {
			return step{}, domain.Errorf(domain.ECONFLICT, "An incident that is %s cannot become %s: it can become %s.",
				from, to, orList(from.Next()))
		}
		reopen := from == Resolved && to == Investigating
		if need := map[Status]string{Resolved: "Give the resolution summary: what happened and what ended it",
			Reviewed: "Give the post-incident review's findings and lessons"}[to]; need != "" || reopen {
			if reopen {
				need = "Say why the incident is reopened"
			}
			if utf8.RuneCountInString(text) < MinText {
				return step{}, domain.Errorf(domain.EINVALID, "%s (at least %d characters).", need, MinText)
			}
		}
		now := s.now()
		inc.Status = to
		switch {
		case reopen:
			inc.ResolvedAt, inc.Resolution = time.Time{}, ""
		case to == Investigating && inc.InvestigatingAt.IsZero():
			inc.InvestigatingAt = now
		case to == Contained && inc.ContainedAt.IsZero():
			inc.ContainedAt = now
		case to == Resolved:
			inc.ResolvedAt, inc.Resolution = now, text
		case to == Reviewed:
			inc.ReviewedAt, inc.Review = now, text
		}
		detail := string(from) + " → " + string(to)
		if text != "" {
			detail += ": " + text
		}
		return step{event: Event{Action: "status", Detail: detail}, update: true, detail: map[string]string{"from": string(from)}}, nil
	})
}

// Assign makes a colleague who may run incidents the owner.
func (s *Service) Assign(ctx context.Context, id int64, username string) (Incident, error) {
	username = strings.TrimSpace(username)
	if username == "" {
		return Incident{}, domain.Errorf(domain.EINVALID, "Name the owner by username.")
	}
	return s.change(ctx, id, func(ctx context.Context, inc *Incident, _ string) (step, error) {
		if err := final(inc); err != nil {
			return step{}, err
		}
		if inc.Owner == username {
			return step{}, domain.Errorf(domain.ECONFLICT, "%s owns this incident already.", username)
		}
		if err := s.mayOwn(ctx, username); err != nil {
			return step{}, err
		}
		from := inc.Owner
		inc.Owner = username
		return step{event: Event{Action: "owner", Detail: from + " → " + username}, update: true, detail: map[string]string{"owner": username}}, nil
	})
}

// AddNote files a note on the timeline, of any incident.
func (s *Service) AddNote(ctx context.Context, id int64, body string) (Incident, error) {
	body = strings.TrimSpace(body)
	if body == "" || utf8.RuneCountInString(body) > MaxText {
		return Incident{}, domain.Errorf(domain.EINVALID, "A note is 1 to %d characters.", MaxText)
	}
	if err := noCardNumber(body); err != nil {
		return Incident{}, err
	}
	return s.change(ctx, id, func(context.Context, *Incident, string) (step, error) {
		return step{event: Event{Action: "note", Detail: body}}, nil
	})
}

// AddLink links an alert, a fraud case, a compliance case or an audit
// entry to any incident.
func (s *Service) AddLink(ctx context.Context, id int64, kind, ref string) (Incident, error) {
	l, err := ParseLink(kind, ref)
	if err != nil {
		return Incident{}, err
	}
	return s.change(ctx, id, func(ctx context.Context, inc *Incident, me string) (step, error) {
		l.AddedBy, l.AddedAt = me, s.now()
		added, err := s.Store.AddLink(ctx, inc.ID, l)
		if err != nil {
			return step{}, err
		}
		if !added {
			return step{}, domain.Errorf(domain.ECONFLICT, "The incident links to %s already.", l.Name())
		}
		return step{event: Event{Action: "link", Detail: l.Name()}, detail: map[string]string{"link": string(l.Kind), "ref": itoa(l.Ref)}}, nil
	})
}

// ParseLink reads a link as typed: its kind, and the number of what it
// links to ("12" or "#12").
func ParseLink(kind, ref string) (Link, error) {
	k := LinkKind(strings.TrimSpace(kind))
	if !slices.Contains(LinkKinds, k) {
		return Link{}, domain.Errorf(domain.EINVALID, "Choose what to link: an alert, a fraud case, a compliance case or an audit entry.")
	}
	r := strings.TrimPrefix(strings.TrimSpace(ref), "#")
	n, err := strconv.ParseInt(r, 10, 64)
	if r == "" || len(r) > 18 || strings.Trim(r, "0123456789") != "" || err != nil || n <= 0 {
		what := map[LinkKind]string{LinkAlert: "the alert's id", LinkFraudCase: "the fraud case's number",
			LinkCase: "the compliance case's number", LinkAudit: "the audit entry's sequence number"}[k]
		return Link{}, domain.Errorf(domain.EINVALID, "Give %s as a number, such as 42.", what)
	}
	return Link{Kind: k, Ref: n}, nil
}

// Acknowledge records that the caller knows of a P1 or P2 incident: it
// leaves their overview (and only theirs). Acknowledging twice does
// nothing more.
func (s *Service) Acknowledge(ctx context.Context, id int64) (Incident, error) {
	return s.change(ctx, id, func(ctx context.Context, inc *Incident, me string) (step, error) {
		switch {
		case !inc.Priority.Urgent():
			return step{}, domain.Errorf(domain.EINVALID, "Only P1 and P2 incidents are acknowledged; this one is %s.", inc.Priority.Code())
		case !inc.Status.Active():
			return step{}, domain.Errorf(domain.ECONFLICT, "This incident is %s: nothing waits for acknowledgement.", inc.Status)
		}
		added, err := s.Store.Acknowledge(ctx, inc.ID, me, s.now())
		if err != nil || !added {
			return step{none: true}, err
		}
		return step{event: Event{Action: "acknowledged"}, action: audit.IncidentAcknowledged}, nil
	})
}

// noCardNumber refuses text holding a card number: none is ever kept
// (PCI DSS 3.3).
func noCardNumber(texts ...string) error {
	for _, t := range texts {
		if _, found := pan.Find(t); found {
			return domain.Errorf(domain.EINVALID, "The text holds what looks like a card number: remove it (card numbers are never kept here).")
		}
	}
	return nil
}

func orList(ss []Status) string {
	words := make([]string, len(ss))
	for i, s := range ss {
		words[i] = string(s)
	}
	switch len(words) {
	case 0:
		return "nothing else"
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
