package pci

import (
	"context"
	"time"

	"github.com/paycompliance/console/domain/keys"
)

// Evidence sources: each reads one part of the live system.
type (
	// Store reads the database's evidence and keeps runs, attestations
	// and scans; each method joins the transaction its ctx carries.
	Store interface {
		ActiveUsers(ctx context.Context) ([]UserFacts, error)
		LatestVerification(ctx context.Context) (Verification, bool, error)
		AuditSpan(ctx context.Context) (AuditSpan, error)
		// ScanPANs scans the text columns' rows added since the last scan,
		// and a sample of older ones, and re-checks what was found before.
		ScanPANs(ctx context.Context) (PANScan, error)
		Unencrypted(ctx context.Context) ([]ColumnCount, error)
		CardDigitsConstrained(ctx context.Context) (bool, error)

		LatestScan(ctx context.Context) (DependencyScan, bool, error)
		// Scans lists the newest recorded scans, each report cut to its
		// first ReportPreview characters.
		Scans(ctx context.Context, limit int) ([]DependencyScan, error)
		InsertScan(ctx context.Context, s *DependencyScan) error
		// CurrentAttestations is the latest attestation of each sub-requirement.
		CurrentAttestations(ctx context.Context) (map[string]Attestation, error)
		Attestations(ctx context.Context, sub string) ([]Attestation, error)
		Attestation(ctx context.Context, id int64) (Attestation, bool, error)
		InsertAttestation(ctx context.Context, a *Attestation, files [][]byte) error
		AttestationFile(ctx context.Context, attestation, id int64) (EvidenceFile, []byte, bool, error)

		InsertRun(ctx context.Context, r *Run, results []Result) error
		Runs(ctx context.Context, before int64, limit int) ([]Run, error)
		Run(ctx context.Context, id int64) (Run, []Result, bool, error)
		// Trend is each day's last run score from from on.
		Trend(ctx context.Context, from time.Time) ([]TrendPoint, error)
		// Changed tells every instance's live scorecards that a run finished.
		Changed(ctx context.Context, runID int64) error
	}

	// KeyAges lists the keyring's key versions and when each was made;
	// managed is set when a key service rotates them itself.
	KeyAges interface {
		KeyAges(ctx context.Context) (ages []KeyAge, managed bool, err error)
	}

	// Prober asks the running server for a page, as a browser would.
	Prober interface {
		Probe(ctx context.Context) (ProbeResult, error)
	}

	// Alerter raises the alert of a check that turned to fail, and says
	// when the alert rules last evaluated (10.7.2: failures are alerted).
	Alerter interface {
		CheckFailed(ctx context.Context, r Result, runID int64) error
		LastEvaluated(ctx context.Context) (time.Time, error)
	}

	// Signer signs reports: the keyring.
	Signer interface {
		Sign(ctx context.Context, msg []byte) (keys.Signature, error)
		PublicKey(ctx context.Context, keyID string) (keys.PublicKey, error)
	}
)

// TrendPoint is one day's score.
type TrendPoint struct {
	Day   time.Time
	Score Score
	RunID int64
}
