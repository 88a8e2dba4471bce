package screening

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/cases"
	"github.com/paycompliance/console/domain/identity"
)

// Service screens parties and keeps the lists.
type Service struct {
	Store     Store
	Tx        domain.Transactor
	Audit     *audit.Log
	Cases     *cases.Service
	Lists     *Lists
	Holders   []Holder
	Jobs      Jobs
	Threshold float64 // 0: DefaultThreshold
	// MaxShrinkPercent: a load with this much fewer entries than the active
	// version is refused as suspicious (a truncated download, say).
	MaxShrinkPercent int
	Now              func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) threshold() float64 {
	if s.Threshold > 0 {
		return s.Threshold
	}
	return DefaultThreshold
}

// errNoList is the refusal when nothing can be screened.
var errNoList = domain.Errorf(domain.EUNAVAILABLE, "No sanctions list is loaded, so nobody can be screened and nothing moves until one is (screening fails closed).")

// Screen screens a party against the active list and records the result.
// A hit that no whitelist clears holds the party and opens a case (or adds
// to the party's open one); a blocked party stays blocked. Any error, a
// missing list included, is returned: callers hold what they were about to
// move (fail closed).
func (s *Service) Screen(ctx context.Context, p Party, trigger string) (Result, error) {
	if err := p.Validate(); err != nil {
		return Result{}, err
	}
	ix, version := s.Lists.Active()
	if ix == nil {
		return Result{}, errNoList
	}
	matches := ix.Search(p.query(), s.threshold())
	ctx = withSystemActor(ctx)
	var r Result
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		r, err = s.record(ctx, p, version.ID, matches, trigger)
		return err
	})
	return r, err
}

// withSystemActor names the console as the actor when nobody is (a job).
func withSystemActor(ctx context.Context) context.Context {
	if a, ok := audit.ActorFrom(ctx); ok && a.ID != "" {
		return ctx
	}
	return audit.WithActor(ctx, audit.System)
}

func (s *Service) record(ctx context.Context, p Party, version int64, matches []Match, trigger string) (Result, error) {
	prior, known, err := s.Store.Party(ctx, p.Ref, true)
	if err != nil {
		return Result{}, err
	}
	wl, err := s.Store.Whitelist(ctx, p.Ref)
	if err != nil {
		return Result{}, err
	}
	now := s.now()
	r := Result{PartyRef: p.Ref, Version: version, Status: Clear, Trigger: trigger, At: now}
	for _, m := range matches {
		h := Hit{EntryID: m.Entry.ID, EntryName: m.Entry.Name, Matched: m.Matched, Score: m.Score, Fingerprint: m.Entry.Fingerprint()}
		for _, w := range wl {
			if w.Suppresses(h, now) {
				h.Whitelisted = true
			}
		}
		r.Hits = append(r.Hits, h)
	}
	open, hasCase, err := s.Cases.Store.OpenCase(ctx, cases.ScreeningHit, p.Ref)
	if err != nil {
		return r, err
	}
	switch {
	case known && prior.Status == Blocked:
		r.Status = Blocked
	case len(r.Open()) > 0 && !hasCase:
		r.Status = Held
		top := r.Open()[0]
		c, err := s.Cases.Open(ctx, cases.Case{Kind: cases.ScreeningHit, Subject: p.Ref, SubjectName: p.Name,
			Title:   fmt.Sprintf("%s matches %s (%.0f%%)", p.Name, top.EntryName, top.Score*100),
			Summary: fmt.Sprintf("%s on list version %d, screened when: %s.", possibleMatches(len(r.Open())), version, trigger)})
		if err != nil {
			return r, err
		}
		r.CaseID = c.ID
	case hasCase:
		// Held until the case is decided, whatever a later screening finds
		// (a delisting, a raised threshold). What changed goes on the
		// case's timeline; the decision names the screening it was made on.
		r.Status, r.CaseID = Held, open.ID
		last, _, err := s.Store.LatestResult(ctx, p.Ref)
		if err != nil {
			return r, err
		}
		if hitsText(last.Open()) != hitsText(r.Open()) {
			if err := s.Cases.Event(ctx, open.ID, "screened again", trigger+", list version "+strconv.FormatInt(version, 10)+": "+
				hitsText(r.Open())); err != nil {
				return r, err
			}
		}
	}
	if err := s.Store.SaveParty(ctx, Record{Party: p, Status: r.Status, ScreenedAt: now, Version: version}); err != nil {
		return r, err
	}
	if err := s.Store.InsertResult(ctx, &r); err != nil {
		return r, err
	}
	if r.Status == Held && len(r.Open()) > 0 && (!known || prior.Status != Held) {
		return r, s.Audit.Record(ctx, audit.Event{Action: audit.HitOpened, Outcome: audit.Success,
			Target: audit.Target{Type: "party", ID: p.Ref},
			Detail: map[string]string{"case": strconv.FormatInt(r.CaseID, 10), "entry": r.Open()[0].EntryID,
				"score": strconv.FormatFloat(r.Open()[0].Score, 'f', 3, 64), "trigger": trigger}})
	}
	return r, nil
}

