package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/payments"
	paymentsview "github.com/paycompliance/console/views/payments"
	"github.com/paycompliance/console/views/timeline"
	"github.com/paycompliance/console/web/render"
)

// Payments is the console's payment pages: the list, one payment, its
// refunds and cancellation, disputes and Radar reviews.
type Payments struct {
	Payments *payments.Service
	// Audit gives the timeline the payment's audit entries, for those who
	// may read the audit trail.
	Audit    *audit.Browser
	Changed  Subscriber // payment public ids, as they change
	Sessions SessionResumer
	// PublicURL is where payers reach the console ("" for the request's host).
	PublicURL string
}

var paymentNotices = map[string]string{
	"refund-requested": "The refund was asked for; it goes to Stripe now.",
	"refund-awaiting":  "The refund waits for a second operator's approval.",
	"refund-approved":  "The refund was approved; it goes to Stripe now.",
	"refund-rejected":  "The refund was rejected.",
	"canceled":         "The payment was canceled.",
	"dispute":          "A dispute was simulated; it arrives as a webhook.",
}

// List shows payments matching the filters, newest first.
func (h *Payments) List(w http.ResponseWriter, r *http.Request) error {
	q, err := paymentQuery(r.URL.Query())
	if err != nil {
		return err
	}
	list, more, err := h.Payments.List(r.Context(), q)
	if err != nil {
		return err
	}
	v := paymentsview.ListView{Payments: list, Query: filterValues(r.URL.Query()), After: q.After, Now: time.Now()}
	if more {
		v.Next = list[len(list)-1].PublicID
	}
	if v.Awaiting, err = h.Payments.AwaitingApproval(r.Context()); err != nil {
		return err
	}
	return render.Page(w, r, http.StatusOK, "Payments", "/payments", paymentsview.List(v))
}

// paymentQuery reads the filter form: amounts in major units of the chosen
// currency, dates as whole UTC days (the end day included).
func paymentQuery(v url.Values) (payments.Query, error) {
	q := payments.Query{Status: payments.Status(v.Get("status")), RiskLevel: payments.RiskLevel(v.Get("risk")),
		Customer: v.Get("customer"), After: v.Get("after")}
	var err error
	if c := v.Get("currency"); c != "" {
		if q.Currency, err = money.ParseCurrency(c); err != nil {
			return q, err
		}
	}
	for _, a := range []struct {
		field string
		into  *int64
	}{{"min", &q.MinAmount}, {"max", &q.MaxAmount}} {
		if s := v.Get(a.field); s != "" {
			if q.Currency == "" {
				return q, domain.Errorf(domain.EINVALID, "Choose a currency to filter by amount: amounts in different currencies do not compare.")
			}
			if *a.into, err = money.ParseMajor(s, q.Currency); err != nil {
				return q, err
			}
		}
	}
	for _, d := range []struct {
		field string
		into  *time.Time
		add   time.Duration
	}{{"from", &q.From, 0}, {"to", &q.To, 24 * time.Hour}} {
		if s := v.Get(d.field); s != "" {
			t, err := time.Parse("2006-01-02", s)
			if err != nil {
				return q, domain.Errorf(domain.EINVALID, "%s=%q is not a date (YYYY-MM-DD).", d.field, s)
			}
			*d.into = t.Add(d.add)
		}
	}
	return q, q.Validate()
}

// filterValues keeps the filters that are set, for links that keep them.
func filterValues(v url.Values) url.Values {
	out := url.Values{}
	for _, k := range []string{"status", "risk", "customer", "currency", "min", "max", "from", "to"} {
		if s := v.Get(k); s != "" {
			out.Set(k, s)
		}
	}
	return out
}

// Detail shows one payment.
func (h *Payments) Detail(w http.ResponseWriter, r *http.Request) error {
	v, err := h.detailView(r)
	if err != nil {
		return err
	}
	v.Notice = paymentNotices[r.URL.Query().Get("notice")]
	return h.render(w, r, http.StatusOK, v)
}

func (h *Payments) render(w http.ResponseWriter, r *http.Request, status int, v paymentsview.DetailView) error {
	return render.Page(w, r, status, "Payment "+v.Detail.Payment.PublicID, "/payments", paymentsview.Detail(v))
}

func (h *Payments) detailView(r *http.Request) (paymentsview.DetailView, error) {
	ctx := r.Context()
	d, err := h.Payments.Detail(ctx, r.PathValue("id"))
	if err != nil {
		return paymentsview.DetailView{}, err
	}
	caller, _ := identity.CallerFrom(ctx)
	v := paymentsview.DetailView{Detail: d, CanWrite: caller.Can(identity.PermPaymentsWrite), CanRefund: caller.Can(identity.PermPaymentsRefund),
		Viewer: caller.Actor.ID, TestMode: h.Payments.TestMode(), ApprovalAbove: h.Payments.RefundApprovalAbove, Now: time.Now(),
		Refund: paymentsview.RefundForm{Reason: payments.ReasonRequestedByCustomer}}
	if v.CanWrite && !d.Payment.Status.Terminal() {
		if v.PayURL, err = h.payURL(ctx, r, d.Payment.PublicID); err != nil {
			return v, err
		}
	}
	v.Timeline, err = h.timeline(ctx, d, caller.Can(identity.PermAuditRead))
	return v, err
}

