package pci

import (
	"context"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
)

// Service runs assessments and keeps their history.
type Service struct {
	Store    Store
	Tx       domain.Transactor
	Audit    *audit.Log
	Keys     KeyAges
	Probe    Prober
	Alerts   Alerter
	Signer   Signer
	Settings Settings
	Now      func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// gather reads every source once; what fails is kept in Errors.
func (s *Service) gather(ctx context.Context) Facts {
	f := Facts{Now: s.now(), Settings: s.Settings, Errors: map[string]error{}}
	note := func(source string, err error) {
		if err != nil {
			f.Errors[source] = err
		}
	}
	var err error
	f.Users, err = s.Store.ActiveUsers(ctx)
	note("users", err)
	v, found, err := s.Store.LatestVerification(ctx)
	if found {
		f.Verification = &v
	}
	note("verification", err)
	f.Audit, err = s.Store.AuditSpan(ctx)
	note("audit", err)
	f.PANs, err = s.Store.ScanPANs(ctx)
	note("pans", err)
	f.Unencrypted, err = s.Store.Unencrypted(ctx)
	note("encryption", err)
	f.CardMasked, err = s.Store.CardDigitsConstrained(ctx)
	note("masked", err)
	f.AlertsRan, err = s.Alerts.LastEvaluated(ctx)
	note("alerts", err)
	scan, found, err := s.Store.LatestScan(ctx)
	if found {
		f.Scan = &scan
	}
	note("scan", err)
	f.Attestations, err = s.Store.CurrentAttestations(ctx)
	note("attestations", err)
	f.Keys, f.KeysManaged, err = s.Keys.KeyAges(ctx)
	note("keys", err)
	f.Probe, err = s.Probe.Probe(ctx)
	note("probe", err)
	return f
}

// Evaluate judges every sub-requirement of c from f.
func Evaluate(c Catalogue, f Facts) []Result {
	var out []Result
	for _, r := range c.Requirements {
		for _, sub := range r.Subs {
			for _, res := range judgeSub(sub, f) {
				res.Requirement, res.Sub = r.ID, sub.ID
				out = append(out, res)
			}
		}
	}
	return out
}

func judgeSub(sub Sub, f Facts) []Result {
	if sub.NotApplicable != "" {
		return []Result{{Check: "not_applicable", Status: NotApplicable, Summary: sub.NotApplicable}}
	}
	var out []Result
	if sub.Attested {
		r := attested(f, sub.ID, 366*24*time.Hour, "attestation", "Record an attestation of "+sub.ID+" with its evidence.")
		if err, bad := f.failed("attestations"); bad {
			r = unreadable("attestations", err)
		}
		r.Check = "attestation"
		out = append(out, r)
	}
	for _, id := range sub.Checks {
		c := checks[id]
		r := Result{}
		if source, err := firstFailed(f, c.sources); err != nil {
			r = unreadable(source, err)
		} else {
			r = c.judge(f)
		}
		r.Check = id
		out = append(out, r)
	}
	return out
}

func firstFailed(f Facts, sources []string) (string, error) {
	for _, s := range sources {
		if err, bad := f.failed(s); bad {
			return s, err
		}
	}
	return "", nil
}

// unreadable is the failure of a check whose evidence could not be read:
// a control nobody can see is not a control that passes.
func unreadable(source string, err error) Result {
	return fail("The evidence ("+source+") could not be read", "Check the console's logs and its database; the run fails closed.",
		ev("Error", domain.ErrorMessage(err)))
}

// CheckTitle is a check's name as people say it.
func CheckTitle(id string) string {
	if c, ok := checks[id]; ok {
		return c.title
	}
	return map[string]string{"attestation": "Attestation", "not_applicable": "Not applicable"}[id]
}

// RunAssessment evaluates the current catalogue against the live system,
// keeps the run and its results, and raises an alert for every
// sub-requirement that passed in the previous run and fails now. trigger
// is "scheduled" or who asked.
func (s *Service) RunAssessment(ctx context.Context, trigger string) (Run, []Result, error) {
	start := time.Now()
	cat := Current()
	results := Evaluate(cat, s.gather(ctx))
	run := Run{Catalogue: cat.Version, Trigger: trigger, StartedAt: s.now(), Took: time.Since(start)}
	run.Score, _ = Scores(results)
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		previous, err := s.Store.Runs(ctx, 0, 1)
		if err != nil {
			return err
		}
		var before []Result
		if len(previous) > 0 {
			if _, before, _, err = s.Store.Run(ctx, previous[0].ID); err != nil {
				return err
			}
		}
		if err := s.Store.InsertRun(ctx, &run, results); err != nil {
			return err
		}
		for _, c := range Diff(before, results) {
			if c.From == Pass && c.To == Fail {
				if err := s.Alerts.CheckFailed(ctx, resultOf(results, c.Sub), run.ID); err != nil {
					return err
				}
			}
		}
		if err := s.Audit.Record(ctx, audit.Event{Action: audit.ScorecardRun, Outcome: audit.Success,
			Target: audit.Target{Type: "pci_run", ID: itoa(run.ID)}, Detail: map[string]string{"trigger": trigger,
				"passed": strconv.Itoa(run.Score.Passed), "failed": strconv.Itoa(run.Score.Failed)}}); err != nil {
			return err
		}
		return s.Store.Changed(ctx, run.ID)
	})
	return run, results, err
}

