package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/escrow"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/money"
	escrowview "github.com/paycompliance/console/views/escrow"
)

// Fund credits the escrow with a payment or ACH debit that has arrived.
func (h *Escrow) Fund(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := h.Escrow.Fund(r.Context(), id, r.PostFormValue("source")); err != nil {
		return h.escrowProblem(w, r, "fund", err)
	}
	return SeeOther(w, r, escrowview.EscrowURL(id)+"?notice=funded")
}

// RequestRelease asks for a release of an amount typed in major units; the
// form's nonce names the request, so submitting it twice asks once.
func (h *Escrow) RequestRelease(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d, err := h.Escrow.Get(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	nonce := r.PostFormValue("nonce")
	n := escrow.NewRelease{RequestRef: "console:" + nonce, Reason: r.PostFormValue("reason")}
	if n.Amount, err = money.ParseMajor(r.PostFormValue("amount"), d.Escrow.Currency); err != nil {
		return h.escrowProblem(w, r, "release", err)
	}
	if !validNonce.MatchString(nonce) {
		return h.escrowProblem(w, r, "release", domain.Errorf(domain.EINVALID, "This form has expired; check it and submit it again."))
	}
	rel, err := h.Escrow.RequestRelease(ctx, d.Escrow.PublicID, n)
	if err != nil {
		return h.escrowProblem(w, r, "release", err)
	}
	return SeeOther(w, r, escrowview.ReleaseURL(rel.PublicID)+"?notice=requested")
}

// ProposePolicy drafts a new version of the escrow's policy.
func (h *Escrow) ProposePolicy(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.PathValue("id")
	if err := r.ParseForm(); err != nil {
		return domain.Errorf(domain.EINVALID, "The form could not be read.")
	}
	d, err := h.Escrow.Get(ctx, id)
	if err != nil {
		return err
	}
	rules, err := policyFromForm(r.PostForm, d.Escrow.Currency)
	if err == nil {
		_, err = h.Escrow.ProposePolicy(ctx, id, rules)
	}
	if err != nil {
		return h.escrowProblem(w, r, "policy", err)
	}
	return SeeOther(w, r, escrowview.EscrowURL(id)+"?notice=proposed#escrow-policy")
}

// DecidePolicy approves or rejects a proposed version, under the TOTP code
// that comes with the form.
func (h *Escrow) DecidePolicy(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	version, err := strconv.Atoi(r.PathValue("version"))
	if err != nil {
		return domain.Errorf(domain.ENOTFOUND, "There is no such policy version.")
	}
	var approve bool
	switch r.PostFormValue("decision") {
	case "approve":
		approve = true
	case "reject":
	default:
		return h.escrowProblem(w, r, "decide", domain.Errorf(domain.EINVALID, "Approve the change or reject it."))
	}
	if _, err := h.Escrow.DecidePolicy(r.Context(), id, version, approve, r.PostFormValue("code")); err != nil {
		return h.escrowProblem(w, r, "decide", err)
	}
	notice := "declined"
	if approve {
		notice = "activated"
	}
	return SeeOther(w, r, escrowview.EscrowURL(id)+"?notice="+notice+"#escrow-policy")
}

// escrowProblem shows a refusal the user can act on at the form it is
// about, with what they typed (never the code); anything else goes to the
// error page.
func (h *Escrow) escrowProblem(w http.ResponseWriter, r *http.Request, form string, err error) error {
	if !actionable(err) {
		return err
	}
	v, verr := h.detailView(r)
	if verr != nil {
		return verr
	}
	v.Error, v.ErrorAt, v.Values = domain.ErrorMessage(err), form, r.PostForm
	v.Values.Del("code")
	if nonce := r.PostFormValue("nonce"); validNonce.MatchString(nonce) {
		v.Nonce = nonce // the same request, when it is sent again
	}
	return h.renderDetail(w, r, refusalStatus(err), v)
}

// actionable reports whether a refusal is one the user fixes on the same
// page: bad input, a conflict with what changed meanwhile, a rule that
// forbids them this, or a TOTP code not accepted. A locked account or an
// ended session is not: those go to the error page.
func actionable(err error) bool {
	switch domain.ErrorCode(err) {
	case domain.EINVALID, domain.ECONFLICT, domain.EFORBIDDEN:
		return true
	}
	return errors.Is(err, identity.ErrCodeRejected)
}
