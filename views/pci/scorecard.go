package pci

import (
	"github.com/paycompliance/console/domain/pci"
)

// ScorecardView is one run's scorecard: its score, each principal
// requirement with its sub-requirements' results, and what changed since
// the run before it.
type ScorecardView struct {
	Card         pci.Scorecard
	Requirements []RequirementRow
	Previous     *pci.Run     // the run before; nil for the first
	Changes      []pci.Change // since Previous
	Empty        bool         // no run yet
	Latest       bool         // the latest run's page (/pci): live, reloaded when a run finishes
	CanManage    bool
	Notice       string
}

// RequirementRow is a principal requirement with its score and its
// sub-requirements, in the run's order.
type RequirementRow struct {
	ID, Title, Summary string
	Score              pci.Score
	Subs               []SubRow
}

// SubRow is a sub-requirement's results in a run: one per check, its
// attestation, or why it does not apply.
type SubRow struct {
	ID, Summary string
	Status      pci.Status // fail if any result fails, else pass if any passes
	Results     []pci.Result
}

// NewScorecard groups a run's results by requirement and sub-requirement,
// in the order the run kept them, titled from the catalogue (a result of
// a sub-requirement a later catalogue dropped still shows).
func NewScorecard(sc pci.Scorecard, previous *pci.Run, changes []pci.Change) ScorecardView {
	v := ScorecardView{Card: sc, Previous: previous, Changes: changes}
	reqAt, subAt := map[string]int{}, map[string]int{}
	for _, r := range sc.Results {
		i, ok := reqAt[r.Requirement]
		if !ok {
			i = len(v.Requirements)
			reqAt[r.Requirement] = i
			row := RequirementRow{ID: r.Requirement, Title: "Requirement " + r.Requirement, Score: sc.Requirements[r.Requirement]}
			if req, found := sc.Catalogue.Requirement(r.Requirement); found {
				row.Title, row.Summary = req.Title, req.Summary
			}
			v.Requirements = append(v.Requirements, row)
		}
		req := &v.Requirements[i]
		j, ok := subAt[r.Sub]
		if !ok {
			j = len(req.Subs)
			subAt[r.Sub] = j
			row := SubRow{ID: r.Sub}
			if _, sub, found := sc.Catalogue.Sub(r.Sub); found {
				row.Summary = sub.Summary
			}
			req.Subs = append(req.Subs, row)
		}
		sub := &req.Subs[j]
		sub.Results = append(sub.Results, r)
		switch {
		case r.Status == pci.Fail:
			sub.Status = pci.Fail
		case r.Status == pci.Pass && sub.Status != pci.Fail:
			sub.Status = pci.Pass
		case sub.Status == "":
			sub.Status = r.Status
		}
	}
	return v
}

// Failing is how many sub-requirements of r fail.
func (r RequirementRow) Failing() int {
	n := 0
	for _, s := range r.Subs {
		if s.Status == pci.Fail {
			n++
		}
	}
	return n
}

// here is the page the scorecard is on, for its live reload.
func (v ScorecardView) here() string {
	if v.Latest {
		return ScorecardPath
	}
	return RunURL(v.Card.Run.ID)
}

// streamURL follows finished runs; the page says which run it shows, so
// that connecting reloads it only when a run finished in between.
func (v ScorecardView) streamURL() string { return StreamPath + "?run=" + itoa(v.Card.Run.ID) }
