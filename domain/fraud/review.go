package fraud

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

// Limits on what reviewers type.
const (
	MaxNote   = 2000
	QueuePage = 50
	maxBulk   = 100
)

func noCase() error { return domain.Errorf(domain.ENOTFOUND, "There is no such case.") }

// Queue lists cases in the queue's order, with whether more follow.
func (s *Service) Queue(ctx context.Context, q CaseQuery) ([]Case, bool, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermFraudRead); err != nil {
		return nil, false, err
	}
	if q.Limit <= 0 || q.Limit > QueuePage {
		q.Limit = QueuePage
	}
	want := q.Limit
	q.Limit++
	list, err := s.Store.Cases(ctx, q)
	if len(list) > want {
		return list[:want], true, err
	}
	return list, false, err
}

// Summary counts the queue for its header and the home page.
func (s *Service) Summary(ctx context.Context) (QueueSummary, error) {
	who, _, err := identity.Authorize(ctx, identity.PermFraudRead)
	if err != nil {
		return QueueSummary{}, err
	}
	return s.Store.QueueSummary(ctx, who.Actor.ID)
}

// CaseView is a case with everything a reviewer decides on.
type CaseView struct {
	Case     Case
	Decision Decision
	Rules    RuleSet     // the version that scored it
	History  []Decision  // the customer's latest decisions
	Linked   []Case      // cases sharing an identifier
	Timeline []CaseEvent // oldest first
}

// View gathers a case's view.
func (s *Service) View(ctx context.Context, id int64) (CaseView, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermFraudRead); err != nil {
		return CaseView{}, err
	}
	var v CaseView
	c, found, err := s.Store.Case(ctx, id, false)
	if err != nil || !found {
		if err == nil {
			err = noCase()
		}
		return v, err
	}
	v.Case = c
	if v.Decision, found, err = s.Store.Decision(ctx, c.DecisionID); err != nil || !found {
		return v, errOr(err, !found, "the decision of a case is missing")
	}
	if v.Rules, found, err = s.Store.RuleSet(ctx, v.Decision.RuleVersion); err != nil || !found {
		return v, errOr(err, !found, "the rules of a decision are missing")
	}
	if v.History, err = s.Store.CustomerDecisions(ctx, c.Customer, 10); err != nil {
		return v, err
	}
	if v.Linked, err = s.Store.Linked(ctx, c, 20); err != nil {
		return v, err
	}
	v.Timeline, err = s.Store.CaseEvents(ctx, id)
	return v, err
}

// change runs fn on case id, locked, as a reviewer, and records the event
// it returns on the timeline and in the audit trail. A closed case only
// takes notes.
func (s *Service) change(ctx context.Context, id int64, fn func(ctx context.Context, c *Case, me string) (CaseEvent, audit.Action, error)) (Case, error) {
	who, ctx, err := identity.Authorize(ctx, identity.PermFraudReview)
	if err != nil {
		return Case{}, err
	}
	var c Case
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		var found bool
		if c, found, err = s.Store.Case(ctx, id, true); err != nil || !found {
			if err == nil {
				err = noCase()
			}
			return err
		}
		e, action, err := fn(ctx, &c, who.Actor.ID)
		if err != nil {
			return err
		}
		e.At, e.Actor = s.now(), who.Actor.ID
		if action != audit.FraudCaseNote {
			if err := s.Store.UpdateCase(ctx, c); err != nil {
				return err
			}
		}
		if err := s.Store.AddCaseEvent(ctx, c.ID, e); err != nil {
			return err
		}
		detail := map[string]string{"subject": c.Subject, "event": e.Action}
		if e.Action != "note" {
			detail["detail"] = clip(e.Detail, 200)
		}
		if err := s.record(ctx, action, "fraud_case", c.ID, detail); err != nil {
			return err
		}
		return s.Store.Changed(ctx, c.ID)
	})
	return c, err
}

// holding refuses a change to a case someone else is working, or one
// that is closed.
func holding(c *Case, me string) error {
	switch {
	case c.Status == CaseClosed:
		return domain.Errorf(domain.ECONFLICT, "This case was closed by %s.", c.DecidedBy)
	case c.Assignee == "":
		return domain.Errorf(domain.ECONFLICT, "Claim this case before working it.")
	case c.Assignee != me:
		return domain.Errorf(domain.ECONFLICT, "%s is working this case (since %s UTC).", c.Assignee, c.ClaimedAt.Format("15:04"))
	}
	return nil
}

// Claim makes the caller the case's reviewer. Of two reviewers claiming
// at once one wins; the other is told who has it.
func (s *Service) Claim(ctx context.Context, id int64) (Case, error) {
	return s.change(ctx, id, func(_ context.Context, c *Case, me string) (CaseEvent, audit.Action, error) {
		switch {
		case c.Status == CaseClosed:
			return CaseEvent{}, "", holding(c, me)
		case c.Assignee != "" && c.Assignee != me:
			return CaseEvent{}, "", domain.Errorf(domain.ECONFLICT, "%s claimed this case first (at %s UTC).", c.Assignee, c.ClaimedAt.Format("15:04:05"))
		}
		c.Assignee, c.Status, c.ClaimedAt = me, CaseInReview, s.now()
		return CaseEvent{Action: "claimed"}, audit.FraudCaseClaimed, nil
	})
}

