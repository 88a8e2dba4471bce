package cases

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
)

// Store keeps cases, their notes, attachments and timelines; each method
// joins the transaction its ctx carries.
type Store interface {
	InsertCase(ctx context.Context, c *Case) error
	Case(ctx context.Context, id int64, forUpdate bool) (Case, bool, error)
	UpdateCase(ctx context.Context, c Case) error
	// OpenCase finds the case of kind about subject that is not closed.
	OpenCase(ctx context.Context, kind Kind, subject string) (Case, bool, error)
	ListCases(ctx context.Context, q Query) ([]Case, error)
	AddEvent(ctx context.Context, caseID int64, e Event) error
	Events(ctx context.Context, caseID int64) ([]Event, error)
	AddNote(ctx context.Context, n *Note) error
	Notes(ctx context.Context, caseID int64) ([]Note, error)
	AddAttachment(ctx context.Context, a *Attachment, data []byte) error
	Attachments(ctx context.Context, caseID int64) ([]Attachment, error)
	AttachmentData(ctx context.Context, caseID, id int64) (Attachment, []byte, bool, error)
	// Summary counts the cases not closed, and finds the SAR due first.
	Summary(ctx context.Context, now time.Time) (Summary, error)
}

// Summary is what waits in the queue, for the overview.
type Summary struct {
	Open    map[Kind]int // not closed, by kind
	Overdue int
	NextSAR *Case // the SAR to file first
}

// Decider makes a decision's effect, in the decision's transaction: the
// area that opens a kind of case knows what deciding it means.
type Decider interface {
	Decide(ctx context.Context, c Case, in DecisionInput) error
}

// DecisionInput is a decision with what it needs.
type DecisionInput struct {
	Decision  Decision
	Reason    string
	Until     time.Time // a false positive's whitelist lasts until then
	Reference string    // a filed SAR's BSA identifier
	// Reviewed names the evidence decided on (a sanctions hit's screening
	// result): a decision on what is no longer the latest is refused.
	Reviewed int64
}

// Query selects cases for the queue.
type Query struct {
	Status   Status // "" for all not closed
	Kind     Kind
	Assignee string
	After    int64 // page: the cases listed after this one
	Limit    int
}

// Service is the case queue.
type Service struct {
	Store    Store
	Tx       domain.Transactor
	Audit    *audit.Log
	Deciders map[Kind]Decider
	// Colleagues tells who may work cases: a case is assigned only to one.
	Colleagues interface {
		Holds(ctx context.Context, username string, p identity.Permission) (bool, error)
	}
	Now func() time.Time
}

// Limits on what people type into a case.
const (
	MaxNote        = 4000
	MinReason      = 10
	MaxReason      = 1000
	MaxAttachment  = 5 << 20
	maxAttachments = 50
)

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Open files a new case, inside the caller's transaction: the area that
// found something opens its case (no permission of the caller's is needed:
// a transfer's screening opens a hit whoever created the transfer).
func (s *Service) Open(ctx context.Context, c Case) (Case, error) {
	now := s.now()
	c.Status, c.OpenedAt = Open, now
	if c.DueAt.IsZero() {
		c.DueAt = now.Add(SLA[c.Kind])
	}
	if err := s.Store.InsertCase(ctx, &c); err != nil {
		return c, err
	}
	return c, s.Store.AddEvent(ctx, c.ID, Event{At: now, Actor: actorOf(ctx), Action: "opened", Detail: c.Title})
}

// Event adds to an open case's timeline what its area saw (a screening
// that found something else), in the caller's transaction.
func (s *Service) Event(ctx context.Context, id int64, action, detail string) error {
	return s.Store.AddEvent(ctx, id, Event{At: s.now(), Actor: actorOf(ctx), Action: action, Detail: truncate(detail, 1000)})
}

func actorOf(ctx context.Context) string {
	if a, ok := audit.ActorFrom(ctx); ok && a.ID != "" {
		return a.ID
	}
	return "system"
}

// Queue lists a page of cases, the most urgent first within it, and
// whether more follow.
func (s *Service) Queue(ctx context.Context, q Query) ([]Case, bool, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermCasesRead); err != nil {
		return nil, false, err
	}
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
	}
	limit := q.Limit
	q.Limit++
	list, err := s.Store.ListCases(ctx, q)
	if err != nil || len(list) <= limit {
		return list, false, err
	}
	return list[:limit], true, nil
}

// Detail is a case with everything filed with it.
type Detail struct {
	Case        Case
	Notes       []Note
	Attachments []Attachment
	Events      []Event
}