// timeline merges what happened to the payment, oldest first: its
// statuses, Stripe's events, its refunds and, for those who may read the
// audit trail, its audit entries.
func (h *Payments) timeline(ctx context.Context, d payments.Detail, withAudit bool) ([]timeline.Item, error) {
	var items []timeline.Item
	for _, s := range d.History {
		items = append(items, timeline.Item{At: s.At, Kind: "status", Text: s.Status.Label() + " (" + s.Source + ")"})
	}
	for _, e := range d.Events {
		items = append(items, timeline.Item{At: e.Created, Kind: "stripe", Text: e.Type + ": " + e.Note})
	}
	for _, r := range d.Refunds {
		items = append(items, timeline.Item{At: r.CreatedAt, Kind: "refund", Text: "refund of " + r.Amount.String() + " asked by " + r.RequestedBy})
	}
	if withAudit {
		entries, err := auditItems(ctx, h.Audit, audit.Filter{TargetType: "payment", TargetID: d.Payment.PublicID})
		if err != nil {
			return nil, err
		}
		items = append(items, entries...)
	}
	return timeline.Sorted(items), nil
}

func (h *Payments) payURL(ctx context.Context, r *http.Request, publicID string) (string, error) {
	token, err := h.Payments.PayerLink(ctx, publicID)
	if err != nil {
		return "", err
	}
	return publicBase(r, h.PublicURL) + PayPath(publicID, token), nil
}

// PayPath is a payer link's path.
func PayPath(publicID, token string) string {
	return "/pay/" + url.PathEscape(publicID) + "/" + url.PathEscape(token)
}

