package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/views/auth"
	"github.com/paycompliance/console/web/htmx"
	"github.com/paycompliance/console/web/render"
)

// Cookies sets and clears the session cookie (the web layer's store).
type Cookies interface {
	Start(w http.ResponseWriter, r *http.Request, id identity.SessionID) error
	Clear(w http.ResponseWriter, r *http.Request) error
}

// SignIn is signing in and out: the password and TOTP steps, setting up
// an authenticator, step-up, and keeping a session alive.
type SignIn struct {
	Identity *identity.Service
	Cookies  Cookies
}

// LoginForm shows the password step; someone signed in goes on.
func (h *SignIn) LoginForm(w http.ResponseWriter, r *http.Request) error {
	if p, _ := identity.PrincipalFrom(r.Context()); p != nil && p.Stage == identity.StageFull {
		return SeeOther(w, r, "/")
	}
	q := r.URL.Query()
	v := auth.LoginView{Next: LocalPath(q.Get("next"))}
	switch {
	case q.Has("ended"):
		v.Notice = "Your session ended: sessions close after 15 minutes without activity, 12 hours in all, or when ended elsewhere. Sign in again to continue."
	case q.Has("signed_out"):
		v.Notice = "You have signed out."
	}
	return render.Page(w, r, http.StatusOK, "Sign in", "", auth.Login(v))
}

// Login checks the password. Any failure gets the same answer; success
// starts a new session that reaches only the TOTP step (or, on a first
// sign-in, setting up the authenticator).
func (h *SignIn) Login(w http.ResponseWriter, r *http.Request) error {
	origin := audit.OriginFrom(r.Context())
	username, next := r.PostFormValue("username"), LocalPath(r.PostFormValue("next"))
	started, err := h.Identity.Login(r.Context(), username, r.PostFormValue("password"), identity.Origin{IP: origin.IP, UserAgent: origin.UserAgent})
	if err != nil {
		if domain.ErrorCode(err) != domain.EUNAUTHORIZED {
			return err
		}
		return render.Page(w, r, http.StatusUnauthorized, "Sign in", "", auth.Login(auth.LoginView{
			Username: truncateInput(username), Next: next, Error: domain.ErrorMessage(err)}))
	}
	if err := h.Cookies.Start(w, r, started.ID); err != nil {
		return err
	}
	step := "/login/mfa"
	if !started.Principal.MFAEnrolled {
		step = "/login/enroll"
	}
	return SeeOther(w, r, withNext(step, next))
}

// MFAForm shows the TOTP step.
func (h *SignIn) MFAForm(w http.ResponseWriter, r *http.Request) error {
	p, _ := identity.PrincipalFrom(r.Context())
	next := LocalPath(r.URL.Query().Get("next"))
	switch {
	case p.Stage == identity.StageFull:
		return SeeOther(w, r, next)
	case !p.MFAEnrolled:
		return SeeOther(w, r, withNext("/login/enroll", next))
	}
	return render.Page(w, r, http.StatusOK, "Enter your code", "", auth.MFA(auth.CodeView{Next: next}))
}

// MFA checks the code; success gives the session a new id and full access.
func (h *SignIn) MFA(w http.ResponseWriter, r *http.Request) error {
	_, id := identity.PrincipalFrom(r.Context())
	next := LocalPath(r.PostFormValue("next"))
	started, err := h.Identity.VerifyMFA(r.Context(), id, r.PostFormValue("code"))
	switch {
	case err == nil:
		if err := h.Cookies.Start(w, r, started.ID); err != nil {
			return err
		}
		return SeeOther(w, r, next)
	case errors.Is(err, identity.ErrCodeRejected):
		return render.Page(w, r, http.StatusUnauthorized, "Enter your code", "", auth.MFA(auth.CodeView{Next: next, Error: domain.ErrorMessage(err)}))
	case domain.ErrorCode(err) == domain.EUNAUTHORIZED:
		h.Cookies.Clear(w, r)
		return render.Page(w, r, http.StatusUnauthorized, "Sign in", "", auth.Login(auth.LoginView{Next: next, Error: domain.ErrorMessage(err)}))
	}
	return err
}