// Get returns a case with its notes, attachments and timeline.
func (s *Service) Get(ctx context.Context, id int64) (Detail, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermCasesRead); err != nil {
		return Detail{}, err
	}
	c, found, err := s.Store.Case(ctx, id, false)
	if err != nil || !found {
		return Detail{}, errOr(err, notFound())
	}
	d := Detail{Case: c}
	if d.Notes, err = s.Store.Notes(ctx, id); err != nil {
		return d, err
	}
	if d.Attachments, err = s.Store.Attachments(ctx, id); err != nil {
		return d, err
	}
	d.Events, err = s.Store.Events(ctx, id)
	return d, err
}

func notFound() error { return domain.Errorf(domain.ENOTFOUND, "There is no such case.") }

func errOr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// change runs fn on the open case id, locked, as a compliance officer, and
// records the event it returns on the timeline and in the audit trail.
func (s *Service) change(ctx context.Context, id int64, fn func(ctx context.Context, c *Case, who identity.Caller) (Event, audit.Action, error)) (Case, error) {
	who, ctx, err := identity.Authorize(ctx, identity.PermCasesWork)
	if err != nil {
		return Case{}, err
	}
	var c Case
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		var found bool
		if c, found, err = s.Store.Case(ctx, id, true); err != nil || !found {
			return errOr(err, notFound())
		}
		if c.Status == Closed {
			return domain.Errorf(domain.ECONFLICT, "This case is closed.")
		}
		e, action, err := fn(ctx, &c, who)
		if err != nil {
			return err
		}
		e.At, e.Actor = s.now(), who.Actor.ID
		if err := s.Store.UpdateCase(ctx, c); err != nil {
			return err
		}
		if err := s.Store.AddEvent(ctx, c.ID, e); err != nil {
			return err
		}
		return s.Audit.Record(ctx, audit.Event{Action: action, Outcome: audit.Success,
			Target: audit.Target{Type: "case", ID: strconv.FormatInt(c.ID, 10)},
			Detail: map[string]string{"kind": string(c.Kind), "event": e.Action, "detail": truncate(e.Detail, 200)}})
	})
	return c, err
}

// Claim makes the caller the case's assignee.
func (s *Service) Claim(ctx context.Context, id int64) (Case, error) {
	return s.change(ctx, id, func(_ context.Context, c *Case, who identity.Caller) (Event, audit.Action, error) {
		c.Assignee = who.Actor.ID
		if c.Status == Open {
			c.Status = InReview
		}
		return Event{Action: "claimed"}, audit.CaseUpdated, nil
	})
}

// Assign gives the case to a colleague by username.
func (s *Service) Assign(ctx context.Context, id int64, username string) (Case, error) {
	username = strings.TrimSpace(username)
	if username == "" || len(username) > 64 {
		return Case{}, domain.Errorf(domain.EINVALID, "Name the colleague to assign the case to by username.")
	}
	return s.change(ctx, id, func(ctx context.Context, c *Case, _ identity.Caller) (Event, audit.Action, error) {
		if s.Colleagues != nil {
			ok, err := s.Colleagues.Holds(ctx, username, identity.PermCasesWork)
			if err != nil {
				return Event{}, "", err
			}
			if !ok {
				return Event{}, "", domain.Errorf(domain.EINVALID, "%s is not a colleague who works cases: assign it to a compliance officer.", username)
			}
		}
		c.Assignee = username
		if c.Status == Open {
			c.Status = InReview
		}
		return Event{Action: "assigned", Detail: username}, audit.CaseUpdated, nil
	})
}

// AddNote files a note.
func (s *Service) AddNote(ctx context.Context, id int64, body string) (Case, error) {
	body = strings.TrimSpace(body)
	if body == "" || utf8.RuneCountInString(body) > MaxNote {
		return Case{}, domain.Errorf(domain.EINVALID, "A note is 1 to %d characters.", MaxNote)
	}
	return s.change(ctx, id, func(ctx context.Context, c *Case, who identity.Caller) (Event, audit.Action, error) {
		err := s.Store.AddNote(ctx, &Note{CaseID: c.ID, Author: who.Actor.ID, Body: body, At: s.now()})
		return Event{Action: "note", Detail: truncate(body, 120)}, audit.CaseUpdated, err
	})
}

// Attach files a document with the case.
func (s *Service) Attach(ctx context.Context, id int64, name, contentType string, data []byte) (Case, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "" || len(name) > 200:
		return Case{}, domain.Errorf(domain.EINVALID, "An attachment needs a file name of at most 200 characters.")
	case len(data) == 0:
		return Case{}, domain.Errorf(domain.EINVALID, "The file is empty.")
	case len(data) > MaxAttachment:
		return Case{}, domain.Errorf(domain.ETOOLARGE, "An attachment may be at most %d MiB.", MaxAttachment>>20)
	}
	return s.change(ctx, id, func(ctx context.Context, c *Case, who identity.Caller) (Event, audit.Action, error) {
		existing, err := s.Store.Attachments(ctx, c.ID)
		if err != nil {
			return Event{}, "", err
		}
		if len(existing) >= maxAttachments {
			return Event{}, "", domain.Errorf(domain.ECONFLICT, "A case holds at most %d attachments.", maxAttachments)
		}
		a := &Attachment{CaseID: c.ID, Name: name, ContentType: contentType, Size: int64(len(data)), SHA256: sha256Hex(data), By: who.Actor.ID, At: s.now()}
		err = s.Store.AddAttachment(ctx, a, data)
		return Event{Action: "attachment", Detail: name + " (" + a.SHA256[:12] + ")"}, audit.CaseUpdated, err
	})
}