// publicBase is where people outside reach the console: configured, or
// the address this request came to.
func publicBase(r *http.Request, configured string) string {
	if configured != "" {
		return configured
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// Stream tells the page each time a payment changes (the one in ?id=, or
// any): "payment", on which the page reloads what shows it; and, for one
// payment, "actions" when what can be done with it changes (its status or
// what remains to refund), on which the page reloads its action panels.
func (h *Payments) Stream(w http.ResponseWriter, r *http.Request) error {
	only := r.URL.Query().Get("id")
	var actions string
	if only != "" {
		p, err := h.Payments.Get(r.Context(), only)
		if err != nil {
			return err
		}
		actions = actionsKey(p)
	}
	// On connecting, the page reloads once: a change between its rendering
	// and this subscription would otherwise go unseen until the next one.
	connected := func(stream *render.EventStream) error {
		if err := stream.SendData("payment", only); err != nil || only == "" {
			return err
		}
		return stream.SendData("actions", only)
	}
	return liveStream(w, r, h.Changed, h.Sessions, connected, func(ctx context.Context, stream *render.EventStream, id string) error {
		if only == "" {
			return stream.SendData("payment", id)
		}
		if id != only {
			return nil
		}
		if err := stream.SendData("payment", id); err != nil {
			return err
		}
		p, err := h.Payments.Get(ctx, only)
		if err != nil || actionsKey(p) == actions {
			return nil
		}
		actions = actionsKey(p)
		return stream.SendData("actions", id)
	})
}

// actionsKey changes when the actions a payment allows do.
func actionsKey(p payments.Payment) string {
	return string(p.Status) + "/" + strconv.FormatInt(p.Refundable(), 10)
}

// Refund asks for a refund in two steps: the form's answer is a
// confirmation naming the amount and the card; confirmed, the refund is
// requested (and sent, or queued for a second operator).
func (h *Payments) Refund(w http.ResponseWriter, r *http.Request) error {
	v, err := h.detailView(r)
	if err != nil {
		return err
	}
	p := v.Detail.Payment
	v.Refund = paymentsview.RefundForm{Amount: r.PostFormValue("amount"), Reason: payments.RefundReason(r.PostFormValue("reason"))}
	if r.PostFormValue("edit") == "yes" {
		return render.Component(w, r, http.StatusOK, paymentsview.RefundPanel(v))
	}
	minor := p.Refundable()
	if v.Refund.Amount != "" {
		if minor, err = money.ParseMajor(v.Refund.Amount, p.Amount.Currency); err != nil {
			return h.refundProblem(w, r, v, err)
		}
	}
	if minor <= 0 || minor > p.Refundable() {
		return h.refundProblem(w, r, v, domain.Errorf(domain.EINVALID, "Refund between %s and %s.",
			money.Amount{Minor: 1, Currency: p.Amount.Currency}, money.Amount{Minor: p.Refundable(), Currency: p.Amount.Currency}))
	}
	if r.PostFormValue("confirmed") != "yes" {
		amount := money.Amount{Minor: minor, Currency: p.Amount.Currency}
		v.Refund.Confirm, v.Refund.Nonce = &amount, newNonce()
		v.Refund.Amount = money.Format(minor, p.Amount.Currency.Decimals())
		return render.Component(w, r, http.StatusOK, paymentsview.RefundPanel(v))
	}
	nonce := r.PostFormValue("nonce")
	if !validNonce.MatchString(nonce) {
		return h.refundProblem(w, r, v, domain.Errorf(domain.EINVALID, "This confirmation has expired; ask for the refund again."))
	}
	// The confirmation's nonce names the request: sent twice (a second
	// tab, a resubmitted form), it refunds once.
	refund, err := h.Payments.RequestRefund(r.Context(), payments.NewRefund{PaymentID: p.PublicID, Amount: minor,
		Reason: v.Refund.Reason, RequestRef: "console:" + nonce})
	if err != nil {
		return h.refundProblem(w, r, v, err)
	}
	notice := "refund-requested"
	if refund.Status == payments.RefundAwaitingApproval {
		notice = "refund-awaiting"
	}
	return SeeOther(w, r, paymentsview.PaymentURL(p.PublicID)+"?notice="+notice)
}

// refundProblem shows a refusal the operator can fix in the form itself.
var validNonce = regexp.MustCompile(`^[0-9a-f]{32}$`)

func newNonce() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (h *Payments) refundProblem(w http.ResponseWriter, r *http.Request, v paymentsview.DetailView, err error) error {
	switch domain.ErrorCode(err) {
	case domain.EINVALID, domain.ECONFLICT:
		v.Refund.Error, v.Refund.Confirm = domain.ErrorMessage(err), nil
		return render.Component(w, r, http.StatusUnprocessableEntity, paymentsview.RefundPanel(v))
	}
	return err
}

// ApproveRefund approves a refund another operator asked for.
func (h *Payments) ApproveRefund(w http.ResponseWriter, r *http.Request) error {
	return h.decideRefund(w, r, true)
}

// RejectRefund rejects a refund awaiting approval.
func (h *Payments) RejectRefund(w http.ResponseWriter, r *http.Request) error {
	return h.decideRefund(w, r, false)
}

func (h *Payments) decideRefund(w http.ResponseWriter, r *http.Request, approve bool) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	refund, err := h.Payments.DecideRefund(r.Context(), id, approve)
	if err != nil {
		return err
	}
	notice := "refund-rejected"
	if approve {
		notice = "refund-approved"
	}
	return SeeOther(w, r, paymentsview.PaymentURL(refund.PaymentPublic)+"?notice="+notice)
}

// Cancel cancels a payment, once confirmed.
func (h *Payments) Cancel(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if r.PostFormValue("confirmed") != "yes" {
		v, err := h.detailView(r)
		if err != nil {
			return err
		}
		v.ConfirmCancel = true
		return render.Component(w, r, http.StatusOK, paymentsview.CancelPanel(v))
	}
	if _, err := h.Payments.Cancel(r.Context(), id, r.PostFormValue("reason")); err != nil {
		return err
	}
	return SeeOther(w, r, paymentsview.PaymentURL(id)+"?notice=canceled")
}

// SimulateDispute sends a test dispute through the webhook (test mode).
func (h *Payments) SimulateDispute(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := h.Payments.SimulateDispute(r.Context(), id); err != nil {
		return err
	}
	return SeeOther(w, r, paymentsview.PaymentURL(id)+"?notice=dispute")
}

// Disputes lists disputes, open ones first unless all=1.
func (h *Payments) Disputes(w http.ResponseWriter, r *http.Request) error {
	q, err := caseQuery(r.URL.Query())
	if err != nil {
		return err
	}
	list, more, err := h.Payments.Disputes(r.Context(), q)
	if err != nil {
		return err
	}
	v := paymentsview.DisputesView{Disputes: list, OpenOnly: q.OpenOnly, Now: time.Now()}
	if more {
		v.Next = list[len(list)-1].ID
	}
	return render.Page(w, r, http.StatusOK, "Disputes", "/payments", paymentsview.Disputes(v))
}

// Reviews lists Radar reviews, open ones unless all=1.
func (h *Payments) Reviews(w http.ResponseWriter, r *http.Request) error {
	q, err := caseQuery(r.URL.Query())
	if err != nil {
		return err
	}
	list, more, err := h.Payments.Reviews(r.Context(), q)
	if err != nil {
		return err
	}
	v := paymentsview.ReviewsView{Reviews: list, OpenOnly: q.OpenOnly}
	if more {
		v.Next = list[len(list)-1].ID
	}
	return render.Page(w, r, http.StatusOK, "Radar reviews", "/payments", paymentsview.Reviews(v))
}

func caseQuery(v url.Values) (payments.ListQuery, error) {
	before, err := optionalID(v.Get("before"))
	return payments.ListQuery{OpenOnly: v.Get("all") != "1", Before: before, Limit: payments.PageSize}, err
}
