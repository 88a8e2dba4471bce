package pci

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/pan"
)

// Limits on what attestations take.
const (
	MaxStatement = 2000
	MaxFile      = 5 << 20
	maxFiles     = 10
	maxBackdate  = 366 * 24 * time.Hour
)

// NewFile is a document to file with an attestation.
type NewFile struct {
	Name, ContentType string
	Data              []byte
}

// Attest records an attestation of sub, effective from effective until
// expires (zero for until replaced), with its evidence files.
func (s *Service) Attest(ctx context.Context, sub, statement string, effective, expires time.Time, files []NewFile) (Attestation, error) {
	who, ctx, err := identity.Authorize(ctx, identity.PermPCIManage)
	if err != nil {
		return Attestation{}, err
	}
	now := s.now()
	statement = strings.TrimSpace(statement)
	_, _, known := Current().Sub(sub)
	switch {
	case !known:
		return Attestation{}, domain.Errorf(domain.EINVALID, "%q is not a sub-requirement of PCI DSS %s in the catalogue.", sub, Current().Version)
	case statement == "" || utf8.RuneCountInString(statement) > MaxStatement:
		return Attestation{}, domain.Errorf(domain.EINVALID, "Say what is attested, in 1 to %d characters.", MaxStatement)
	case effective.IsZero() || effective.After(now) || now.Sub(effective) > maxBackdate:
		return Attestation{}, domain.Errorf(domain.EINVALID, "The effective date is today or up to a year back.")
	case !expires.IsZero() && !expires.After(effective):
		return Attestation{}, domain.Errorf(domain.EINVALID, "The expiry comes after the effective date.")
	case len(files) > maxFiles:
		return Attestation{}, domain.Errorf(domain.EINVALID, "At most %d files go with one attestation.", maxFiles)
	}
	if _, found := pan.Find(statement); found {
		return Attestation{}, domain.Errorf(domain.EINVALID, "The statement holds what looks like a card number.")
	}
	a := Attestation{Sub: sub, Statement: statement, Effective: effective.UTC(), Expires: expires.UTC(), By: who.Actor.ID, At: now}
	if expires.IsZero() {
		a.Expires = time.Time{}
	}
	var data [][]byte
	for _, f := range files {
		name := strings.TrimSpace(f.Name)
		if name == "" || len(name) > 200 || len(f.Data) == 0 || len(f.Data) > MaxFile {
			return Attestation{}, domain.Errorf(domain.EINVALID, "Each evidence file needs a name and 1 byte to 5 MiB.")
		}
		sum := sha256.Sum256(f.Data)
		a.Files = append(a.Files, EvidenceFile{Name: name, ContentType: f.ContentType, Size: int64(len(f.Data)), SHA256: hex.EncodeToString(sum[:])})
		data = append(data, f.Data)
	}
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.InsertAttestation(ctx, &a, data); err != nil {
			return err
		}
		detail := map[string]string{"sub": sub, "effective": a.Effective.Format("2006-01-02"), "files": strconv.Itoa(len(a.Files))}
		if !a.Expires.IsZero() {
			detail["expires"] = a.Expires.Format("2006-01-02")
		}
		return s.Audit.Record(ctx, audit.Event{Action: audit.AttestationRecorded, Outcome: audit.Success,
			Target: audit.Target{Type: "pci_attestation", ID: itoa(a.ID)}, Detail: detail})
	})
	return a, err
}

// Attestations lists a sub-requirement's attestations, newest first.
func (s *Service) Attestations(ctx context.Context, sub string) ([]Attestation, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermPCIRead); err != nil {
		return nil, err
	}
	return s.Store.Attestations(ctx, sub)
}

// Attestation returns one attestation.
func (s *Service) Attestation(ctx context.Context, id int64) (Attestation, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermPCIRead); err != nil {
		return Attestation{}, err
	}
	a, found, err := s.Store.Attestation(ctx, id)
	if err == nil && !found {
		err = domain.Errorf(domain.ENOTFOUND, "There is no such attestation.")
	}
	return a, err
}

// File returns an attestation's evidence file.
func (s *Service) File(ctx context.Context, attestation, id int64) (EvidenceFile, []byte, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermPCIRead); err != nil {
		return EvidenceFile{}, nil, err
	}
	f, data, found, err := s.Store.AttestationFile(ctx, attestation, id)
	if err == nil && !found {
		err = domain.Errorf(domain.ENOTFOUND, "There is no such file.")
	}
	return f, data, err
}

// RecordScan keeps a dependency scan's result (govulncheck's, from CI or
// an operator).
func (s *Service) RecordScan(ctx context.Context, tool string, at time.Time, findings int, report string) (DependencyScan, error) {
	who, ctx, err := identity.Authorize(ctx, identity.PermPCIManage)
	if err != nil {
		return DependencyScan{}, err
	}
	tool, now := strings.TrimSpace(tool), s.now()
	if at.IsZero() {
		at = now
	}
	switch {
	case tool == "" || len(tool) > 100:
		return DependencyScan{}, domain.Errorf(domain.EINVALID, "Name the scanner, such as govulncheck.")
	case findings < 0:
		return DependencyScan{}, domain.Errorf(domain.EINVALID, "The number of findings cannot be negative.")
	case at.After(now.Add(5 * time.Minute)):
		return DependencyScan{}, domain.Errorf(domain.EINVALID, "The scan's time is in the future.")
	case len(report) > 1<<20:
		return DependencyScan{}, domain.Errorf(domain.EINVALID, "The report is at most 1 MiB.")
	}
	d := DependencyScan{Tool: tool, At: at.UTC(), Findings: findings, Report: report, By: who.Actor.ID}
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.InsertScan(ctx, &d); err != nil {
			return err
		}
		return s.Audit.Record(ctx, audit.Event{Action: audit.ScanRecorded, Outcome: audit.Success,
			Target: audit.Target{Type: "pci_scan", ID: itoa(d.ID)}, Detail: map[string]string{"tool": tool, "findings": strconv.Itoa(findings)}})
	})
	return d, err
}

// ReportPreview is how much of a scan's report a list of scans shows.
const ReportPreview = 4096

// Scans lists the newest recorded dependency scans, newest first, each
// report cut to its first ReportPreview characters.
func (s *Service) Scans(ctx context.Context, limit int) ([]DependencyScan, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermPCIRead); err != nil {
		return nil, err
	}
	return s.Store.Scans(ctx, min(max(limit, 1), 100))
}
