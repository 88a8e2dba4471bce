package pci

import (
	"time"

	"github.com/paycompliance/console/domain/identity"
)

// Facts are what a run reads from the live system, gathered once; each
// check then judges its part. A source that could not be read is in
// Errors, and every check that needs it fails saying so: the scorecard
// fails closed.
type Facts struct {
	Now      time.Time
	Settings Settings

	Users        []UserFacts
	Verification *Verification // the audit chain's latest verification
	Audit        AuditSpan
	PANs         PANScan
	Unencrypted  []ColumnCount // sensitive columns holding values not in the keyring's format
	CardMasked   bool          // the database allows only four digits of a card number to be stored for display
	Keys         []KeyAge      // nil with KeysManaged
	KeysManaged  bool          // the key service (AWS KMS) rotates its keys itself
	Probe        ProbeResult
	Scan         *DependencyScan
	Attestations map[string]Attestation // the latest per sub-requirement
	AlertsRan    time.Time              // when the alert rules last evaluated

	Errors map[string]error // by source: users, verification, audit, pans, ...
}

// Settings are the configuration a run checks, as the console runs with it.
type Settings struct {
	Policy            identity.Policy
	MinPasswordLength int
	RetentionMonths   int
	VerifyEvery       time.Duration
	WebhookSecretSet  bool
	WebhookTolerance  time.Duration
	KeyCryptoperiod   time.Duration
	PublicURL         string
}

// UserFacts is an active account as the checks see it.
type UserFacts struct {
	Username     string
	Roles        []identity.Role
	MFAEnrolled  bool
	LastActivity time.Time
}

// Verification is the audit chain's latest verification.
type Verification struct {
	At         time.Time
	OK         bool
	Entries    int64
	FirstBreak string // where the chain first broke, as the verifier says
}

// AuditSpan is what the audit trail holds online.
type AuditSpan struct {
	Oldest, Newest time.Time
	Entries        int64
}

// PANScan is a run's scan for card numbers: the rows added since the last
// run (up to a bound per table; the rest wait for the next run), a sample
// of the older ones, and what earlier scans found, checked again.
type PANScan struct {
	Findings      []PANFinding
	Scanned       int64 // new rows read
	Backlog       int64 // rows not yet reached
	Columns       int
	SamplePercent float64
}

// PANFinding is a Luhn-valid digit run found in a column.
type PANFinding struct {
	Table, Column, Row string
	Masked             string // the number as shown: first six and last four at most
}

// ColumnCount is how many values of a column are wrong.
type ColumnCount struct {
	Column string
	Count  int64
}

// KeyAge is one key version of the keyring.
type KeyAge struct {
	Purpose, Version string
	Created          time.Time
	Current          bool
}

// ProbeResult is what the running server answered a request with.
type ProbeResult struct {
	URL     string
	Status  int
	Headers map[string]string // canonical names
}

func (f Facts) failed(source string) (error, bool) {
	err, bad := f.Errors[source]
	return err, bad
}
