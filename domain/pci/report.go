package pci

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/keys"
)

// ReportFormat names this version of the assessor's report.
const ReportFormat = "paycompliance/pci-dss-report/v1"

const reportDomain = ReportFormat + "\n"

// Report is a run for assessors: each sub-requirement with its status,
// evidence and attestation, signed by the keyring. The file is the
// report's canonical encoding, so any altered byte fails VerifyReport.
type Report struct {
	Format       string           `json:"format"`
	Standard     string           `json:"standard"`
	Run          int64            `json:"run"`
	AssessedAt   time.Time        `json:"assessed_at"`
	Trigger      string           `json:"trigger"`
	Score        ReportScore      `json:"score"`
	Requirements []ReportSection  `json:"requirements"`
	IssuedBy     string           `json:"issued_by"`
	IssuedAt     time.Time        `json:"issued_at"`
	Keys         []keys.PublicKey `json:"public_keys"`
	Signature    keys.Signature   `json:"signature"`
}

// ReportScore is a score as the report states it.
type ReportScore struct {
	Passed        int     `json:"passed"`
	Failed        int     `json:"failed"`
	NotApplicable int     `json:"not_applicable"`
	Percent       float64 `json:"percent"`
}

// ReportSection is one principal requirement in the report.
type ReportSection struct {
	ID      string      `json:"id"`
	Title   string      `json:"title"`
	Score   ReportScore `json:"score"`
	Results []Result    `json:"results"`
}

func reportScore(s Score) ReportScore {
	return ReportScore{Passed: s.Passed, Failed: s.Failed, NotApplicable: s.NotApplicable, Percent: float64(int(s.Percent()*10)) / 10}
}

// Encode is the report's canonical bytes.
func (r Report) Encode() []byte {
	b, _ := json.MarshalIndent(r, "", "  ") // plain fields always encode
	return append(b, '\n')
}

func (r Report) signedBytes() []byte {
	r.Signature, r.Keys = keys.Signature{}, nil
	return append([]byte(reportDomain), r.Encode()...)
}

// Report issues a run's signed report, recording that it was taken.
func (s *Service) Report(ctx context.Context, runID int64) (Report, error) {
	who, ctx, err := identity.Authorize(ctx, identity.PermPCIRead)
	if err != nil {
		return Report{}, err
	}
	sc, err := s.scorecard(ctx, runID)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Format: ReportFormat, Standard: "PCI DSS " + sc.Run.Catalogue, Run: sc.Run.ID, AssessedAt: sc.Run.StartedAt,
		Trigger: sc.Run.Trigger, Score: reportScore(sc.Run.Score), IssuedBy: who.Actor.ID, IssuedAt: s.now().Truncate(time.Second)}
	for _, req := range sc.Catalogue.Requirements {
		sec := ReportSection{ID: req.ID, Title: req.Title, Score: reportScore(sc.Requirements[req.ID])}
		for _, r := range sc.Results {
			if r.Requirement == req.ID {
				sec.Results = append(sec.Results, r)
			}
		}
		rep.Requirements = append(rep.Requirements, sec)
	}
	if rep.Signature, err = s.Signer.Sign(ctx, rep.signedBytes()); err != nil {
		return Report{}, err
	}
	pub, err := s.Signer.PublicKey(ctx, rep.Signature.KeyID)
	if err != nil {
		return Report{}, err
	}
	rep.Keys = []keys.PublicKey{pub}
	err = s.Audit.Record(ctx, audit.Event{Action: audit.ReportExported, Outcome: audit.Success,
		Target: audit.Target{Type: "pci_run", ID: itoa(runID)}, Detail: map[string]string{"key": rep.Signature.KeyID}})
	return rep, err
}

// ErrReport is why a report file does not verify.
var ErrReport = errors.New("the report does not verify")

// VerifyReport checks a report file offline: its canonical form, its
// format, and the keyring's signature over it with the key it names.
func VerifyReport(data []byte) (Report, error) {
	var r Report
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, fmt.Errorf("%w: %v", ErrReport, err)
	}
	if !bytes.Equal(r.Encode(), data) {
		return r, fmt.Errorf("%w: the file is not the report as issued (altered or reformatted)", ErrReport)
	}
	if r.Format != ReportFormat {
		return r, fmt.Errorf("%w: unknown format %q", ErrReport, r.Format)
	}
	for _, k := range r.Keys {
		if k.KeyID == r.Signature.KeyID {
			if err := k.Verify(r.signedBytes(), r.Signature); err != nil {
				return r, fmt.Errorf("%w: %v", ErrReport, err)
			}
			return r, nil
		}
	}
	return r, fmt.Errorf("%w: no public key %q in the report", ErrReport, r.Signature.KeyID)
}