// Search is an ad-hoc check by a compliance officer, recorded in the audit
// trail with what was asked and how many entries it found.
func (s *Service) Search(ctx context.Context, q Query, threshold float64) ([]Match, Version, error) {
	_, ctx, err := identity.Authorize(ctx, identity.PermScreeningSearch)
	if err != nil {
		return nil, Version{}, err
	}
	if err := (Party{Ref: "search", Name: q.Name, DOBYear: q.DOBYear}).Validate(); err != nil {
		return nil, Version{}, err
	}
	if threshold <= 0 || threshold > 1 {
		threshold = s.threshold()
	}
	ix, version := s.Lists.Active()
	if ix == nil {
		return nil, version, errors.Join(errNoList, s.Audit.Record(ctx, audit.Event{Action: audit.ScreeningSearch, Outcome: audit.Failure,
			Target: audit.Target{Type: "screening", ID: "search"}, Detail: map[string]string{"name": q.Name, "reason": "no list loaded"}}))
	}
	matches := ix.Search(q, threshold)
	return matches, version, s.Audit.Record(ctx, audit.Event{Action: audit.ScreeningSearch, Outcome: audit.Success,
		Target: audit.Target{Type: "screening", ID: "search"},
		Detail: map[string]string{"name": q.Name, "type": string(q.Type), "matches": strconv.Itoa(len(matches)),
			"version": strconv.FormatInt(version.ID, 10)}})
}

// History is a party's standing and its screenings, newest first.
func (s *Service) History(ctx context.Context, ref string) (Record, []Result, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermCasesRead); err != nil {
		return Record{}, nil, err
	}
	rec, found, err := s.Store.Party(ctx, ref, false)
	if err != nil || !found {
		return rec, nil, errOr(err, domain.Errorf(domain.ENOTFOUND, "This party has not been screened."))
	}
	results, err := s.Store.Results(ctx, ref, 100)
	return rec, results, err
}

// Standing returns a party as screened last (its status, and when),
// without screening it again.
func (s *Service) Standing(ctx context.Context, ref string) (Record, bool, error) {
	return s.Store.Party(ctx, ref, false)
}

func errOr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

func possibleMatches(n int) string {
	if n == 1 {
		return "1 possible match"
	}
	return strconv.Itoa(n) + " possible matches"
}

// hitsText lists hits for a case's timeline.
func hitsText(hits []Hit) string {
	if len(hits) == 0 {
		return "no open hit"
	}
	parts := make([]string, len(hits))
	for i, h := range hits {
		parts[i] = fmt.Sprintf("%s %s (%.2f)", h.EntryID, h.EntryName, h.Score)
	}
	return strings.Join(parts, "; ")
}
