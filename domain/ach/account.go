// Package ach is ACH origination and returns: bank accounts (numbers
// encrypted, shown masked, matched by keyed token, verified by
// micro-deposits), transfers through one state machine, NACHA files built
// and read with moov-io/ach (no fixed-width code of ours), returns and
// notifications of change. Nothing is batched before screening says
// clear. Storage, HTTP and delivery are adapters' business.
package ach

import (
	"regexp"
	"slices"
	"strings"
	"time"

	moov "github.com/moov-io/ach"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/pan"
)

// AccountType is a bank account's kind.
type AccountType string

const (
	Checking AccountType = "checking"
	Savings  AccountType = "savings"
)

// HolderType says whether an account belongs to a person or a company.
type HolderType string

const (
	Person  HolderType = "individual"
	Company HolderType = "business"
)

// AccountStatus is where a bank account stands.
type AccountStatus string

const (
	Unverified AccountStatus = "unverified"
	Verifying  AccountStatus = "verifying" // micro-deposits sent, amounts awaited
	Verified   AccountStatus = "verified"
	Blocked    AccountStatus = "blocked" // an administrative return, or a failed verification
)

// Label is the status as people say it.
func (s AccountStatus) Label() string { return strings.ToUpper(string(s[:1])) + string(s[1:]) }

// BankAccount is an account money is pulled from or pushed to. Its number
// is only ever held encrypted; Last4 and Token stand in for it.
type BankAccount struct {
	ID          int64
	PublicID    string // ba_…
	CustomerRef string
	HolderName  string
	HolderType  HolderType
	Type        AccountType
	Routing     string
	Ciphertext  []byte // the account number, keyring-encrypted, bound to PublicID
	Last4       string
	Token       string // keyed MAC of routing and number: duplicates and velocity without decrypting
	Status      AccountStatus
	BlockReason string
	Attempts    int // micro-deposit confirmations tried
	CreatedAt   time.Time
	CreatedBy   string
}

// PartyRef names the account's holder for screening.
func (a BankAccount) PartyRef() string { return "bank_account:" + a.PublicID }

// Masked is the account number as shown: its last four digits.
func (a BankAccount) Masked() string { return "••••" + a.Last4 }

// NewAccount is an account to add.
type NewAccount struct {
	RequestRef    string
	CustomerRef   string
	HolderName    string
	HolderType    HolderType
	Type          AccountType
	Routing       string
	AccountNumber string
}

var accountNumber = regexp.MustCompile(`^[0-9A-Za-z-]{4,17}$`)

// validate checks the account as NACHA and the bank will: a routing number
// with a right check digit, an account number of 4 to 17 characters.
func (n *NewAccount) validate() error {
	n.Routing, n.AccountNumber = strings.TrimSpace(n.Routing), strings.TrimSpace(n.AccountNumber)
	n.HolderName, n.CustomerRef = strings.TrimSpace(n.HolderName), strings.TrimSpace(n.CustomerRef)
	switch {
	case n.RequestRef == "":
		return domain.Errorf(domain.EINVALID, "An account needs a request reference.")
	case n.HolderName == "" || len(n.HolderName) > 100 || !asciiPrintable(n.HolderName):
		return domain.Errorf(domain.EINVALID, "holder_name is 1 to 100 plain letters, digits and punctuation.")
	case blank(truncate(n.HolderName, 22)):
		return domain.Errorf(domain.EINVALID, "holder_name needs a letter or a digit other than 0 in its first 22 characters: the NACHA file carries those.")
	case strings.EqualFold(n.HolderName, offsetName):
		return domain.Errorf(domain.EINVALID, "holder_name cannot be %q: a NACHA file's offset entries are named so.", offsetName)
	case n.CustomerRef == "" || len(n.CustomerRef) > 128 || !asciiPrintable(n.CustomerRef):
		return domain.Errorf(domain.EINVALID, "customer is your reference for the account's owner, 1 to 128 characters.")
	case n.HolderType != Person && n.HolderType != Company:
		return domain.Errorf(domain.EINVALID, "holder_type is individual or business.")
	case n.Type != Checking && n.Type != Savings:
		return domain.Errorf(domain.EINVALID, "type is checking or savings.")
	case !accountNumber.MatchString(n.AccountNumber):
		return domain.Errorf(domain.EINVALID, "The account number is 4 to 17 digits (letters and dashes allowed).")
	}
	if err := ValidateRouting(n.Routing); err != nil {
		return err
	}
	if _, found := pan.Find(n.HolderName + " " + n.CustomerRef); found {
		return domain.Errorf(domain.EINVALID, "The request holds what looks like a card number.")
	}
	return nil
}

// ValidateRouting checks a routing number: nine digits whose ABA check
// digit is right (moov-io/ach's own check).
func ValidateRouting(r string) error {
	if len(r) != 9 || strings.Trim(r, "0123456789") != "" {
		return domain.Errorf(domain.EINVALID, "A routing number is 9 digits; %q is not.", r)
	}
	if err := moov.CheckRoutingNumber(r); err != nil {
		return domain.Errorf(domain.EINVALID, "Routing number %s fails its check digit: it is mistyped.", r)
	}
	return nil
}

// blank reports whether s holds only zeros and spaces, which moov-io/ach
// refuses in a file's names and descriptions.
func blank(s string) bool { return strings.Trim(s, "0 ") == "" }

func asciiPrintable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// Correction is a notification of change (NOC) the receiving bank sent:
// held until an operator confirms it, then applied to the account.
type Correction struct {
	ID            int64
	AccountID     int64
	AccountPublic string
	TransferID    int64
	OriginalTrace string
	Code          string // C01 …
	Reason        string
	CorrectedData string // as the bank sent it, a corrected account number masked to its last 4
	Ciphertext    []byte // a corrected account number, encrypted
	Status        string // pending; applied, noted (nothing to change) or rejected
	ReceivedAt    time.Time
	DecidedBy     string
	Routing       string // a corrected routing number
	TxCode        int    // a corrected transaction code (the account's type)
	ReceivedBy    string // who brought the file in: someone else decides
}

// Changes reports whether the correction changes the account (routing,
// number, type); the others (a name, an identification) are noted.
func (c Correction) Changes() bool {
	return slices.Contains([]string{"C01", "C02", "C03", "C05", "C06", "C07"}, c.Code)
}
