package pci

import (
	"testing"

	"github.com/paycompliance/console/domain/pci"
)

// A run's results are grouped by requirement and sub-requirement in the
// run's order, titled from the catalogue; a sub-requirement fails when any
// of its results fails, and a requirement says how many of its subs fail.
func TestNewScorecard(t *testing.T) {
	results := []pci.Result{
		{Requirement: "8", Sub: "8.4.2", Check: "mfa_enforced", Status: pci.Pass},
		{Requirement: "8", Sub: "8.4.2", Check: "attestation", Status: pci.Fail},
		{Requirement: "8", Sub: "8.3.6", Check: "password_policy", Status: pci.Pass},
		{Requirement: "3", Sub: "3.3.1", Check: "not_applicable", Status: pci.NotApplicable},
		{Requirement: "99", Sub: "99.1", Check: "retired", Status: pci.Pass}, // no longer in the catalogue
	}
	_, by := pci.Scores(results)
	v := NewScorecard(pci.Scorecard{Catalogue: pci.Current(), Results: results, Requirements: by}, nil, nil)
	if len(v.Requirements) != 3 {
		t.Fatalf("%d requirements", len(v.Requirements))
	}
	eight, three, gone := v.Requirements[0], v.Requirements[1], v.Requirements[2]
	if eight.ID != "8" || eight.Title == "" || eight.Title == "Requirement 8" || eight.Score != (pci.Score{Passed: 2, Failed: 1}) {
		t.Errorf("requirement 8: %+v", eight)
	}
	if len(eight.Subs) != 2 || eight.Subs[0].ID != "8.4.2" || len(eight.Subs[0].Results) != 2 || eight.Subs[0].Status != pci.Fail ||
		eight.Subs[1].Status != pci.Pass || eight.Subs[0].Summary == "" || eight.Failing() != 1 {
		t.Errorf("requirement 8's subs: %+v", eight.Subs)
	}
	if three.Subs[0].Status != pci.NotApplicable || three.Failing() != 0 || Percent(three.Score) != "n/a" {
		t.Errorf("requirement 3: %+v, %s", three.Subs, Percent(three.Score))
	}
	if gone.Title != "Requirement 99" || gone.Subs[0].Summary != "" || gone.Subs[0].Status != pci.Pass {
		t.Errorf("a requirement the catalogue dropped: %+v", gone)
	}
	if Percent(eight.Score) != "66.7 %" {
		t.Errorf("2 of 3 read %s", Percent(eight.Score))
	}
}
