package pci

import (
	"github.com/paycompliance/console/domain/pci"
)

// RunsView is the history: a page of runs, newest first, the trend over
// the last days and the form comparing two runs.
type RunsView struct {
	Runs   []pci.Run
	Before int64 // the page starts before this run (0: the newest)
	Next   int64 // the run to continue before when more follow; 0 at the end
	Days   int
	Chart  TrendChart
}

// pageURL is the history from before on, keeping the period.
func (v RunsView) pageURL(before int64) string {
	u := trendURL(v.Days)
	if before > 0 {
		u += "&before=" + itoa(before)
	}
	return u
}

// compareFrom and compareTo prefill the compare form: the two newest runs
// of the page.
func (v RunsView) compareFrom() string {
	if len(v.Runs) < 2 {
		return ""
	}
	return itoa(v.Runs[1].ID)
}

func (v RunsView) compareTo() string {
	if len(v.Runs) == 0 {
		return ""
	}
	return itoa(v.Runs[0].ID)
}

// CompareView is what changed from one run to another.
type CompareView struct {
	From, To pci.Run
	Changes  []pci.Change
}

// ReportPage is a run's assessor's report, to print: every requirement's
// results with their evidence, and how to check the signed file.
type ReportPage struct {
	Report   pci.Report
	Verified error // nil when the report verifies as its file would offline
}

func reportScore(s pci.ReportScore) pci.Score {
	return pci.Score{Passed: s.Passed, Failed: s.Failed, NotApplicable: s.NotApplicable}
}
