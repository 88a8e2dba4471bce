package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/views/auth"
	"github.com/paycompliance/console/web/render"
)

// enrollBase is where set-up lives: within sign-in for a first one, on the
// account page for replacing an authenticator.
func enrollBase(p *identity.Principal) string {
	if p.Stage == identity.StageFull {
		return "/account/mfa"
	}
	return "/login/enroll"
}

// EnrollStart offers to set up an authenticator.
func (h *SignIn) EnrollStart(w http.ResponseWriter, r *http.Request) error {
	p, _ := identity.PrincipalFrom(r.Context())
	if p.Stage == identity.StagePassword && p.MFAEnrolled {
		return SeeOther(w, r, "/login/mfa")
	}
	return render.Page(w, r, http.StatusOK, "Set up your authenticator", "", auth.Enroll(auth.EnrollView{
		BeginURL: enrollBase(p), FirstLogin: p.Stage == identity.StagePassword}))
}

// EnrollBegin makes a new secret and shows it once, with its QR code.
func (h *SignIn) EnrollBegin(w http.ResponseWriter, r *http.Request) error {
	p, _ := identity.PrincipalFrom(r.Context())
	e, err := h.Identity.BeginEnrollment(r.Context(), p)
	if err != nil {
		return err
	}
	base := enrollBase(p)
	return render.Page(w, r, http.StatusOK, "Set up your authenticator", "", auth.Enroll(auth.EnrollView{
		Secret: e.Secret, QRCodeURL: base + "/qr.png", ConfirmURL: base + "/confirm",
		BeginURL: base, FirstLogin: p.Stage == identity.StagePassword}))
}

// EnrollQRCode serves the pending secret's QR code.
func (h *SignIn) EnrollQRCode(w http.ResponseWriter, r *http.Request) error {
	p, _ := identity.PrincipalFrom(r.Context())
	png, err := h.Identity.EnrollmentQRCode(r.Context(), p)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(png)))
	_, err = w.Write(png)
	return err
}

// EnrollConfirm checks a code from the new secret, then shows the recovery
// codes once. At first sign-in it completes the sign-in.
func (h *SignIn) EnrollConfirm(w http.ResponseWriter, r *http.Request) error {
	p, id := identity.PrincipalFrom(r.Context())
	started, codes, err := h.Identity.ConfirmEnrollment(r.Context(), id, p, r.PostFormValue("code"))
	base := enrollBase(p)
	switch code := domain.ErrorCode(err); {
	case err == nil:
	case errors.Is(err, identity.ErrCodeRejected):
		// The secret stays pending, and the app has it already: try
		// another code (the key itself is not shown again).
		return render.Page(w, r, http.StatusUnprocessableEntity, "Set up your authenticator", "", auth.Enroll(auth.EnrollView{
			BeginURL: base, QRCodeURL: base + "/qr.png", ConfirmURL: base + "/confirm",
			FirstLogin: p.Stage == identity.StagePassword, Error: domain.ErrorMessage(err)}))
	case code == domain.ECONFLICT:
		return render.Page(w, r, http.StatusConflict, "Set up your authenticator", "", auth.Enroll(auth.EnrollView{
			BeginURL: base, FirstLogin: p.Stage == identity.StagePassword, Error: domain.ErrorMessage(err)}))
	case code == domain.EUNAUTHORIZED:
		h.Cookies.Clear(w, r)
		return render.Page(w, r, http.StatusUnauthorized, "Sign in", "", auth.Login(auth.LoginView{Error: domain.ErrorMessage(err)}))
	default:
		return err
	}
	if err := h.Cookies.Start(w, r, started.ID); err != nil {
		return err
	}
	next := "/account?notice=mfa-replaced"
	if p.Stage == identity.StagePassword {
		next = "/"
	}
	return render.Page(w, r, http.StatusOK, "Your recovery codes", "", auth.Recovery(auth.RecoveryView{Codes: codes, Continue: next}))
}
