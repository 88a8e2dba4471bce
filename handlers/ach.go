package handlers

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/ach"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/screening"
	achview "github.com/paycompliance/console/views/ach"
	"github.com/paycompliance/console/views/timeline"
	"github.com/paycompliance/console/web/render"
)

// ACH is the console's ACH pages: transfers, bank accounts, files and
// cutoffs, and the returns inbox.
type ACH struct {
	ACH *ach.Service
	// Audit gives the timeline the transfer's audit entries, for those who
	// may read the audit trail.
	Audit *audit.Browser
	// Screening tells a bank account's holder's standing.
	Screening *screening.Service
	Changed   Subscriber // transfer public ids, as they change
	Sessions  SessionResumer
}

var transferNotices = map[string]string{
	"created":  "The transfer was created and screened.",
	"approved": "The transfer was approved; it goes in the next file.",
	"canceled": "The transfer was canceled.",
}

// Transfers lists transfers, newest first.
func (h *ACH) Transfers(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	q := ach.Query{Status: ach.Status(v.Get("status")), Customer: v.Get("customer"), Account: v.Get("account"), After: v.Get("after")}
	list, more, err := h.ACH.Transfers(r.Context(), q)
	if err != nil {
		return err
	}
	cutoffs, err := h.ACH.CutoffSchedule(r.Context())
	if err != nil {
		return err
	}
	caller, _ := identity.CallerFrom(r.Context())
	view := achview.TransfersView{Transfers: list, Query: keep(v, "status", "customer", "account"), After: q.After, Cutoffs: cutoffs,
		CanWrite: caller.Can(identity.PermACHWrite), Now: time.Now()}
	if more {
		view.Next = list[len(list)-1].PublicID
	}
	return render.Page(w, r, http.StatusOK, "ACH transfers", "/ach", achview.Transfers(view))
}

// keep copies the named values that are set.
func keep(v url.Values, names ...string) url.Values {
	out := url.Values{}
	for _, k := range names {
		if s := v.Get(k); s != "" {
			out.Set(k, s)
		}
	}
	return out
}

// NewTransfer shows the transfer form.
func (h *ACH) NewTransfer(w http.ResponseWriter, r *http.Request) error {
	f := achview.TransferForm{Values: url.Values{"account": {r.URL.Query().Get("account")}}, Nonce: newNonce()}
	return h.transferForm(w, r, http.StatusOK, f)
}

// transferForm offers the newest accounts, and the one asked for (from
// its page) wherever it is in the list.
func (h *ACH) transferForm(w http.ResponseWriter, r *http.Request, status int, f achview.TransferForm) error {
	accounts, _, err := h.ACH.Accounts(r.Context(), "", "")
	if err != nil {
		return err
	}
	if want := f.Values.Get("account"); want != "" && !slices.ContainsFunc(accounts, func(a ach.BankAccount) bool { return a.PublicID == want }) {
		if a, _, err := h.ACH.Account(r.Context(), want); err == nil {
			accounts = append([]ach.BankAccount{a}, accounts...)
		}
	}
	for _, a := range accounts {
		if a.Status != ach.Blocked {
			f.Accounts = append(f.Accounts, a)
		}
	}
	return render.Page(w, r, status, "New ACH transfer", "/ach", achview.NewTransfer(f))
}

// CreateTransfer creates a transfer from the form; the form's nonce names
// the request, so submitting it twice creates one transfer.
func (h *ACH) CreateTransfer(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return domain.Errorf(domain.EINVALID, "The form could not be read.")
	}
	f := achview.TransferForm{Values: r.PostForm, Nonce: r.PostFormValue("nonce")}
	n, err := newTransferFromForm(r.PostForm)
	if err == nil && !validNonce.MatchString(f.Nonce) {
		err = domain.Errorf(domain.EINVALID, "This form has expired; check it and submit it again.")
		f.Nonce = newNonce()
	}
	var t ach.Transfer
	if err == nil {
		n.RequestRef = "console:" + f.Nonce
		t, err = h.ACH.CreateTransfer(r.Context(), n)
	}
	switch domain.ErrorCode(err) {
	case "":
		return SeeOther(w, r, achview.TransferURL(t.PublicID)+"?notice=created")
	case domain.EINVALID, domain.ECONFLICT, domain.ENOTFOUND:
		f.Error = domain.ErrorMessage(err)
		return h.transferForm(w, r, http.StatusUnprocessableEntity, f)
	}
	return err
}

