package ach

import (
	"slices"
	"strings"
	"time"

	"github.com/paycompliance/console/domain"
)

// Status is where a transfer stands.
type Status string

const (
	Created   Status = "created"
	Screening Status = "screening"
	Held      Status = "held" // a screening hit, or an amount that needs an operator's approval
	Approved  Status = "approved"
	Batched   Status = "batched" // in a NACHA file
	Sent      Status = "sent"    // the file was delivered
	Settled   Status = "settled"
	Returned  Status = "returned"
	Canceled  Status = "canceled"
)

// Statuses lists them in life-cycle order.
var Statuses = []Status{Created, Screening, Held, Approved, Batched, Sent, Settled, Returned, Canceled}

// Label is the status as people say it.
func (s Status) Label() string { return strings.ToUpper(string(s[:1])) + string(s[1:]) }

// transitions is the one state machine: every status a transfer may move
// to from each. A return may come after settlement (up to 60 days for an
// unauthorized consumer debit).
var transitions = map[Status][]Status{
	Created:   {Screening, Canceled},
	Screening: {Approved, Held, Canceled},
	Held:      {Screening, Approved, Canceled}, // screened again: a list came back, a hit was cleared
	Approved:  {Batched, Held, Canceled},
	Batched:   {Sent, Returned}, // returned: the bank had the file before we marked it sent
	Sent:      {Settled, Returned},
	Settled:   {Returned},
}

// CanMove reports whether from may move to to.
func CanMove(from, to Status) bool { return slices.Contains(transitions[from], to) }

// Direction is which way the money goes.
type Direction string

const (
	Credit Direction = "credit" // we push money to the account
	Debit  Direction = "debit"  // we pull money from it
)

// SEC is a NACHA standard entry class.
type SEC string

const (
	PPD SEC = "PPD" // prearranged payment and deposit: a consumer's account, written authorization
	CCD SEC = "CCD" // corporate credit or debit: a company's account
	WEB SEC = "WEB" // internet-initiated: a consumer's debit authorized online
)

// HoldReason says why a transfer waits.
type HoldReason string

const (
	HoldScreening HoldReason = "screening" // the party has an open sanctions hit
	HoldApproval  HoldReason = "approval"  // above the approval threshold
	HoldNoList    HoldReason = "screening_unavailable"
)

// Authorization is a WEB debit's record of the consumer's online consent.
type Authorization struct {
	Reference string    // the merchant's record of it
	At        time.Time // when it was given
	IP        string
}

// Transfer is one ACH entry.
type Transfer struct {
	ID            int64
	PublicID      string // tr_…
	AccountID     int64
	AccountPublic string
	CustomerRef   string
	Direction     Direction
	Amount        int64 // cents
	SEC           SEC
	CompanyName   string // the receiving company, for CCD
	Authorization Authorization
	Description   string // the company entry description (10 characters)
	Effective     time.Time
	SameDay       bool
	Status        Status
	HoldReason    HoldReason
	CaseID        int64
	TraceNumber   string
	FileID        int64
	ReturnCode    string
	ReturnReason  string
	Purpose       string // PurposePayment, PurposeMicroDeposit
	CreatedAt     time.Time
	CreatedBy     string
	ApprovedBy    string
}

// Purposes of transfers: a payment, or one of the two small credits that
// verify an account (whose amounts the holder proves the account with).
const (
	PurposePayment      = "payment"
	PurposeMicroDeposit = "micro_deposit"
)

// move applies a transition, or refuses an illegal one.
func (t *Transfer) move(to Status) error {
	if !CanMove(t.Status, to) {
		return domain.Errorf(domain.ECONFLICT, "A transfer that is %s cannot become %s.", t.Status.Label(), to.Label())
	}
	t.Status = to
	return nil
}

// Final reports whether nothing more will happen to the transfer.
func (t Transfer) Final() bool { return t.Status == Returned || t.Status == Canceled }

// Event is one line of a transfer's history.
type Event struct {
	At     time.Time
	Status Status
	Actor  string
	Detail string
}

// NewTransfer is a transfer to create.
type NewTransfer struct {
	RequestRef    string
	Account       string // the bank account's public id
	Direction     Direction
	Amount        int64
	SEC           SEC
	CompanyName   string
	Authorization Authorization
	Description   string
	Effective     time.Time // requested; zero for the earliest
	SameDay       bool      // ask for same-day settlement when a window is open
	Purpose       string
}

// Same-day ACH takes entries up to $1,000,000 each (NACHA).
const sameDayMax = 100_000_000

func (n *NewTransfer) validate(holder HolderType) error {
	n.Description = strings.ToUpper(strings.TrimSpace(n.Description))
	n.CompanyName = strings.TrimSpace(n.CompanyName)
	switch {
	case n.RequestRef == "":
		return domain.Errorf(domain.EINVALID, "A transfer needs a request reference.")
	case n.Direction != Credit && n.Direction != Debit:
		return domain.Errorf(domain.EINVALID, "direction is credit or debit.")
	case n.Amount <= 0 || n.Amount > 99_999_999_99:
		return domain.Errorf(domain.EINVALID, "amount is a positive number of cents, at most 9,999,999,999.")
	case n.Description == "" || len(n.Description) > 10 || !asciiPrintable(n.Description) || blank(n.Description):
		return domain.Errorf(domain.EINVALID, "description is what the account holder's statement shows: 1 to 10 characters, not only zeros, e.g. PAYROLL.")
	case n.SameDay && n.Amount > sameDayMax:
		return domain.Errorf(domain.EINVALID, "A same-day entry is at most $1,000,000.")
	}
	switch n.SEC {
	case PPD:
		if holder != Person {
			return domain.Errorf(domain.EINVALID, "PPD is for a person's account; a company's takes CCD.")
		}
	case CCD:
		if n.CompanyName == "" || len(n.CompanyName) > 22 || !asciiPrintable(n.CompanyName) {
			return domain.Errorf(domain.EINVALID, "CCD needs company_name: the receiving company, up to 22 characters.")
		}
		if strings.EqualFold(n.CompanyName, offsetName) {
			return domain.Errorf(domain.EINVALID, "company_name cannot be %q: a NACHA file's offset entries are named so.", offsetName)
		}
	case WEB:
		if holder != Person {
			return domain.Errorf(domain.EINVALID, "WEB is for a consumer's account.")
		}
		if n.Direction == Debit && (strings.TrimSpace(n.Authorization.Reference) == "" || n.Authorization.At.IsZero()) {
			return domain.Errorf(domain.EINVALID, "A WEB debit needs the consumer's online authorization: its reference and when it was given.")
		}
		if n.Direction == Credit {
			return domain.Errorf(domain.EINVALID, "WEB credits are person-to-person only; use PPD to pay a consumer.")
		}
	default:
		return domain.Errorf(domain.EINVALID, "sec_code is PPD, CCD or WEB.")
	}
	return nil
}

// transactionCode is the NACHA code for a direction and account type.
func transactionCode(d Direction, t AccountType) int {
	switch {
	case d == Credit && t == Checking:
		return 22
	case d == Debit && t == Checking:
		return 27
	case d == Credit && t == Savings:
		return 32
	}
	return 37
}
