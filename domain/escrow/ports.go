package escrow

import (
	"context"
	"time"

	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/domain/screening"
)

// Store keeps escrows, their policies, ledgers, releases and approvals.
// The database backs the rules that money depends on: a posting can never
// take a bucket below zero, a release is paid once.
type Store interface {
	// Clock is the database's clock: time locks and expiries are measured
	// by it, not by whichever instance asks.
	Clock(ctx context.Context) (time.Time, error)

	InsertEscrow(ctx context.Context, e *Escrow, requestRef string) (inserted bool, err error)
	EscrowByRef(ctx context.Context, requestRef string) (Escrow, bool, error)
	Escrow(ctx context.Context, publicID string, lock bool) (Escrow, bool, error)
	Escrows(ctx context.Context, after string, limit int) ([]Escrow, error)

	InsertPolicy(ctx context.Context, p *Policy) error
	Policies(ctx context.Context, escrowID int64) ([]Policy, error) // newest first
	SetPolicyStatus(ctx context.Context, p Policy) error

	// InsertPosting adds a ledger line; ECONFLICT when a source funds twice
	// or a release is paid twice, EINVALID when a bucket would go negative.
	InsertPosting(ctx context.Context, p *Posting) error
	Postings(ctx context.Context, escrowID int64) ([]Posting, error)

	InsertRelease(ctx context.Context, r *Release, requestRef string) (inserted bool, err error)
	ReleaseByRef(ctx context.Context, requestRef string) (Release, bool, error)
	Release(ctx context.Context, publicID string, lock bool) (Release, bool, error)
	ReleaseByID(ctx context.Context, id int64, lock bool) (Release, bool, error)
	Releases(ctx context.Context, q ReleaseQuery) ([]Release, error)
	UpdateRelease(ctx context.Context, r Release) error
	// DueExpiries lists pending requests whose expiry has passed by the
	// database's clock.
	DueExpiries(ctx context.Context, limit int) ([]int64, error)

	// InsertApproval adds a signature; false when this approver has signed
	// this payload already.
	InsertApproval(ctx context.Context, a *Approval) (bool, error)
	// ViewParts reads what views of releases need besides the releases,
	// for all of them at once (an inbox of many costs no more round trips
	// than one release).
	ViewParts(ctx context.Context, escrowIDs, releaseIDs []int64) (ViewParts, error)
	// AuditSeqs maps each approver to the audit sequence number of their
	// approval of the release, for those already chained.
	AuditSeqs(ctx context.Context, releasePublicID string) (map[string]int64, error)

	// Changed tells every instance's live pages that releases moved.
	Changed(ctx context.Context) error
}

// ViewParts are, by escrow id, the escrows, their policies (newest first)
// and who funded them, and by release id the approvals (oldest first).
type ViewParts struct {
	Escrows   map[int64]Escrow
	Policies  map[int64][]Policy
	Funders   map[int64][]string
	Approvals map[int64][]Approval
}

// ReleaseQuery selects release requests.
type ReleaseQuery struct {
	EscrowID int64           // 0 for every escrow
	Statuses []ReleaseStatus // empty for any
	Before   int64           // id cursor; 0 for the newest
	// Approver, when set, keeps the requests whose policy version names
	// this user in a group: the inbox's candidates, read without the
	// requests of every escrow they have no part in.
	Approver string
	Limit    int
}

// Signer is the keyring's signing half.
type Signer interface {
	Sign(ctx context.Context, msg []byte) (keys.Signature, error)
	PublicKey(ctx context.Context, keyID string) (keys.PublicKey, error)
	Token(ctx context.Context, msg []byte) (string, error)
}

// Challenger checks a TOTP code of the signed-in caller, spending its time
// step (a code is good once), and returns the step: the proof an approval
// was made under a fresh MFA challenge.
type Challenger interface {
	Countersign(ctx context.Context, code string) (step int64, err error)
}

// Screener screens the payee, failing closed.
type Screener interface {
	Screen(ctx context.Context, p screening.Party, trigger string) (screening.Result, error)
}

// Payout pays a release on one rail. key is derived from the request, so a
// retried call pays once.
type Payout interface {
	Pay(ctx context.Context, key string, r Release) (ref string, err error)
}

// Accounts knows the payees' accounts on the rails.
type Accounts interface {
	// PayeeToken is the keyed token of a payee's account: EINVALID when the
	// account is unknown or cannot be paid.
	PayeeToken(ctx context.Context, kind PayeeKind, account string) (string, error)
	// Source is a payment or ACH debit that may fund an escrow.
	Source(ctx context.Context, ref string) (FundingSource, bool, error)
}

// Jobs queues work in the caller's transaction.
type Jobs interface {
	ExecuteLater(ctx context.Context, releaseID int64, at time.Time) error
}
