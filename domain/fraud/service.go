package fraud

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
)

// Service holds the fraud use cases.
type Service struct {
	Store   Store
	Tx      domain.Transactor
	Audit   *audit.Log
	Jobs    Jobs
	Effects Effects
	Now     func() time.Time

	mu    sync.Mutex
	rules RuleSet // the newest published version, once read
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) record(ctx context.Context, action audit.Action, typ string, id int64, detail map[string]string) error {
	return s.Audit.Record(ctx, audit.Event{Action: action, Outcome: audit.Success,
		Target: audit.Target{Type: typ, ID: strconv.FormatInt(id, 10)}, Detail: detail})
}

// Assess scores an event, keeps the decision, and opens a case when it
// is to be reviewed or blocked. An event scored before gets its first
// decision back, unchanged.
func (s *Service) Assess(ctx context.Context, e Event) (Decision, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermFraudAssess); err != nil {
		return Decision{}, err
	}
	if err := e.Normalize(s.now()); err != nil {
		return Decision{}, err
	}
	return s.assess(ctx, e)
}

func (s *Service) assess(ctx context.Context, e Event) (Decision, error) {
	f, version, err := s.Store.Features(ctx, e)
	if err != nil {
		return Decision{}, err
	}
	rs, err := s.ruleSet(ctx, version)
	if err != nil {
		return Decision{}, err
	}
	d := Decision{Event: e, Features: f, Assessment: rs.Score(e, f), RuleVersion: rs.Version, At: s.now()}
	var c *Case
	if d.Assessment.Verdict != Allow {
		c = caseFor(d)
	}
	keep := func(ctx context.Context) error {
		inserted, err := s.Store.Record(ctx, &d, c)
		switch {
		case err != nil:
			return err
		case !inserted:
			var found bool
			d, found, err = s.Store.DecisionByEvent(ctx, e.Type, e.Ref)
			return errOr(err, !found, "the decision of "+e.Subject()+" is gone")
		case c != nil && d.Assessment.Verdict == Block && c.Stops():
			return s.Jobs.StopLater(ctx, c.ID)
		}
		return nil
	}
	if d.Assessment.Verdict == Block { // the stop is queued with the decision, or neither is
		return d, s.Tx.InTx(ctx, keep)
	}
	return d, keep(ctx)
}

// caseFor is the case a review or block opens. A blocked event is stopped
// at once, so its case is closed by the rules from the start: it stays
// findable (and takes notes) without waiting in anyone's queue.
func caseFor(d Decision) *Case {
	e := d.Event
	c := &Case{Subject: e.Subject(), Customer: e.Customer, Amount: e.Amount, Score: d.Assessment.Score,
		Level: d.Assessment.Level, Verdict: d.Assessment.Verdict, Status: CaseOpen, OpenedAt: d.At,
		DueAt: d.At.Add(SLA[d.Assessment.Level]), Card: e.CardFingerprint, Device: e.DeviceID, Account: e.AccountToken, Email: e.Email}
	if c.Verdict == Block {
		c.Status, c.Disposition, c.ReasonCode, c.DecidedBy, c.DecidedAt = CaseClosed, Declined, BlockedByRules, audit.System.ID, d.At
	}
	return c
}

func errOr(err error, missing bool, what string) error {
	if err == nil && missing {
		return domain.Errorf(domain.EINTERNAL, "%s", what)
	}
	return err
}

// ruleSet is the published version the store names, read once per
// version; the first event ever publishes the catalogue's defaults as
// version 1.
func (s *Service) ruleSet(ctx context.Context, version int) (RuleSet, error) {
	s.mu.Lock()
	cached := s.rules
	s.mu.Unlock()
	if version > 0 && cached.Version == version {
		return cached, nil
	}
	if version == 0 {
		if err := s.publishDefaults(ctx); err != nil {
			return RuleSet{}, err
		}
		version = 1
	}
	rs, found, err := s.Store.RuleSet(ctx, version)
	if err = errOr(err, !found, "rules version "+strconv.Itoa(version)+" is missing"); err != nil {
		return rs, err
	}
	s.mu.Lock()
	if rs.Version > s.rules.Version {
		s.rules = rs
	}
	s.mu.Unlock()
	return rs, nil
}

// publishDefaults publishes the catalogue's defaults as version 1 unless
// it exists: once, however many instances (or a first draft) ask at once,
// so version 1 is always the defaults and a draft always comes after.
func (s *Service) publishDefaults(ctx context.Context) error {
	v := Version{RuleSet: DefaultRuleSet(), Status: Published, Note: "the catalogue's defaults",
		DraftedBy: audit.System.ID, DraftedAt: s.now(), DecidedBy: audit.System.ID, DecidedAt: s.now()}
	v.Version = 1
	return s.Store.InsertVersion(ctx, &v)
}

// Decision returns one decision, for the API and the case view.
func (s *Service) Decision(ctx context.Context, id int64) (Decision, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermFraudRead); err != nil {
		return Decision{}, err
	}
	d, found, err := s.Store.Decision(ctx, id)
	if err == nil && !found {
		err = domain.Errorf(domain.ENOTFOUND, "There is no such decision.")
	}
	return d, err
}