func resultOf(results []Result, sub string) Result {
	for _, r := range results {
		if r.Sub == sub && r.Status == Fail {
			return r
		}
	}
	return Result{Sub: sub}
}

// Run asks for an assessment now, as a person or a key.
func (s *Service) Run(ctx context.Context) (Run, error) {
	who, ctx, err := identity.Authorize(ctx, identity.PermPCIManage)
	if err != nil {
		return Run{}, err
	}
	r, _, err := s.RunAssessment(ctx, who.Actor.ID)
	return r, err
}

// Scorecard is a run with its results, for the scorecard page.
type Scorecard struct {
	Catalogue    Catalogue
	Run          Run
	Results      []Result
	Requirements map[string]Score
	Previous     *Run
}

// Latest is the newest run's scorecard; false before the first run.
func (s *Service) Latest(ctx context.Context) (Scorecard, bool, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermPCIRead); err != nil {
		return Scorecard{}, false, err
	}
	runs, err := s.Store.Runs(ctx, 0, 2)
	if err != nil || len(runs) == 0 {
		return Scorecard{}, false, err
	}
	sc, err := s.scorecard(ctx, runs[0].ID)
	if len(runs) > 1 {
		sc.Previous = &runs[1]
	}
	return sc, err == nil, err
}

// Scorecard is one run's scorecard.
func (s *Service) Scorecard(ctx context.Context, runID int64) (Scorecard, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermPCIRead); err != nil {
		return Scorecard{}, err
	}
	return s.scorecard(ctx, runID)
}

func (s *Service) scorecard(ctx context.Context, runID int64) (Scorecard, error) {
	run, results, found, err := s.Store.Run(ctx, runID)
	if err == nil && !found {
		err = domain.Errorf(domain.ENOTFOUND, "There is no such run.")
	}
	if err != nil {
		return Scorecard{}, err
	}
	_, by := Scores(results)
	return Scorecard{Catalogue: Current(), Run: run, Results: results, Requirements: by}, nil
}

// Runs lists runs, newest first, before the id before (0: from the newest).
func (s *Service) Runs(ctx context.Context, before int64, limit int) ([]Run, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermPCIRead); err != nil {
		return nil, err
	}
	return s.Store.Runs(ctx, before, min(max(limit, 1), 100))
}

// Compare is what changed from one run to another.
func (s *Service) Compare(ctx context.Context, from, to int64) (Run, Run, []Change, error) {
	a, err := s.Scorecard(ctx, from)
	if err != nil {
		return Run{}, Run{}, nil, err
	}
	b, err := s.Scorecard(ctx, to)
	if err != nil {
		return Run{}, Run{}, nil, err
	}
	return a.Run, b.Run, Diff(a.Results, b.Results), nil
}

// Trend is the daily score over the last days.
func (s *Service) Trend(ctx context.Context, days int) ([]TrendPoint, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermPCIRead); err != nil {
		return nil, err
	}
	if days < 1 || days > 366 {
		return nil, domain.Errorf(domain.EINVALID, "A trend covers 1 to 366 days.")
	}
	now := s.now()
	return s.Store.Trend(ctx, time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1-days))
}
