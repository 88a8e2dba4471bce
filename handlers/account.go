package handlers

import (
	"net/http"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/views/account"
	"github.com/paycompliance/console/views/auth"
	"github.com/paycompliance/console/web/render"
)

// Account is the signed-in user's own account.
type Account struct {
	Identity *identity.Service
	Cookies  Cookies
}

// accountNotices are the confirmations a redirect back to the account page
// may ask for; a fixed list, so a link cannot put words on the page.
var accountNotices = map[string]string{
	"password-changed": "Your password was changed, and your other sessions were ended.",
	"mfa-replaced":     "Your authenticator was replaced, and your other sessions were ended.",
	"session-ended":    "The session was ended.",
}

// Show is the account page.
func (h *Account) Show(w http.ResponseWriter, r *http.Request) error {
	p, _ := identity.PrincipalFrom(r.Context())
	list, err := h.Identity.Sessions(r.Context(), p, p.UserID)
	if err != nil {
		return err
	}
	return render.Page(w, r, http.StatusOK, "Your account", "/account", account.Page(account.View{
		Principal: p, Sessions: list, Notice: accountNotices[r.URL.Query().Get("notice")]}))
}

// PasswordForm asks for a new password.
func (h *Account) PasswordForm(w http.ResponseWriter, r *http.Request) error {
	p, _ := identity.PrincipalFrom(r.Context())
	return render.Page(w, r, http.StatusOK, "Change your password", "/account", auth.Password(auth.PasswordView{
		Username: p.Username, MustChange: p.MustChangePassword}))
}

// ChangePassword sets the new password; the session gets a new id and
// every other session of the user ends.
func (h *Account) ChangePassword(w http.ResponseWriter, r *http.Request) error {
	p, id := identity.PrincipalFrom(r.Context())
	started, err := h.Identity.ChangePassword(r.Context(), id, p, r.PostFormValue("current"), r.PostFormValue("new"))
	switch domain.ErrorCode(err) {
	case "":
	case domain.EINVALID:
		return render.Page(w, r, http.StatusUnprocessableEntity, "Change your password", "/account", auth.Password(auth.PasswordView{
			Username: p.Username, MustChange: p.MustChangePassword, Error: domain.ErrorMessage(err)}))
	default:
		return err
	}
	if err := h.Cookies.Start(w, r, started.ID); err != nil {
		return err
	}
	if p.MustChangePassword {
		return SeeOther(w, r, "/")
	}
	return SeeOther(w, r, "/account?notice=password-changed")
}

// EndSession ends a session by its handle: one's own, or, for
// administrators, anyone's; then back to the page it was ended from.
func (h *Account) EndSession(w http.ResponseWriter, r *http.Request) error {
	p, _ := identity.PrincipalFrom(r.Context())
	if err := h.Identity.EndSession(r.Context(), p, r.PathValue("handle")); err != nil {
		return err
	}
	back := LocalPath(r.Referer())
	if back == "/" || back == "/account" {
		back = "/account?notice=session-ended"
	}
	return SeeOther(w, r, back)
}