// Next claims the highest-risk case nobody holds; ENOTFOUND when the
// queue is empty.
func (s *Service) Next(ctx context.Context) (Case, error) {
	who, ctx, err := identity.Authorize(ctx, identity.PermFraudReview)
	if err != nil {
		return Case{}, err
	}
	var id int64
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		if id, err = s.Store.ClaimNext(ctx, who.Actor.ID, s.now()); err != nil || id == 0 {
			return err
		}
		if err := s.Store.AddCaseEvent(ctx, id, CaseEvent{At: s.now(), Actor: who.Actor.ID, Action: "claimed", Detail: "next case"}); err != nil {
			return err
		}
		if err := s.record(ctx, audit.FraudCaseClaimed, "fraud_case", id, map[string]string{"event": "next"}); err != nil {
			return err
		}
		return s.Store.Changed(ctx, id)
	})
	if err == nil && id == 0 {
		err = domain.Errorf(domain.ENOTFOUND, "The queue is empty: every case is claimed or closed.")
	}
	if err != nil {
		return Case{}, err
	}
	c, _, err := s.Store.Case(ctx, id, false)
	return c, err
}

// Colleague tells whether a username may review cases.
type Colleague interface {
	Holds(ctx context.Context, username string, p identity.Permission) (bool, error)
}

// Assign gives a case the caller holds, or nobody holds, to a colleague.
func (s *Service) Assign(ctx context.Context, id int64, username string, colleagues Colleague) (Case, error) {
	username = strings.TrimSpace(username)
	if username == "" || len(username) > 64 {
		return Case{}, domain.Errorf(domain.EINVALID, "Name the reviewer to assign the case to by username.")
	}
	return s.change(ctx, id, func(ctx context.Context, c *Case, me string) (CaseEvent, audit.Action, error) {
		if c.Assignee != "" {
			if err := holding(c, me); err != nil {
				return CaseEvent{}, "", err
			}
		} else if c.Status == CaseClosed {
			return CaseEvent{}, "", holding(c, me)
		}
		ok, err := colleagues.Holds(ctx, username, identity.PermFraudReview)
		if err != nil {
			return CaseEvent{}, "", err
		}
		if !ok {
			return CaseEvent{}, "", domain.Errorf(domain.EINVALID, "%s does not review fraud cases.", username)
		}
		c.Assignee, c.Status, c.ClaimedAt = username, CaseInReview, s.now()
		return CaseEvent{Action: "assigned", Detail: username}, audit.FraudCaseClaimed, nil
	})
}

// Unclaim gives the caller's case back to the queue.
func (s *Service) Unclaim(ctx context.Context, id int64) (Case, error) {
	return s.change(ctx, id, func(_ context.Context, c *Case, me string) (CaseEvent, audit.Action, error) {
		if err := holding(c, me); err != nil {
			return CaseEvent{}, "", err
		}
		c.Assignee, c.Status, c.ClaimedAt = "", CaseOpen, time.Time{}
		return CaseEvent{Action: "released"}, audit.FraudCaseClaimed, nil
	})
}

// AddNote files a note on a case, open or closed.
func (s *Service) AddNote(ctx context.Context, id int64, body string) (Case, error) {
	body = strings.TrimSpace(body)
	if body == "" || utf8.RuneCountInString(body) > MaxNote {
		return Case{}, domain.Errorf(domain.EINVALID, "A note is 1 to %d characters.", MaxNote)
	}
	return s.change(ctx, id, func(context.Context, *Case, string) (CaseEvent, audit.Action, error) {
		return CaseEvent{Action: "note", Detail: body}, audit.FraudCaseNote, nil
	})
}

// Escalate hands the caller's case to a senior reviewer: it leaves the
// caller and waits, marked, for someone to claim it.
func (s *Service) Escalate(ctx context.Context, id int64, reason, note string) (Case, error) {
	if !ValidReason("escalate", reason) {
		return Case{}, domain.Errorf(domain.EINVALID, "Pick why the case is escalated.")
	}
	return s.change(ctx, id, func(_ context.Context, c *Case, me string) (CaseEvent, audit.Action, error) {
		if err := holding(c, me); err != nil {
			return CaseEvent{}, "", err
		}
		c.Assignee, c.Status, c.ClaimedAt, c.ReasonCode = "", CaseEscalated, time.Time{}, reason
		return CaseEvent{Action: "escalated", Detail: joinNote(ReasonLabel(reason), note)}, audit.FraudCaseEscalated, nil
	})
}

