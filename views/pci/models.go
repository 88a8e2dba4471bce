// Package pci renders the PCI DSS scorecard: the latest run's score per
// requirement with every sub-requirement's evidence (live), any run's
// scorecard and its exports, the history with its trend, what changed
// between two runs, sub-requirements with their attestations, and the
// recorded dependency scans.
package pci

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paycompliance/console/domain/pci"
)

// Pages of the area, for its tabs and links.
const (
	ScorecardPath    = "/pci"
	StreamPath       = "/pci/stream"
	RunsPath         = "/pci/runs"
	ComparePath      = "/pci/runs/compare"
	ScansPath        = "/pci/scans"
	AttestationsPath = "/pci/attestations"
)

// RunURL is a run's scorecard.
func RunURL(id int64) string { return RunsPath + "/" + itoa(id) }

// SubAnchor is a sub-requirement row's id on a scorecard (alerts link to
// RunURL(id)#sub-8.4.2).
func SubAnchor(sub string) string { return "sub-" + sub }

// ResultURL is a sub-requirement's row on a run's scorecard.
func ResultURL(run int64, sub string) string { return RunURL(run) + "#" + SubAnchor(sub) }

// SubURL is a sub-requirement's page.
func SubURL(sub string) string { return "/pci/subs/" + url.PathEscape(sub) }

// AttestationURL is an attestation's page.
func AttestationURL(id int64) string { return AttestationsPath + "/" + itoa(id) }

// FileURL downloads an attestation's evidence file.
func FileURL(attestation, id int64) string { return AttestationURL(attestation) + "/files/" + itoa(id) }

// ReportURL is a run's report: "" for the printable page, ".json" for the
// signed file, ".csv" for the spreadsheet.
func ReportURL(run int64, ext string) string { return RunURL(run) + "/report" + ext }

// ReportFilename names a run's signed report file.
func ReportFilename(run int64) string { return "pci-report-" + itoa(run) + ".json" }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Percent is a score's passed share to one decimal, "n/a" when nothing
// in it applies (a score of nothing is not 0 %).
func Percent(s pci.Score) string {
	if s.Passed+s.Failed == 0 {
		return "n/a"
	}
	return strconv.FormatFloat(s.Percent(), 'f', 1, 64) + " %"
}

// The status badges' colours and words.
var (
	statusClass = map[pci.Status]string{pci.Pass: "ok", pci.Fail: "bad"}
	statusText  = map[pci.Status]string{pci.Pass: "pass", pci.Fail: "fail", pci.NotApplicable: "not applicable", "": "not assessed"}
)

// scoreClass colours a score: all passing is fine, under 80 % is bad.
func scoreClass(s pci.Score) string {
	switch {
	case s.Passed+s.Failed == 0:
		return ""
	case s.Failed == 0:
		return "ok"
	case s.Percent() < 80:
		return "bad"
	}
	return "warn"
}

// took is a run's duration: milliseconds under a second.
func took(d time.Duration) string {
	if d < time.Second {
		return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
}

// trigger says who started a run.
func trigger(t string) string {
	if t == "scheduled" {
		return "scheduled"
	}
	return "on demand by " + t
}

func count(n int) string { return strconv.Itoa(n) }

// size is a file's size for people.
func size(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// consoleLink is an evidence link if it is a page of the console's own,
// "" otherwise: evidence never links off-site.
func consoleLink(l string) string {
	if strings.HasPrefix(l, "/") && !strings.HasPrefix(l, "//") && !strings.HasPrefix(l, "/\\") {
		return l
	}
	return ""
}
