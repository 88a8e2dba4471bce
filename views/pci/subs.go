package pci

import (
	"time"

	"github.com/paycompliance/console/domain/pci"
)

// LogReviewSub is the sub-requirement of the daily log review, which
// offers a one-click attestation of today's review.
const LogReviewSub = "10.4.1"

// LogReviewHolds is how long a recorded daily review holds: a day and the
// next morning's grace.
const LogReviewHolds = 36 * time.Hour

// SubPage is a sub-requirement: what it asks, how it is evidenced, its
// result in the latest run, its attestations and (for those who may) the
// form recording a new one.
type SubPage struct {
	Requirement  pci.Requirement
	Sub          pci.Sub
	Latest       *pci.Run     // the latest run; nil before the first
	Results      []pci.Result // the sub-requirement's in Latest
	Attestations []pci.Attestation
	CanManage    bool
	Form         AttestForm
	Notice       string
	Error        string
	Now          time.Time
}

// AttestForm is what was typed into the attestation form, kept when it
// is refused.
type AttestForm struct {
	Statement, Effective, Expires string
}

// Date and time layouts the attestation form takes (UTC).
const (
	DateLayout     = "2006-01-02"
	DateTimeLayout = "2006-01-02T15:04"
)

// Checks are the titles of the automated checks evidencing the sub.
func (p SubPage) Checks() []string {
	out := make([]string, len(p.Sub.Checks))
	for i, id := range p.Sub.Checks {
		out[i] = pci.CheckTitle(id)
	}
	return out
}

// LogReview is whether the page offers the one-click daily log review.
func (p SubPage) LogReview() bool { return p.Sub.ID == LogReviewSub }

// LogReviewStatement is the one-click review's statement for today.
func (p SubPage) LogReviewStatement() string {
	return "Reviewed the audit log and security alerts for " + p.Now.UTC().Format(DateLayout)
}

func (p SubPage) today() string { return p.Now.UTC().Format(DateLayout) }

func (p SubPage) logReviewExpires() string {
	return p.Now.UTC().Add(LogReviewHolds).Format(DateTimeLayout)
}

// effective prefills the form's effective date: today unless typed.
func (p SubPage) effective() string {
	if p.Form.Effective != "" {
		return p.Form.Effective
	}
	return p.today()
}

// AttestationPage is one attestation with its evidence files.
type AttestationPage struct {
	Attestation pci.Attestation
	Sub         pci.Sub
}

// ScansPage is the recorded dependency scans and (for those who may) the
// form recording one.
type ScansPage struct {
	Scans     []pci.DependencyScan
	CanManage bool
	Form      ScanForm
	Notice    string
	Error     string
}

// ScanForm is what was typed into the scan form, kept when it is refused.
type ScanForm struct {
	Tool, Findings, Report string
}

// expires says until when an attestation holds.
func expires(a pci.Attestation) string {
	if a.Expires.IsZero() {
		return "until replaced"
	}
	return a.Expires.UTC().Format("2006-01-02 15:04") + " UTC"
}

// truncated says whether a listed report was cut to its preview.
func truncated(report string) bool { return len([]rune(report)) >= pci.ReportPreview }
