// Package payments renders card payments for operators, compliance
// officers and fraud reviewers (the list, one payment with its timeline,
// refunds, disputes, Radar reviews) and the payer's page.
package payments

import (
	"net/url"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/payments"
	"github.com/paycompliance/console/views/format"
	"github.com/paycompliance/console/views/timeline"
)

// ListView is the payments list.
type ListView struct {
	Payments []payments.Payment
	Query    url.Values
	After    string // the page starts after this payment ("" for the first)
	Next     string // public id to continue after; "" on the last page
	Awaiting []payments.Refund
	Now      time.Time
}

func (v ListView) nextURL() string {
	q := url.Values{}
	for k, vs := range v.Query {
		q[k] = vs
	}
	q.Set("after", v.Next)
	return "/payments?" + q.Encode()
}

// refreshURL reloads this page of the list as it is filtered, for live updates.
func (v ListView) refreshURL() string {
	q := url.Values{}
	for k, vs := range v.Query {
		q[k] = vs
	}
	if v.After != "" {
		q.Set("after", v.After)
	}
	if len(q) == 0 {
		return "/payments"
	}
	return "/payments?" + q.Encode()
}

// DetailView is one payment's page.
type DetailView struct {
	Detail    payments.Detail
	Timeline  []timeline.Item
	PayURL    string
	CanWrite  bool
	CanRefund bool
	Viewer    string // the viewer's audit actor id
	TestMode  bool
	Notice    string
	// Refund is the refund form's state: its error, or the refund to
	// confirm before it is sent.
	Refund RefundForm
	// ConfirmCancel asks to confirm canceling the payment.
	ConfirmCancel bool
	// ApprovalAbove: refunds of more minor units wait for a second operator.
	ApprovalAbove int64
	Now           time.Time
}

// RefundForm is what the refund form shows.
type RefundForm struct {
	Amount  string // as typed, in major units
	Reason  payments.RefundReason
	Error   string
	Confirm *money.Amount // set: ask to confirm this amount
	Nonce   string        // names the confirmed request, so it refunds once
}

// DisputesView is the disputes list.
type DisputesView struct {
	Disputes []payments.Dispute
	OpenOnly bool
	Next     int64
	Now      time.Time
}

// ReviewsView is the Radar reviews list.
type ReviewsView struct {
	Reviews  []payments.Review
	OpenOnly bool
	Next     int64
}

// PayView is the payer's page.
type PayView struct {
	View           payments.PayerView
	Path           string // the payer link's path
	PublishableKey string // live mode: Stripe.js mounts the card fields
	Error          string
}

// PaymentURL is a payment's page in the console.
func PaymentURL(publicID string) string { return "/payments/" + url.PathEscape(publicID) }

func refundURL(id int64, verb string) string {
	return "/payments/refunds/" + strconv.FormatInt(id, 10) + "/" + verb
}

// statusClass is a payment status's badge colour.
func statusClass(s payments.Status) string {
	switch s {
	case payments.Succeeded:
		return "ok"
	case payments.Failed, payments.Canceled:
		return "bad"
	}
	return "warn"
}

func refundClass(s payments.RefundStatus) string {
	switch s {
	case payments.RefundSucceeded:
		return "ok"
	case payments.RefundFailed, payments.RefundRejected, payments.RefundCanceled:
		return "bad"
	}
	return "warn"
}

func riskClass(l payments.RiskLevel) string {
	switch l {
	case payments.RiskElevated:
		return "warn"
	case payments.RiskHighest:
		return "bad"
	case payments.RiskNormal:
		return "ok"
	}
	return ""
}

// risk is Radar's verdict as a short text.
func risk(r payments.Risk) string {
	if r.Level == "" {
		return "—"
	}
	if r.Score < 0 {
		return string(r.Level)
	}
	return string(r.Level) + " (" + strconv.Itoa(r.Score) + ")"
}

func card(c payments.Card) string {
	if c.Last4 == "" {
		return "—"
	}
	s := c.Brand + " •••• " + c.Last4
	if c.Wallet != "" {
		s += " via " + c.Wallet
	}
	return s
}

// dueClass highlights an evidence deadline: past or within three days.
func dueClass(d payments.Dispute, now time.Time) string {
	switch {
	case !d.NeedsResponse() || d.EvidenceDueBy.IsZero():
		return ""
	case d.EvidenceDueBy.Before(now):
		return "bad"
	case d.EvidenceDueBy.Before(now.Add(72 * time.Hour)):
		return "warn"
	}
	return "ok"
}

func dueText(d payments.Dispute, now time.Time) string {
	if d.EvidenceDueBy.IsZero() {
		return "—"
	}
	left := d.EvidenceDueBy.Sub(now)
	switch {
	case !d.NeedsResponse():
		return format.Day(d.EvidenceDueBy)
	case left < 0:
		return format.Day(d.EvidenceDueBy) + " (past due)"
	case left < 48*time.Hour:
		return format.Day(d.EvidenceDueBy) + " (" + strconv.Itoa(int(left.Hours())) + " h left)"
	}
	return format.Day(d.EvidenceDueBy) + " (" + strconv.Itoa(int(left.Hours()/24)) + " days left)"
}

func statusOptions() []payments.Status       { return payments.Statuses }
func riskOptions() []payments.RiskLevel      { return payments.RiskLevels }
func reasonOptions() []payments.RefundReason { return payments.RefundReasons }
