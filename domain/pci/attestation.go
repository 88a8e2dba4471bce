package pci

import (
	"time"
)

// Attestation is a compliance officer's record of a control software
// cannot see (physical security, policies, training, a review done), with
// the evidence they filed and how long it holds: an expired attestation
// fails its sub-requirement.
type Attestation struct {
	ID        int64
	Sub       string
	Statement string
	Effective time.Time
	Expires   time.Time // zero: until replaced
	By        string
	At        time.Time
	Files     []EvidenceFile
}

// EvidenceFile is a document filed with an attestation.
type EvidenceFile struct {
	ID          int64
	Name        string
	ContentType string
	Size        int64
	SHA256      string
}

func (a Attestation) evidence() []Evidence {
	out := []Evidence{ev("Attestation", a.Statement, "/pci/attestations/"+itoa(a.ID)),
		ev("Effective", a.Effective.Format("2006-01-02"))}
	if !a.Expires.IsZero() {
		out = append(out, ev("Expires", a.Expires.Format("2006-01-02")))
	}
	for _, f := range a.Files {
		out = append(out, ev("Evidence file", f.Name+" (sha256 "+f.SHA256[:12]+"…)", "/pci/attestations/"+itoa(a.ID)+"/files/"+itoa(f.ID)))
	}
	return out
}

// DependencyScan is a recorded run of a vulnerability scanner over the
// console's dependencies (govulncheck in CI, or an operator).
type DependencyScan struct {
	ID       int64
	Tool     string
	At       time.Time
	Findings int
	Report   string // the scanner's output, as recorded
	By       string
}
