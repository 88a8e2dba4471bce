package pci

import (
	"strings"
	"testing"
)

// The embedded catalogue parses, covers the twelve requirements, and every
// check is used by some sub-requirement.
func TestCatalogue(t *testing.T) {
	c, err := parseCatalogue(catalogue401)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != "4.0.1" || len(c.Requirements) != 12 {
		t.Fatalf("catalogue %s with %d requirements", c.Version, len(c.Requirements))
	}
	used := map[string]bool{}
	for _, r := range c.Requirements {
		for _, s := range r.Subs {
			for _, id := range s.Checks {
				used[id] = true
			}
		}
	}
	for id := range checks {
		if !used[id] {
			t.Errorf("check %s evidences nothing", id)
		}
	}
	for name, bad := range map[string]string{
		"unknown check":    strings.Replace(string(catalogue401), `"checks": ["mfa_enforced"]`, `"checks": ["nope"]`, 1),
		"twice":            strings.Replace(string(catalogue401), `"id": "8.5.1"`, `"id": "8.4.2"`, 1),
		"no evidence":      strings.Replace(string(catalogue401), `, "attested": true}`, `}`, 1),
		"n/a and attested": strings.Replace(string(catalogue401), `"not_applicable": "Card`, `"attested": true, "not_applicable": "Card`, 1),
	} {
		if _, err := parseCatalogue([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestScoresAndDiff(t *testing.T) {
	before := []Result{{Requirement: "8", Sub: "8.4.2", Status: Pass}, {Requirement: "8", Sub: "8.2.8", Status: Pass},
		{Requirement: "3", Sub: "3.3.1", Status: NotApplicable}, {Requirement: "10", Sub: "10.3", Status: Fail}}
	after := []Result{{Requirement: "8", Sub: "8.4.2", Status: Fail}, {Requirement: "8", Sub: "8.2.8", Status: Pass},
		{Requirement: "3", Sub: "3.3.1", Status: NotApplicable}, {Requirement: "10", Sub: "10.3", Status: Pass}}
	all, by := Scores(after)
	if all != (Score{Passed: 2, Failed: 1, NotApplicable: 1}) || by["8"].Percent() != 50 || by["3"].Percent() != 0 || by["10"].Percent() != 100 {
		t.Fatalf("scores %+v %+v", all, by)
	}
	changes := Diff(before, after)
	if len(changes) != 2 || changes[0].Sub != "8.4.2" || changes[0].From != Pass || changes[0].To != Fail || changes[1].Sub != "10.3" {
		t.Fatalf("diff %+v", changes)
	}
}
