// Package escrow renders escrow for operators and approvers: the escrows
// with the viewer's approvals inbox, an escrow with its balances, ledger,
// policy versions and releases, a release with its payload, each group's
// progress and the signatures so far, and an executed release's
// certificate.
package escrow

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paycompliance/console/domain/escrow"
	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/views/timeline"
)

// MaxGroups is how many approver groups the policy form offers.
const MaxGroups = 3

// ListView is the escrows list and, for approvers, what awaits their
// signature.
type ListView struct {
	Escrows    []escrow.Escrow
	After      string // the page starts after this escrow
	Next       string // public id to continue after; "" on the last page
	Inbox      []escrow.ReleaseView
	CanWrite   bool
	CanApprove bool
}

func (v ListView) pageURL(after string) string {
	if after == "" {
		return "/escrow"
	}
	return "/escrow?" + url.Values{"after": {after}}.Encode()
}

// EscrowForm is the new-escrow form, as typed, with its refusal.
type EscrowForm struct {
	Values url.Values
	Error  string
	Nonce  string // names the request, so a resubmitted form opens one escrow
}

// DetailView is one escrow's page.
type DetailView struct {
	Detail     escrow.Detail
	Timeline   []timeline.Item
	CanWrite   bool
	CanApprove bool
	Viewer     string // the viewer's audit actor id (their username)
	Notice     string
	// Error is a refusal, shown at the form named by ErrorAt ("fund",
	// "release", "policy", "decide"), whose typed values are Values.
	Error   string
	ErrorAt string
	Values  url.Values
	Nonce   string // names the next release request
}

// Proposed is the policy version waiting for a decision, if any.
func (v DetailView) Proposed() (escrow.Policy, bool) {
	if len(v.Detail.Policies) > 0 && v.Detail.Policies[0].Status == escrow.PolicyProposed {
		return v.Detail.Policies[0], true
	}
	return escrow.Policy{}, false
}

// CanDecide says whether the viewer may decide the proposed version: a
// designated approver of the active one who did not propose it.
func (v DetailView) CanDecide(p escrow.Policy) bool {
	return v.CanApprove && p.ProposedBy != v.Viewer && v.Detail.Active.Rules.Designated(v.Viewer)
}

// errorAt is the refusal to show at form, if it is that form's.
func (v DetailView) errorAt(form string) string {
	if v.ErrorAt == form {
		return v.Error
	}
	return ""
}

// value is what was typed in form's field, if form was refused.
func (v DetailView) value(form, field string) string {
	if v.ErrorAt == form {
		return v.Values.Get(field)
	}
	return ""
}

// policyValues is what the policy change form starts from: what was typed
// if it was refused, else the active policy.
func (v DetailView) policyValues() url.Values {
	if v.ErrorAt == "policy" {
		return v.Values
	}
	return PolicyValues(v.Detail.Active.Rules, v.Detail.Escrow.Currency)
}

// releaseOf names the request a ledger line is about.
func (v DetailView) releaseOf(p escrow.Posting) string {
	for _, r := range v.Detail.Releases {
		if r.ID == p.ReleaseID {
			return r.PublicID
		}
	}
	return ""
}

// ReleasePage is one release request's page.
type ReleasePage struct {
	View       escrow.ReleaseView
	Timeline   []timeline.Item
	CanApprove bool // the viewer's roles allow signing and vetoing
	Viewer     string
	Notice     string
	Error      string
	// ConfirmReject asks to confirm a veto, with its reason and a code.
	ConfirmReject bool
	Reason        string
}

// Approvable says whether the viewer may sign now, and if not, why.
func (p ReleasePage) Approvable() (bool, string) {
	ok, why := p.View.CanApprove(p.Viewer)
	if ok && !p.CanApprove {
		return false, "Escrow approvers sign releases; your roles do not include it."
	}
	return ok, why
}

// Vetoable says whether the viewer may reject the request now.
func (p ReleasePage) Vetoable() bool { return p.CanApprove && p.View.CanVeto(p.Viewer) }

// counts reports whether approval a counts towards the policy: over the
// current payload, by an approver whose signature was counted.
func (p ReleasePage) counts(a escrow.Approval) (bool, string) {
	switch {
	case a.PayloadHash != p.View.Release.Payload().Hash():
		return false, "signed an earlier payload"
	case !slices.Contains(p.View.Counting, a.Approver):
		return false, "not an approver who counts"
	}
	return true, "counts"
}

// CertificateView is an executed release's certificate, as issued, and
// whether it verifies as the file would offline.
type CertificateView struct {
	Certificate escrow.Certificate
	Release     string
	Escrow      string
	Verified    error
}

// ActionsKey changes when the actions a request allows do: with its
// status, or its payload.
func ActionsKey(r escrow.Release) string { return string(r.Status) + "/" + r.Payload().Hash() }

// streamURL follows one request, saying which actions the page shows.
func streamURL(r escrow.Release) string {
	return "/escrow/stream?" + url.Values{"id": {r.PublicID}, "actions": {ActionsKey(r)}}.Encode()
}

// EscrowURL is an escrow's page.
func EscrowURL(publicID string) string { return "/escrow/" + url.PathEscape(publicID) }

// ReleaseURL is a release request's page.
func ReleaseURL(publicID string) string { return "/escrow/releases/" + url.PathEscape(publicID) }