// Decide closes the caller's case. A decline labels the decision fraud
// and queues stopping the event (unless the engine blocked it already);
// an approval labels it genuine.
func (s *Service) Decide(ctx context.Context, id int64, d Disposition, reason, note string) (Case, error) {
	if d != Approved && d != Declined {
		return Case{}, domain.Errorf(domain.EINVALID, "A case is approved or declined.")
	}
	if !ValidReason(string(d), reason) {
		return Case{}, domain.Errorf(domain.EINVALID, "Pick a reason code for the %s.", map[Disposition]string{Approved: "approval", Declined: "decline"}[d])
	}
	if utf8.RuneCountInString(note) > MaxNote {
		return Case{}, domain.Errorf(domain.EINVALID, "A note is at most %d characters.", MaxNote)
	}
	return s.change(ctx, id, func(ctx context.Context, c *Case, me string) (CaseEvent, audit.Action, error) {
		if err := holding(c, me); err != nil {
			return CaseEvent{}, "", err
		}
		c.Status, c.Assignee, c.Disposition, c.ReasonCode, c.DecidedBy, c.DecidedAt = CaseClosed, "", d, reason, me, s.now()
		label := Legitimate
		if d == Declined {
			label = Fraudulent
			if c.Stops() && c.Verdict != Block {
				if err := s.Jobs.StopLater(ctx, c.ID); err != nil {
					return CaseEvent{}, "", err
				}
			}
		}
		if _, err := s.Store.SetLabel(ctx, c.Rail(), c.Ref(), label, FromDisposition); err != nil {
			return CaseEvent{}, "", err
		}
		return CaseEvent{Action: "decided", Detail: joinNote(string(d)+": "+ReasonLabel(reason), note)}, audit.FraudCaseDecided, nil
	})
}

// BulkResult says what a bulk decision did.
type BulkResult struct {
	Decided []int64
	Skipped map[int64]string // why each other case was left
}

// DecideSimilar claims and decides, one by one, the chosen cases linked
// to anchor the same way. Cases others hold or that are closed are left,
// each with its reason.
func (s *Service) DecideSimilar(ctx context.Context, anchor int64, ids []int64, d Disposition, reason, note string) (BulkResult, error) {
	res := BulkResult{Skipped: map[int64]string{}}
	if len(ids) == 0 || len(ids) > maxBulk {
		return res, domain.Errorf(domain.EINVALID, "Choose 1 to %d similar cases.", maxBulk)
	}
	if _, _, err := identity.Authorize(ctx, identity.PermFraudReview); err != nil {
		return res, err
	}
	c, found, err := s.Store.Case(ctx, anchor, false)
	if err != nil || !found {
		if err == nil {
			err = noCase()
		}
		return res, err
	}
	linked, err := s.Store.Linked(ctx, c, maxBulk)
	if err != nil {
		return res, err
	}
	similar := map[int64]bool{}
	for _, l := range linked {
		similar[l.ID] = true
	}
	for _, id := range ids {
		if !similar[id] {
			res.Skipped[id] = "not linked to case " + itoa(anchor)
			continue
		}
		if _, err := s.Claim(ctx, id); err != nil && domain.ErrorCode(err) != domain.ECONFLICT {
			return res, err
		}
		if _, err := s.Decide(ctx, id, d, reason, note); err != nil {
			if domain.ErrorCode(err) != domain.ECONFLICT {
				return res, err
			}
			res.Skipped[id] = domain.ErrorMessage(err)
			continue
		}
		res.Decided = append(res.Decided, id)
	}
	return res, nil
}

// Stop makes a declined or blocked case's event stop, through its own
// area, and records what was done. Run by a job: a retry asks the area
// again under the same key, which does nothing twice.
func (s *Service) Stop(ctx context.Context, caseID int64) error {
	ctx = audit.WithActor(ctx, audit.System)
	c, found, err := s.Store.Case(ctx, caseID, false)
	if err != nil || !found || c.Effect != "" {
		return err
	}
	why := "fraud case " + itoa(c.ID) + ": " + map[bool]string{true: "blocked by the rules", false: "declined by " + c.DecidedBy}[c.Verdict == Block]
	effect, err := s.Effects.Stop(ctx, c.Rail(), c.Ref(), "fraud-case-"+itoa(c.ID), why)
	if err != nil {
		return err
	}
	return s.Tx.InTx(ctx, func(ctx context.Context) error {
		if c, found, err = s.Store.Case(ctx, caseID, true); err != nil || !found || c.Effect != "" {
			return err
		}
		c.Effect = effect
		if err := s.Store.UpdateCase(ctx, c); err != nil {
			return err
		}
		if err := s.Store.AddCaseEvent(ctx, c.ID, CaseEvent{At: s.now(), Actor: audit.System.ID, Action: "stopped", Detail: effect}); err != nil {
			return err
		}
		if err := s.record(ctx, audit.FraudEventStopped, "fraud_case", c.ID, map[string]string{"subject": c.Subject, "effect": clip(effect, 200)}); err != nil {
			return err
		}
		return s.Store.Changed(ctx, c.ID)
	})
}

func joinNote(head, note string) string {
	if note = strings.TrimSpace(note); note != "" {
		return head + " — " + note
	}
	return head
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
