package escrow

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain/keys"
)

// ReleaseStatus is where a release request stands.
type ReleaseStatus string

const (
	Pending  ReleaseStatus = "pending"  // waiting for approvals
	Approved ReleaseStatus = "approved" // every group has signed; waits for the time lock or the payout
	Executed ReleaseStatus = "executed" // paid out, once
	Rejected ReleaseStatus = "rejected" // vetoed: final
	Expired  ReleaseStatus = "expired"  // not approved in time
	Blocked  ReleaseStatus = "blocked"  // the payee was found on a sanctions list
)

// Final reports whether nothing more can happen to the request.
func (s ReleaseStatus) Final() bool {
	return s == Executed || s == Rejected || s == Expired || s == Blocked
}

// Release is a request to pay part or all of an escrow to its payee.
type Release struct {
	ID            int64
	PublicID      string
	EscrowID      int64
	EscrowPublic  string
	Amount        int64
	Currency      string
	Payee         Payee
	PolicyVersion int
	Nonce         string
	Reason        string
	Status        ReleaseStatus
	RequestedBy   string
	RequestedAt   time.Time
	ExpiresAt     time.Time
	DecidedBy     string // who vetoed
	DecidedAt     *time.Time
	Note          string // why it is waiting, or why it ended
	PayoutRef     string
	ExecutedAt    *time.Time
}

// Payload is exactly what each approver signs. Changing any field (a new
// amount, payee account, policy version, or nonce) gives another payload,
// and approvals of the old one no longer count.
type Payload struct {
	Escrow        string `json:"escrow"`
	Request       string `json:"request"`
	Amount        int64  `json:"amount"`
	Currency      string `json:"currency"`
	Payee         string `json:"payee"`
	PayeeKind     string `json:"payee_kind"`
	PayeeAccount  string `json:"payee_account"`
	PayeeToken    string `json:"payee_account_token"`
	PolicyVersion int    `json:"policy_version"`
	Nonce         string `json:"nonce"`
}

// Payload is the release's canonical payload.
func (r Release) Payload() Payload {
	return Payload{Escrow: r.EscrowPublic, Request: r.PublicID, Amount: r.Amount, Currency: r.Currency, Payee: r.Payee.Name,
		PayeeKind: string(r.Payee.Kind), PayeeAccount: r.Payee.Account, PayeeToken: r.Payee.Token, PolicyVersion: r.PolicyVersion, Nonce: r.Nonce}
}

// Bytes is the payload's canonical encoding: JSON with its fields in a
// fixed order and no spaces.
func (p Payload) Bytes() []byte {
	b, _ := json.Marshal(p) // a struct of strings and integers always encodes
	return b
}

// Hash identifies the payload.
func (p Payload) Hash() string {
	sum := sha256.Sum256(p.Bytes())
	return hex.EncodeToString(sum[:])
}

// Approval is one approver's signature over a payload, made under the
// TOTP time step they had just used.
type Approval struct {
	ID          int64
	ReleaseID   int64
	Approver    string
	PayloadHash string
	TOTPStep    int64
	At          time.Time
	Signature   keys.Signature
}

// approvalDomain keeps approval signatures from being valid as any other
// signature the keyring makes.
const approvalDomain = "paycompliance/escrow-approval/v1\n"

// SignedMessage is what the server signs for an approval: the payload, the
// approver, the TOTP step and the time, each on its own line.
func SignedMessage(p Payload, approver string, step int64, at time.Time) []byte {
	msg := append([]byte(approvalDomain), p.Bytes()...)
	msg = append(msg, '\n')
	msg = append(msg, approver...)
	msg = append(msg, '\n')
	msg = strconv.AppendInt(msg, step, 10)
	msg = append(msg, '\n')
	return append(msg, at.UTC().Format(time.RFC3339Nano)...)
}

// Counting returns the approvers whose signatures count for r under
// rules: over r's current payload, by a designated approver, who is
// neither the requester nor excluded (created or funded the escrow), once
// each.
func Counting(r Release, rules PolicyRules, approvals []Approval, excluded map[string]bool) []string {
	hash := r.Payload().Hash()
	var out []string
	seen := map[string]bool{}
	for _, a := range approvals {
		if a.PayloadHash != hash || seen[a.Approver] || a.Approver == r.RequestedBy || excluded[a.Approver] || !rules.Designated(a.Approver) {
			continue
		}
		seen[a.Approver] = true
		out = append(out, a.Approver)
	}
	return out
}