// CertificateURL is an executed release's readable certificate.
func CertificateURL(publicID string) string { return ReleaseURL(publicID) + "/certificate" }

// CertificateFileURL is the certificate file's download.
func CertificateFileURL(publicID string) string { return ReleaseURL(publicID) + "/certificate.json" }

func decideURL(escrowID string, version int) string {
	return EscrowURL(escrowID) + "/policies/" + strconv.Itoa(version) + "/decide"
}

// PolicyValues writes rules as the policy form's fields.
func PolicyValues(r escrow.PolicyRules, c money.Currency) url.Values {
	v := url.Values{}
	for i, g := range r.Groups {
		n := strconv.Itoa(i + 1)
		v.Set("group_name_"+n, g.Name)
		v.Set("group_threshold_"+n, strconv.Itoa(g.Threshold))
		v.Set("group_members_"+n, strings.Join(g.Members, ", "))
	}
	if r.TimeLock != nil {
		v.Set("time_lock", r.TimeLock.UTC().Format(TimeLockLayout))
	}
	if r.RequestTTL > 0 {
		v.Set("ttl_hours", strconv.Itoa(int(r.RequestTTL/time.Hour)))
	}
	if r.MaxRelease > 0 {
		v.Set("max_release", money.Format(r.MaxRelease, c.Decimals()))
	}
	return v
}

// TimeLockLayout is how a datetime-local input sends a time with seconds.
const TimeLockLayout = "2006-01-02T15:04:05"

func groupNumbers() []string {
	out := make([]string, MaxGroups)
	for i := range out {
		out[i] = strconv.Itoa(i + 1)
	}
	return out
}

// amount is minor units in the escrow's currency, for people.
func amount(minor int64, c string) string {
	return money.Amount{Minor: minor, Currency: money.Currency(c)}.String()
}

func releaseAmount(r escrow.Release) string { return amount(r.Amount, r.Currency) }

// left says how long until t, by the database's clock now, or that it has
// passed.
func left(t, now time.Time, passed string) string {
	d := t.Sub(now)
	if d <= 0 {
		return passed
	}
	switch {
	case d >= 48*time.Hour:
		return strconv.Itoa(int(d.Hours()/24)) + " d " + strconv.Itoa(int(d.Hours())%24) + " h left"
	case d >= time.Hour:
		return strconv.Itoa(int(d.Hours())) + " h " + strconv.Itoa(int(d.Minutes())%60) + " min left"
	case d >= 2*time.Minute:
		return strconv.Itoa(int(d.Minutes())) + " min left"
	}
	return strconv.Itoa(int(d.Round(time.Second).Seconds())) + " s left"
}

// statusClass is a release status's badge colour.
func statusClass(s escrow.ReleaseStatus) string {
	switch s {
	case escrow.Executed:
		return "ok"
	case escrow.Rejected, escrow.Blocked, escrow.Expired:
		return "bad"
	}
	return "warn"
}

func policyClass(s escrow.PolicyStatus) string {
	switch s {
	case escrow.PolicyActive:
		return "ok"
	case escrow.PolicyRejected:
		return "bad"
	case escrow.PolicyProposed:
		return "warn"
	}
	return ""
}

func postingClass(k escrow.PostingKind) string {
	switch k {
	case escrow.Funded, escrow.Unheld:
		return "ok"
	case escrow.Released, escrow.Refunded:
		return "bad"
	}
	return "warn"
}

// kindLabel is how a payee is paid.
func kindLabel(k escrow.PayeeKind) string {
	switch k {
	case escrow.BankAccount:
		return "bank account (ACH credit)"
	case escrow.StripeAccount:
		return "Stripe connected account (transfer)"
	}
	return string(k)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// fingerprint is a public key's SHA-256, to compare with the operator's.
func fingerprint(k keys.PublicKey) string {
	sum := sha256.Sum256(k.DER)
	return hex.EncodeToString(sum[:])
}

// short is the head of a long value, for tables.
func short(s string) string {
	if len(s) <= 16 {
		return s
	}
	return s[:16] + "…"
}

func sigHex(s keys.Signature) string { return hex.EncodeToString(s.Value) }

// timeLockText is a policy's time lock for people.
func timeLockText(r escrow.PolicyRules) string {
	if r.TimeLock == nil {
		return "none"
	}
	return r.TimeLock.UTC().Format("2006-01-02 15:04:05") + " UTC"
}

func maxReleaseText(r escrow.PolicyRules, c money.Currency) string {
	if r.MaxRelease == 0 {
		return "no cap beyond the balance"
	}
	return amount(r.MaxRelease, string(c))
}

func ttlText(r escrow.PolicyRules) string {
	return strconv.Itoa(int(r.RequestTTL/time.Hour)) + " h"
}

func members(g escrow.Group) string { return join(g.Members) }

func progressText(g escrow.GroupProgress) string {
	return strconv.Itoa(len(g.Counted)) + " of " + strconv.Itoa(g.Threshold)
}

// or is s, or otherwise when s is empty.
func or(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

func join(names []string) string { return strings.Join(names, ", ") }

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// lockClass colours the time lock: still ahead, or passed.
func lockClass(v escrow.ReleaseView) string {
	if v.TimeLocked() {
		return "warn"
	}
	return "ok"
}
