package handlers

import (
	"net/http"
	"strconv"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/ach"
	"github.com/paycompliance/console/domain/identity"
	achview "github.com/paycompliance/console/views/ach"
	"github.com/paycompliance/console/web/render"
)

var bankAccountNotices = map[string]string{
	"added":     "The bank account was added and its holder screened.",
	"verifying": "Two micro-deposits go out with the next file; enter the amounts when the holder has them.",
	"verified":  "The bank account is verified.",
}

// Accounts lists bank accounts, numbers masked.
func (h *ACH) Accounts(w http.ResponseWriter, r *http.Request) error {
	customer, after := r.URL.Query().Get("customer"), r.URL.Query().Get("after")
	list, more, err := h.ACH.Accounts(r.Context(), customer, after)
	if err != nil {
		return err
	}
	caller, _ := identity.CallerFrom(r.Context())
	v := achview.AccountsView{Accounts: list, Customer: customer, After: after, CanWrite: caller.Can(identity.PermACHWrite)}
	if more {
		v.Next = list[len(list)-1].PublicID
	}
	return render.Page(w, r, http.StatusOK, "Bank accounts", "/ach", achview.Accounts(v))
}

// NewAccount shows the bank account form.
func (h *ACH) NewAccount(w http.ResponseWriter, r *http.Request) error {
	return render.Page(w, r, http.StatusOK, "Add a bank account", "/ach", achview.NewAccount(achview.AccountForm{Nonce: newNonce()}))
}

// CreateAccount adds a bank account; the form's nonce names the request.
// The account number is not shown back on a refusal: it is typed again.
func (h *ACH) CreateAccount(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return domain.Errorf(domain.EINVALID, "The form could not be read.")
	}
	v := r.PostForm
	f := achview.AccountForm{Values: keep(v, "customer", "holder_name", "holder_type", "type", "routing"), Nonce: v.Get("nonce")}
	var a ach.BankAccount
	var err error = domain.Errorf(domain.EINVALID, "This form has expired; check it and submit it again.")
	if validNonce.MatchString(f.Nonce) {
		a, err = h.ACH.AddAccount(r.Context(), ach.NewAccount{RequestRef: "console:" + f.Nonce, CustomerRef: v.Get("customer"),
			HolderName: v.Get("holder_name"), HolderType: ach.HolderType(v.Get("holder_type")), Type: ach.AccountType(v.Get("type")),
			Routing: v.Get("routing"), AccountNumber: v.Get("account_number")})
	} else {
		f.Nonce = newNonce()
	}
	switch domain.ErrorCode(err) {
	case "":
		return SeeOther(w, r, achview.AccountURL(a.PublicID)+"?notice=added")
	case domain.EINVALID, domain.ECONFLICT:
		f.Error = domain.ErrorMessage(err)
		return render.Page(w, r, http.StatusUnprocessableEntity, "Add a bank account", "/ach", achview.NewAccount(f))
	}
	return err
}

// Account shows one bank account.
func (h *ACH) Account(w http.ResponseWriter, r *http.Request) error {
	return h.renderAccount(w, r, http.StatusOK, bankAccountNotices[r.URL.Query().Get("notice")], "")
}

func (h *ACH) renderAccount(w http.ResponseWriter, r *http.Request, status int, notice, problem string) error {
	ctx := r.Context()
	a, corrections, err := h.ACH.Account(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	caller, _ := identity.CallerFrom(ctx)
	v := achview.AccountView{Account: a, Corrections: corrections, CanWrite: caller.Can(identity.PermACHWrite), Viewer: caller.Actor.ID,
		Notice: notice, Error: problem}
	standing, found, err := h.Screening.Standing(ctx, a.PartyRef())
	if err != nil {
		return err
	}
	if found {
		v.Standing = standing.Status.Label()
	}
	return render.Page(w, r, status, "Bank account "+a.Masked(), "/ach", achview.Account(v))
}

// StartVerification sends the two micro-deposits.
func (h *ACH) StartVerification(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.ACH.StartVerification(r.Context(), r.PathValue("id")); err != nil {
		return h.accountProblem(w, r, err)
	}
	return SeeOther(w, r, achview.AccountURL(r.PathValue("id"))+"?notice=verifying")
}

// ConfirmVerification checks the two amounts, in cents.
func (h *ACH) ConfirmVerification(w http.ResponseWriter, r *http.Request) error {
	first, err1 := strconv.ParseInt(r.PostFormValue("first"), 10, 64)
	second, err2 := strconv.ParseInt(r.PostFormValue("second"), 10, 64)
	if err1 != nil || err2 != nil {
		return h.accountProblem(w, r, domain.Errorf(domain.EINVALID, "Enter each amount as a whole number of cents, e.g. 12."))
	}
	if _, err := h.ACH.ConfirmVerification(r.Context(), r.PathValue("id"), first, second); err != nil {
		return h.accountProblem(w, r, err)
	}
	return SeeOther(w, r, achview.AccountURL(r.PathValue("id"))+"?notice=verified")
}

func (h *ACH) accountProblem(w http.ResponseWriter, r *http.Request, err error) error {
	switch domain.ErrorCode(err) {
	case domain.EINVALID, domain.ECONFLICT:
		return h.renderAccount(w, r, http.StatusUnprocessableEntity, "", domain.ErrorMessage(err))
	}
	return err
}