// Attachment returns a filed document, for download, and records who
// took it.
func (s *Service) Attachment(ctx context.Context, caseID, id int64) (Attachment, []byte, error) {
	_, ctx, err := identity.Authorize(ctx, identity.PermCasesRead)
	if err != nil {
		return Attachment{}, nil, err
	}
	a, data, found, err := s.Store.AttachmentData(ctx, caseID, id)
	if err != nil || !found {
		return a, nil, errOr(err, domain.Errorf(domain.ENOTFOUND, "There is no such attachment."))
	}
	return a, data, s.recordExport(ctx, caseID, "attachment "+a.SHA256[:12])
}

// View returns a case for its page; viewing a SAR is recorded, as what
// it holds may not be disclosed.
func (s *Service) View(ctx context.Context, id int64) (Detail, error) {
	d, err := s.Get(ctx, id)
	if err != nil || d.Case.Kind != SAR {
		return d, err
	}
	_, ctx, _ = identity.Authorize(ctx, identity.PermCasesRead)
	return d, s.Audit.Record(ctx, audit.Event{Action: audit.CaseViewed, Outcome: audit.Success,
		Target: audit.Target{Type: "case", ID: strconv.FormatInt(id, 10)}})
}

// Export returns the case whole, for its filing (a SAR's case file), and
// records who took it: what a SAR holds is confidential.
func (s *Service) Export(ctx context.Context, id int64) (Detail, error) {
	d, err := s.Get(ctx, id)
	if err != nil {
		return d, err
	}
	_, ctx, _ = identity.Authorize(ctx, identity.PermCasesRead)
	return d, s.recordExport(ctx, id, "case file")
}

func (s *Service) recordExport(ctx context.Context, id int64, what string) error {
	return s.Audit.Record(ctx, audit.Event{Action: audit.CaseExported, Outcome: audit.Success,
		Target: audit.Target{Type: "case", ID: strconv.FormatInt(id, 10)}, Detail: map[string]string{"what": what}})
}

// Escalate sends the case up, with why.
func (s *Service) Escalate(ctx context.Context, id int64, reason string) (Case, error) {
	if err := validReason(reason); err != nil {
		return Case{}, err
	}
	return s.change(ctx, id, func(_ context.Context, c *Case, _ identity.Caller) (Event, audit.Action, error) {
		c.Status = Escalated
		return Event{Action: "escalated", Detail: reason}, audit.CaseUpdated, nil
	})
}

// Decide closes the case with a decision its kind allows and a reason; the
// kind's Decider makes the decision's effect in the same transaction.
func (s *Service) Decide(ctx context.Context, id int64, in DecisionInput) (Case, error) {
	in.Reason = strings.TrimSpace(in.Reason)
	if err := validReason(in.Reason); err != nil {
		return Case{}, err
	}
	return s.change(ctx, id, func(ctx context.Context, c *Case, who identity.Caller) (Event, audit.Action, error) {
		if !c.Kind.Valid(in.Decision) {
			return Event{}, "", domain.Errorf(domain.EINVALID, "A %s is decided as one of %v.", c.Kind.Label(), Decisions[c.Kind])
		}
		if d := s.Deciders[c.Kind]; d != nil {
			if err := d.Decide(ctx, *c, in); err != nil {
				return Event{}, "", err
			}
		}
		c.Status, c.Decision, c.Reason, c.ClosedAt, c.ClosedBy = Closed, in.Decision, in.Reason, s.now(), who.Actor.ID
		return Event{Action: "decided", Detail: in.Decision.Label() + ": " + in.Reason}, audit.CaseDecided, nil
	})
}

func validReason(reason string) error {
	if n := utf8.RuneCountInString(strings.TrimSpace(reason)); n < MinReason || n > MaxReason {
		return domain.Errorf(domain.EINVALID, "Give the reason in %d to %d characters: it is the record of why.", MinReason, MaxReason)
	}
	return nil
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

// Summary counts what waits in the queue.
func (s *Service) Summary(ctx context.Context) (Summary, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermCasesRead); err != nil {
		return Summary{}, err
	}
	return s.Store.Summary(ctx, s.now())
}
