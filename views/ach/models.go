// Package ach renders ACH for operators and compliance officers: transfers
// with their timeline, bank accounts (numbers masked), NACHA files and
// their batches, the cutoff schedule, and the returns inbox.
package ach

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paycompliance/console/domain/ach"
	"github.com/paycompliance/console/views/format"
	"github.com/paycompliance/console/views/timeline"
)

// TransfersView is the transfers list.
type TransfersView struct {
	Transfers []ach.Transfer
	Query     url.Values // status, customer, account
	After     string     // the page starts after this transfer
	Next      string     // public id to continue after; "" on the last page
	Cutoffs   ach.Cutoffs
	CanWrite  bool
	Now       time.Time
}

func (v TransfersView) pageURL(after string) string {
	q := url.Values{}
	for k, vs := range v.Query {
		q[k] = vs
	}
	if after != "" {
		q.Set("after", after)
	}
	if len(q) == 0 {
		return "/ach"
	}
	return "/ach?" + q.Encode()
}

// TransferForm is the new-transfer form, as typed, with its refusal.
type TransferForm struct {
	Accounts []ach.BankAccount // accounts transfers can use
	Values   url.Values
	Error    string
	Nonce    string // names the request, so a resubmitted form creates one transfer
}

// TransferView is one transfer's page.
type TransferView struct {
	Detail        ach.TransferDetail
	Timeline      []timeline.Item
	CanWrite      bool
	CanFiles      bool
	Viewer        string // the viewer's audit actor id
	Notice        string
	ConfirmCancel bool
	Error         string
}

// AccountsView is the bank accounts list.
type AccountsView struct {
	Accounts []ach.BankAccount
	Customer string
	After    string
	Next     string
	CanWrite bool
}

// AccountForm is the new-account form.
type AccountForm struct {
	Values url.Values
	Error  string
	Nonce  string
}

// AccountView is one bank account's page.
type AccountView struct {
	Account     ach.BankAccount
	Corrections []ach.Correction
	Standing    string // its holder's screening standing
	CanWrite    bool
	Viewer      string // the viewer's audit actor id
	Notice      string
	Error       string
}

// FilesView is the NACHA files list with the cutoff schedule.
type FilesView struct {
	Files        []ach.File
	Cutoffs      ach.Cutoffs
	CanFiles     bool
	ConfirmForce bool
	Notice       string
	Now          time.Time
}

// FileView is one file's batches, read back from its content.
type FileView struct {
	File     ach.File
	Batches  []ach.BatchSummary
	CanFiles bool
}

// ReturnsView is the returns inbox.
type ReturnsView struct {
	Inbox    ach.ReturnsInbox
	CanFiles bool
	CanWrite bool
	Viewer   string // the viewer's audit actor id
	Notice   string
	Error    string
	// Confirm asks to confirm applying this correction to its account.
	Confirm *ach.Correction
}

// TransferURL is a transfer's page.
func TransferURL(publicID string) string { return "/ach/transfers/" + url.PathEscape(publicID) }

// AccountURL is a bank account's page.
func AccountURL(publicID string) string { return "/ach/accounts/" + url.PathEscape(publicID) }

// FileURL is a NACHA file's page.
func FileURL(id int64) string { return "/ach/files/" + strconv.FormatInt(id, 10) }

func correctionURL(id int64, verb string) string {
	return "/ach/corrections/" + strconv.FormatInt(id, 10) + "/" + verb
}

// statusClass is a transfer status's badge colour.
func statusClass(s ach.Status) string {
	switch s {
	case ach.Settled, ach.Sent, ach.Approved, ach.Batched:
		return "ok"
	case ach.Returned, ach.Canceled:
		return "bad"
	}
	return "warn"
}

func accountClass(s ach.AccountStatus) string {
	switch s {
	case ach.Verified:
		return "ok"
	case ach.Blocked:
		return "bad"
	}
	return "warn"
}

func holdText(r ach.HoldReason) string {
	switch r {
	case ach.HoldScreening:
		return "a sanctions hit waits for a compliance officer"
	case ach.HoldApproval:
		return "above the approval threshold: another operator approves"
	case ach.HoldNoList:
		return "screening was unavailable; it is tried again before the next cutoff"
	}
	return ""
}

func signed(t ach.Transfer) string {
	if t.Direction == ach.Debit {
		return "debit " + amount(t)
	}
	return "credit " + amount(t)
}

// amount is a transfer's amount, but a micro-deposit's: the holder proves
// the account by telling it, so the console does not show it.
func amount(t ach.Transfer) string {
	if t.Purpose == ach.PurposeMicroDeposit {
		return "micro-deposit"
	}
	return format.USD(t.Amount)
}

// toOrFrom is how a transfer relates to its account's holder.
func toOrFrom(t ach.Transfer) string {
	if t.Direction == ach.Debit {
		return "from"
	}
	return "to"
}

func cancellable(t ach.Transfer) bool { return ach.CanMove(t.Status, ach.Canceled) }

func statusOptions() []ach.Status { return ach.Statuses }

func cutoffTimes(c ach.Cutoffs) string {
	s := ""
	for i, clock := range c.Schedule.Cutoffs {
		if i > 0 {
			s += ", "
		}
		s += clock.String()
	}
	return s + " " + c.Schedule.Location.String()
}

func localTime(t time.Time, c ach.Cutoffs) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(c.Schedule.Location).Format("Mon 2006-01-02 15:04 MST")
}

func until(t, now time.Time) string {
	d := t.Sub(now).Round(time.Minute)
	if d <= 0 {
		return "due now"
	}
	h, m := int(d.Hours()), int(d.Minutes())%60
	if h >= 24 {
		return "in " + strconv.Itoa(h/24) + " d " + strconv.Itoa(h%24) + " h"
	}
	return "in " + strconv.Itoa(h) + " h " + strconv.Itoa(m) + " min"
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func caseURL(id int64) string { return "/cases/" + itoa(id) }

// pageQuery keeps the customer filter on the next page's link.
func pageQuery(customer, after string) string {
	q := url.Values{"after": {after}}
	if customer != "" {
		q.Set("customer", customer)
	}
	return q.Encode()
}

// traces shows a batch's trace numbers as a range.
func traces(t []string) string {
	switch len(t) {
	case 0:
		return "—"
	case 1:
		return t[0]
	}
	return t[0] + " … " + t[len(t)-1]
}

// windowLabel names a file's cutoff for people: its time in the bank's
// zone, or when an operator forced it.
func windowLabel(key string, c ach.Cutoffs) string {
	forced := strings.HasPrefix(key, "forced:")
	stamp := strings.TrimPrefix(key, "forced:")
	if forced {
		stamp = stamp[:max(0, strings.LastIndex(stamp, ":"))] // drop the run's nonce
	}
	t, err := time.Parse(time.RFC3339Nano, stamp)
	switch {
	case err != nil:
		return key
	case forced:
		return "forced, " + localTime(t, c)
	}
	return localTime(t, c)
}
