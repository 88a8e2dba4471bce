package handlers

import (
	"context"
	"net/http"
	"strconv"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/escrow"
	"github.com/paycompliance/console/domain/identity"
	escrowview "github.com/paycompliance/console/views/escrow"
	"github.com/paycompliance/console/views/timeline"
	"github.com/paycompliance/console/web/render"
)

// Escrow is the console's escrow pages: the escrows with the approvals
// inbox, an escrow (funding, release requests, policy changes), a release
// request (signing and vetoing, step-up in place: the TOTP code comes with
// the form and is spent by the signature) and its certificate.
type Escrow struct {
	Escrow *escrow.Service
	// Audit gives the timelines the escrow's and the request's audit
	// entries, for those who may read the audit trail.
	Audit    *audit.Browser
	Changed  Subscriber // a notification each time a release request changes
	Sessions SessionResumer
}

var escrowNotices = map[string]string{
	"created":   "The escrow was opened with its policy, and its payee screened.",
	"funded":    "The escrow was funded.",
	"proposed":  "The policy change was proposed; an approver of the active policy decides it.",
	"activated": "The policy change was approved and is now the active policy.",
	"declined":  "The policy change was rejected; the active policy stays.",
}

// List shows the escrows, newest first, and for approvers what awaits
// their signature.
func (h *Escrow) List(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	after := r.URL.Query().Get("after")
	list, more, err := h.Escrow.List(ctx, after)
	if err != nil {
		return err
	}
	caller, _ := identity.CallerFrom(ctx)
	v := escrowview.ListView{Escrows: list, After: after, CanWrite: caller.Can(identity.PermEscrowWrite),
		CanApprove: caller.Can(identity.PermEscrowApprove)}
	if more {
		v.Next = list[len(list)-1].PublicID
	}
	if v.CanApprove {
		if v.Inbox, err = h.Escrow.Inbox(ctx); err != nil {
			return err
		}
	}
	return render.Page(w, r, http.StatusOK, "Escrow", "/escrow", escrowview.List(v))
}

// New shows the form to open an escrow.
func (h *Escrow) New(w http.ResponseWriter, r *http.Request) error {
	return render.Page(w, r, http.StatusOK, "Open an escrow", "/escrow", escrowview.NewEscrow(escrowview.EscrowForm{Nonce: newNonce()}))
}

// Create opens an escrow from the form; the form's nonce names the
// request, so submitting it twice opens one escrow. A refusal shows the
// form again as typed, with what to fix, and opens nothing.
func (h *Escrow) Create(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return domain.Errorf(domain.EINVALID, "The form could not be read.")
	}
	f := escrowview.EscrowForm{Values: r.PostForm, Nonce: r.PostFormValue("nonce")}
	n, err := newEscrowFromForm(r.PostForm)
	if err == nil && !validNonce.MatchString(f.Nonce) {
		err = domain.Errorf(domain.EINVALID, "This form has expired; check it and submit it again.")
		f.Nonce = newNonce()
	}
	var e escrow.Escrow
	if err == nil {
		n.RequestRef = "console:" + f.Nonce
		e, err = h.Escrow.Create(r.Context(), n)
	}
	switch domain.ErrorCode(err) {
	case "":
		return SeeOther(w, r, escrowview.EscrowURL(e.PublicID)+"?notice=created")
	case domain.EINVALID, domain.ECONFLICT:
		f.Error = domain.ErrorMessage(err)
		return render.Page(w, r, refusalStatus(err), "Open an escrow", "/escrow", escrowview.NewEscrow(f))
	}
	return err
}

// Detail shows one escrow.
func (h *Escrow) Detail(w http.ResponseWriter, r *http.Request) error {
	v, err := h.detailView(r)
	if err != nil {
		return err
	}
	v.Notice = escrowNotices[r.URL.Query().Get("notice")]
	return h.renderDetail(w, r, http.StatusOK, v)
}