// newTransferFromForm reads the form: the amount in dollars, dates as
// days.
func newTransferFromForm(v url.Values) (ach.NewTransfer, error) {
	n := ach.NewTransfer{Account: v.Get("account"), Direction: ach.Direction(v.Get("direction")), SEC: ach.SEC(v.Get("sec")),
		CompanyName: v.Get("company_name"), Description: v.Get("description"), SameDay: v.Get("same_day") == "yes",
		Authorization: ach.Authorization{Reference: strings.TrimSpace(v.Get("authorization_ref"))}}
	var err error
	if n.Amount, err = money.ParseMajor(v.Get("amount"), "USD"); err != nil {
		return n, err
	}
	for _, d := range []struct {
		field string
		into  *time.Time
	}{{"effective", &n.Effective}, {"authorized_on", &n.Authorization.At}} {
		if s := v.Get(d.field); s != "" {
			if *d.into, err = time.Parse(time.DateOnly, s); err != nil {
				return n, domain.Errorf(domain.EINVALID, "%q is not a date (YYYY-MM-DD).", s)
			}
		}
	}
	return n, nil
}

// Transfer shows one transfer.
func (h *ACH) Transfer(w http.ResponseWriter, r *http.Request) error {
	v, err := h.transferView(r)
	if err != nil {
		return err
	}
	v.Notice = transferNotices[r.URL.Query().Get("notice")]
	return h.renderTransfer(w, r, http.StatusOK, v)
}

func (h *ACH) renderTransfer(w http.ResponseWriter, r *http.Request, status int, v achview.TransferView) error {
	return render.Page(w, r, status, "Transfer "+v.Detail.Transfer.PublicID, "/ach", achview.Transfer(v))
}

func (h *ACH) transferView(r *http.Request) (achview.TransferView, error) {
	ctx := r.Context()
	d, err := h.ACH.Transfer(ctx, r.PathValue("id"))
	if err != nil {
		return achview.TransferView{}, err
	}
	caller, _ := identity.CallerFrom(ctx)
	v := achview.TransferView{Detail: d, CanWrite: caller.Can(identity.PermACHWrite), CanFiles: caller.Can(identity.PermACHFiles), Viewer: caller.Actor.ID}
	for _, e := range d.Events {
		text := e.Status.Label()
		if e.Detail != "" {
			text += ": " + e.Detail
		}
		v.Timeline = append(v.Timeline, timeline.Item{At: e.At, Kind: "status", Text: text + " (" + e.Actor + ")"})
	}
	for _, rt := range d.Returns {
		v.Timeline = append(v.Timeline, timeline.Item{At: rt.ReceivedAt, Kind: "return", Text: string(rt.Kind) + " " + rt.Code + ": " + rt.Reason})
	}
	if caller.Can(identity.PermAuditRead) {
		entries, err := auditItems(ctx, h.Audit, audit.Filter{TargetType: "transfer", TargetID: d.Transfer.PublicID})
		if err != nil {
			return v, err
		}
		v.Timeline = append(v.Timeline, entries...)
	}
	v.Timeline = timeline.Sorted(v.Timeline)
	return v, nil
}

// ApproveTransfer approves a transfer held above the threshold.
func (h *ACH) ApproveTransfer(w http.ResponseWriter, r *http.Request) error {
	t, err := h.ACH.Approve(r.Context(), r.PathValue("id"))
	if err != nil {
		return h.transferProblem(w, r, err)
	}
	return SeeOther(w, r, achview.TransferURL(t.PublicID)+"?notice=approved")
}

// CancelTransfer cancels a transfer, once confirmed with a reason.
func (h *ACH) CancelTransfer(w http.ResponseWriter, r *http.Request) error {
	if r.PostFormValue("confirmed") != "yes" {
		v, err := h.transferView(r)
		if err != nil {
			return err
		}
		v.ConfirmCancel = true
		return h.renderTransfer(w, r, http.StatusOK, v)
	}
	t, err := h.ACH.Cancel(r.Context(), r.PathValue("id"), r.PostFormValue("reason"))
	if err != nil {
		return h.transferProblem(w, r, err)
	}
	return SeeOther(w, r, achview.TransferURL(t.PublicID)+"?notice=canceled")
}

// transferProblem shows a refusal on the transfer's page.
func (h *ACH) transferProblem(w http.ResponseWriter, r *http.Request, err error) error {
	switch domain.ErrorCode(err) {
	case domain.EINVALID, domain.ECONFLICT, domain.EFORBIDDEN:
		v, verr := h.transferView(r)
		if verr != nil {
			return verr
		}
		v.Error = domain.ErrorMessage(err)
		return h.renderTransfer(w, r, http.StatusUnprocessableEntity, v)
	}
	return err
}

// Stream tells the page each time a transfer changes (the one in ?id=, or
// any), on which it reloads what shows it.
func (h *ACH) Stream(w http.ResponseWriter, r *http.Request) error {
	only := r.URL.Query().Get("id")
	if only != "" {
		if _, err := h.ACH.Transfer(r.Context(), only); err != nil {
			return err
		}
	}
	connected := func(stream *render.EventStream) error { return stream.SendData("transfer", only) }
	return liveStream(w, r, h.Changed, h.Sessions, connected, func(_ context.Context, stream *render.EventStream, id string) error {
		if only != "" && id != only {
			return nil
		}
		return stream.SendData("transfer", id)
	})
}
