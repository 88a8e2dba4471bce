package pci

import "time"

// Status is what a check found.
type Status string

const (
	Pass          Status = "pass"
	Fail          Status = "fail"
	NotApplicable Status = "not_applicable"
)

// Evidence is one thing a check looked at: a query's result, a setting's
// value, an audit range; Link is the console page that shows it.
type Evidence struct {
	Label string `json:"label"`
	Value string `json:"value"`
	Link  string `json:"link,omitempty"`
}

// Result is one sub-requirement's outcome in a run.
type Result struct {
	Requirement string     `json:"requirement"` // the principal requirement, "8"
	Sub         string     `json:"sub"`         // "8.4.2"
	Check       string     `json:"check"`       // the check's id, or "attestation" or "not_applicable"
	Status      Status     `json:"status"`
	Summary     string     `json:"summary"`
	Evidence    []Evidence `json:"evidence"`
	Remediation string     `json:"remediation,omitempty"`
}

// Run is one assessment: every sub-requirement evaluated at once.
type Run struct {
	ID        int64
	Catalogue string // the catalogue's version
	Trigger   string // scheduled, or the user who asked
	StartedAt time.Time
	Took      time.Duration
	Score     Score
}

// Score is a share of checks passed: of those that apply, how many pass.
// Every applicable result weighs the same, within a requirement and
// overall, so a requirement with more evidence counts for more.
type Score struct {
	Passed, Failed, NotApplicable int
}

// Percent is the passed share of the applicable results, 0-100; 0 with none.
func (s Score) Percent() float64 {
	if s.Passed+s.Failed == 0 {
		return 0
	}
	return 100 * float64(s.Passed) / float64(s.Passed+s.Failed)
}

func (s *Score) add(st Status) {
	switch st {
	case Pass:
		s.Passed++
	case Fail:
		s.Failed++
	default:
		s.NotApplicable++
	}
}

// Scores sums results overall and per principal requirement.
func Scores(results []Result) (Score, map[string]Score) {
	var all Score
	by := map[string]Score{}
	for _, r := range results {
		all.add(r.Status)
		s := by[r.Requirement]
		s.add(r.Status)
		by[r.Requirement] = s
	}
	return all, by
}

// Change is a sub-requirement whose status differs between two runs.
type Change struct {
	Sub      string
	From, To Status // "" when the run had no such result
	Summary  string // the later run's
}

// Diff lists what changed from one run's results to another's.
func Diff(from, to []Result) []Change {
	before := map[string]Result{}
	for _, r := range from {
		before[r.Sub] = r
	}
	var out []Change
	seen := map[string]bool{}
	for _, r := range to {
		seen[r.Sub] = true
		if b, ok := before[r.Sub]; !ok || b.Status != r.Status {
			out = append(out, Change{Sub: r.Sub, From: b.Status, To: r.Status, Summary: r.Summary})
		}
	}
	for _, r := range from {
		if !seen[r.Sub] {
			out = append(out, Change{Sub: r.Sub, From: r.Status, Summary: "no longer assessed"})
		}
	}
	return out
}