func (h *Escrow) renderDetail(w http.ResponseWriter, r *http.Request, status int, v escrowview.DetailView) error {
	e := v.Detail.Escrow
	return render.Page(w, r, status, "Escrow "+e.PublicID, "/escrow", escrowview.Detail(v))
}

func (h *Escrow) detailView(r *http.Request) (escrowview.DetailView, error) {
	ctx := r.Context()
	d, err := h.Escrow.Get(ctx, r.PathValue("id"))
	if err != nil {
		return escrowview.DetailView{}, err
	}
	caller, _ := identity.CallerFrom(ctx)
	v := escrowview.DetailView{Detail: d, CanWrite: caller.Can(identity.PermEscrowWrite), CanApprove: caller.Can(identity.PermEscrowApprove),
		Viewer: caller.Actor.ID, Nonce: newNonce()}
	for _, p := range d.Policies { // the policy's history, for everyone who may read the escrow
		version := "version " + strconv.Itoa(p.Version)
		v.Timeline = append(v.Timeline, timeline.Item{At: p.ProposedAt, Kind: "policy", Text: version + " proposed by " + p.ProposedBy + ": " + p.Rules.Summary()})
		if p.DecidedAt != nil && p.Version > 1 {
			decision := " approved by " // active then, whether superseded since or not
			if p.Status == escrow.PolicyRejected {
				decision = " rejected by "
			}
			v.Timeline = append(v.Timeline, timeline.Item{At: *p.DecidedAt, Kind: "policy", Text: version + decision + p.DecidedBy})
		}
	}
	if caller.Can(identity.PermAuditRead) {
		entries, err := auditItems(ctx, h.Audit, audit.Filter{TargetType: "escrow", TargetID: d.Escrow.PublicID})
		if err != nil {
			return v, err
		}
		v.Timeline = append(v.Timeline, entries...)
	}
	v.Timeline = timeline.Sorted(v.Timeline)
	return v, nil
}

// refusalStatus is the status a refusal the user can act on is shown
// with, on the page it concerns: the code says what kind of refusal it is
// (a script or a test can tell a stale payload from a forbidden one), the
// page says what to do about it.
func refusalStatus(err error) int {
	switch domain.ErrorCode(err) {
	case domain.ECONFLICT:
		return http.StatusConflict
	case domain.EFORBIDDEN:
		return http.StatusForbidden
	}
	return http.StatusUnprocessableEntity
}

// Stream tells the page each time a release request changes: "release",
// on which it reloads what shows the requests; and, for one request
// (?id=), "actions" when what can be done with it changes (its status or
// its payload), on which it reloads its signing and veto forms. The page
// says which actions it was rendered with (?actions=).
func (h *Escrow) Stream(w http.ResponseWriter, r *http.Request) error {
	only, rendered := r.URL.Query().Get("id"), r.URL.Query().Get("actions")
	var actions string
	if only != "" {
		v, err := h.Escrow.Release(r.Context(), only)
		if err != nil {
			return err
		}
		actions = escrowview.ActionsKey(v.Release)
	}
	// On connecting, the page reloads what a change between its rendering
	// and this subscription would otherwise leave stale until the next
	// one: what it shows, always; its forms only if they changed, so that
	// a code being typed is not wiped by the page's own connection.
	connected := func(stream *render.EventStream) error {
		if err := stream.SendData("release", only); err != nil || only == "" || rendered == actions {
			return err
		}
		return stream.SendData("actions", only)
	}
	return liveStream(w, r, h.Changed, h.Sessions, connected, func(ctx context.Context, stream *render.EventStream, _ string) error {
		if err := stream.SendData("release", only); err != nil || only == "" {
			return err
		}
		v, err := h.Escrow.Release(ctx, only)
		if err != nil || escrowview.ActionsKey(v.Release) == actions {
			return nil
		}
		actions = escrowview.ActionsKey(v.Release)
		return stream.SendData("actions", only)
	})
}