// Logout ends the session.
func (h *SignIn) Logout(w http.ResponseWriter, r *http.Request) error {
	p, id := identity.PrincipalFrom(r.Context())
	if err := h.Identity.Logout(r.Context(), id, p); err != nil {
		return err
	}
	if err := h.Cookies.Clear(w, r); err != nil {
		return err
	}
	return SeeOther(w, r, "/login?signed_out=1")
}

// KeepAlive is the "stay signed in" button: activity without a page.
func (h *SignIn) KeepAlive(w http.ResponseWriter, r *http.Request) error {
	p, id := identity.PrincipalFrom(r.Context())
	if err := h.Identity.Touch(r.Context(), id, p, true); err != nil {
		return err
	}
	SetSessionDeadline(w, h.Identity.IdleDeadline(p))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// StepUpForm is the step-up page, reached when a sensitive page was opened
// by a link; it returns there.
func (h *SignIn) StepUpForm(w http.ResponseWriter, r *http.Request) error {
	return render.Page(w, r, http.StatusOK, "Confirm it is you", "", auth.StepUp(auth.CodeView{Next: LocalPath(r.URL.Query().Get("next"))}))
}

// StepUpModal is the code form shown in place over the page.
func (h *SignIn) StepUpModal(w http.ResponseWriter, r *http.Request) error {
	return render.Component(w, r, http.StatusOK, auth.StepUpModal(auth.CodeView{}))
}

// StepUp checks a fresh code. From the modal, success closes it and the
// page sends the challenged request again (stepUpDone); from the page, it
// returns to where the user was going.
func (h *SignIn) StepUp(w http.ResponseWriter, r *http.Request) error {
	p, id := identity.PrincipalFrom(r.Context())
	next := LocalPath(r.PostFormValue("next"))
	err := h.Identity.StepUp(r.Context(), id, p, r.PostFormValue("code"))
	modal := htmx.IsFragmentRequest(r)
	switch {
	case err == nil && modal:
		w.Header().Set(htmx.HeaderTrigger, "stepUpDone")
		return render.Component(w, r, http.StatusOK, templ.NopComponent)
	case err == nil:
		return SeeOther(w, r, next)
	case errors.Is(err, identity.ErrCodeRejected) && modal:
		return render.Component(w, r, http.StatusUnprocessableEntity, auth.StepUpModal(auth.CodeView{Error: domain.ErrorMessage(err)}))
	case errors.Is(err, identity.ErrCodeRejected):
		return render.Page(w, r, http.StatusUnprocessableEntity, "Confirm it is you", "", auth.StepUp(auth.CodeView{Next: next, Error: domain.ErrorMessage(err)}))
	case domain.ErrorCode(err) == domain.EUNAUTHORIZED:
		h.Cookies.Clear(w, r)
		return SeeOther(w, r, "/login?ended=1")
	}
	return err
}

// LocalPath keeps only the path and query of a URL on this site, so that a
// "next" parameter cannot send anyone elsewhere.
func LocalPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return (&url.URL{Path: u.Path, RawQuery: u.RawQuery}).RequestURI()
}

func withNext(path, next string) string {
	if next == "/" {
		return path
	}
	return path + "?" + url.Values{"next": {next}}.Encode()
}

// SeeOther redirects after a form: a whole-page redirect for htmx, 303
// otherwise.
func SeeOther(w http.ResponseWriter, r *http.Request, target string) error {
	if r.Header.Get(htmx.HeaderRequest) == "true" {
		w.Header().Set(htmx.HeaderRedirect, target)
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// truncateInput bounds what is echoed back into a form.
func truncateInput(s string) string {
	if len(s) > 64 {
		return s[:64]
	}
	return s
}

// SetSessionDeadline tells the page's countdown when the session ends if
// idle (X-Session-Deadline, Unix seconds).
func SetSessionDeadline(w http.ResponseWriter, t time.Time) {
	w.Header().Set("X-Session-Deadline", strconv.FormatInt(t.Unix(), 10))
}
