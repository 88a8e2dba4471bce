package ach

import (
	"context"
	"time"

	"github.com/paycompliance/console/domain/screening"
)

// Store keeps accounts, transfers, files, returns and corrections; each
// method joins the transaction its ctx carries.
type Store interface {
	// InsertAccount stores a (setting a.ID); false when one exists for its
	// request ref already.
	InsertAccount(ctx context.Context, a *BankAccount, requestRef string) (bool, error)
	Account(ctx context.Context, publicID string, forUpdate bool) (BankAccount, bool, error)
	AccountByRef(ctx context.Context, requestRef string) (BankAccount, bool, error)
	// AccountsByToken finds accounts with the same routing and number.
	AccountsByToken(ctx context.Context, token string) ([]BankAccount, error)
	UpdateAccount(ctx context.Context, a BankAccount) error
	ListAccounts(ctx context.Context, customer, after string, limit int) ([]BankAccount, error)
	SetVerification(ctx context.Context, accountID int64, token string) error
	Verification(ctx context.Context, accountID int64) (string, error)

	InsertTransfer(ctx context.Context, t *Transfer, requestRef string) (bool, error)
	Transfer(ctx context.Context, publicID string, forUpdate bool) (Transfer, bool, error)
	TransferByRef(ctx context.Context, requestRef string) (Transfer, bool, error)
	TransferByTrace(ctx context.Context, trace string, forUpdate bool) (Transfer, bool, error)
	UpdateTransfer(ctx context.Context, t Transfer) error
	ListTransfers(ctx context.Context, q Query) ([]Transfer, error)
	AddEvent(ctx context.Context, transferID int64, e Event) error
	Events(ctx context.Context, transferID int64) ([]Event, error)
	// PartyTransfers locks the transfers of the accounts of a screening
	// party that are in one of statuses.
	PartyTransfers(ctx context.Context, partyRef string, statuses []Status) ([]Transfer, error)
	// LockCustomer holds the customer's transfers still until the caller's
	// transaction ends.
	LockCustomer(ctx context.Context, customer string) error
	// DayTotal sums a customer's transfers created in [from, to), but those
	// canceled or returned.
	DayTotal(ctx context.Context, customer string, from, to time.Time) (int64, error)
	// Pending lists transfers in a status, oldest first.
	Pending(ctx context.Context, status Status, reason HoldReason, limit int) ([]Transfer, error)
	// LockApproved locks approved transfers for a file, skipping any another
	// cutoff holds: two cutoffs at once never take the same transfer.
	LockApproved(ctx context.Context, limit int) ([]Transfer, error)
	// FileTransfers locks the transfers of a file.
	FileTransfers(ctx context.Context, fileID int64) ([]Transfer, error)
	// SentBefore lists sent transfers effective before date.
	SentBefore(ctx context.Context, date time.Time, limit int) ([]Transfer, error)

	// CutoffClaimed reports whether the cutoff window ran (or runs).
	CutoffClaimed(ctx context.Context, window string) (bool, error)
	// ClaimCutoff records that the cutoff window runs; false when it ran
	// already (on this or another instance).
	ClaimCutoff(ctx context.Context, window string, at time.Time) (bool, error)
	CutoffRan(ctx context.Context, window string, fileID int64) error
	LastRun(ctx context.Context) (string, time.Time, bool, error)
	// ReserveTraces takes the next n trace sequences of the bank's
	// identification odfi, in the caller's transaction, and returns the
	// first.
	ReserveTraces(ctx context.Context, odfi string, n int) (int, error)
	// InsertFile stores f; ECONFLICT when its window has a file already.
	InsertFile(ctx context.Context, f *File) error
	File(ctx context.Context, id int64) (File, bool, error)
	ListFiles(ctx context.Context, limit int) ([]File, error)
	UpdateFile(ctx context.Context, f File) error
	FilesSince(ctx context.Context, since time.Time) (int, error)

	InsertInbound(ctx context.Context, f *InboundFile) error
	InboundBySHA(ctx context.Context, sha string) (InboundFile, bool, error)
	ListInbound(ctx context.Context, limit int) ([]InboundFile, error)
	InsertReturn(ctx context.Context, r *ReturnRecord) error
	Returns(ctx context.Context, transferID int64) ([]ReturnRecord, error)
	RecentReturns(ctx context.Context, limit int) ([]ReturnRecord, error)

	InsertCorrection(ctx context.Context, c *Correction) error
	Correction(ctx context.Context, id int64, forUpdate bool) (Correction, bool, error)
	UpdateCorrection(ctx context.Context, c Correction) error
	Corrections(ctx context.Context, accountID int64) ([]Correction, error)
	PendingCorrections(ctx context.Context, limit int) ([]Correction, error)

	// Summary counts what waits: held transfers by reason, approved ones,
	// pending corrections, returns since since.
	Summary(ctx context.Context, since time.Time) (Summary, error)

	// Changed tells live views the transfer changed, when the change commits.
	Changed(ctx context.Context, publicID string) error
}

// Screener is screening, as ACH needs it.
type Screener interface {
	Screen(ctx context.Context, p screening.Party, trigger string) (screening.Result, error)
	// Standing is the party as screened last.
	Standing(ctx context.Context, ref string) (screening.Record, bool, error)
}

// Jobs queues work in the caller's transaction.
type Jobs interface {
	DeliverFileLater(ctx context.Context, fileID int64) error
}

// Outbox delivers a NACHA file to the bank (a directory the bank's
// transfer agent watches, or S3).
type Outbox interface {
	Deliver(ctx context.Context, name string, content []byte) (location string, err error)
}

// Inbox is where the bank's files of returns and changes arrive (a
// directory, an S3 prefix).
type Inbox interface {
	List(ctx context.Context) ([]string, error)
	Read(ctx context.Context, name string) ([]byte, error)
	// Done moves a file out of the way, as taken or as rejected.
	Done(ctx context.Context, name string, rejected bool) error
}

// Keyring keeps account numbers encrypted and tokenised.
type Keyring interface {
	Encrypt(ctx context.Context, plaintext, aad []byte) ([]byte, error)
	Decrypt(ctx context.Context, ciphertext, aad []byte) ([]byte, error)
	Token(ctx context.Context, msg []byte) (string, error)
	CheckToken(ctx context.Context, msg []byte, token string) error
}
