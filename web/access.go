package web

import (
	"crypto/subtle"
	"net/http"
	"net/url"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/handlers"
	"github.com/paycompliance/console/views/layout"
	"github.com/paycompliance/console/web/htmx"
)

// access is what a route requires. Every route declares one; a route
// without is refused at start-up (deny by default).
type access struct {
	kind   accessKind
	perm   identity.Permission
	stepUp bool // a sensitive action: needs a TOTP code from the last few minutes
}

type accessKind int

const (
	undeclared accessKind = iota
	// asset: no session is looked at (static files, health checks).
	asset
	// external: no session is looked at either; the handler checks the
	// caller's proof itself (a payer's link, a webhook's signature).
	external
	// public: anyone; a session, if any, is known to the handler.
	public
	// signingIn: a session at any stage: the TOTP form and sign-out.
	signingIn
	// signedIn: a session past MFA; for one's own account and the overview.
	signedIn
	// changingPassword: signedIn, and also reachable while a temporary
	// password waits to be replaced, which blocks every other page.
	changingPassword
	// permitted: a session past MFA whose roles grant perm.
	permitted
	// apiKey: an API key whose scopes include perm.
	apiKey
)

var (
	assetAccess     = access{kind: asset}
	externalAccess  = access{kind: external}
	publicAccess    = access{kind: public}
	signingInAccess = access{kind: signingIn}
	signedInAccess  = access{kind: signedIn}
	passwordAccess  = access{kind: changingPassword}
)

func perm(p identity.Permission) access  { return access{kind: permitted, perm: p} }
func scope(p identity.Permission) access { return access{kind: apiKey, perm: p} }

// sensitive marks the route as needing a fresh step-up.
func (a access) sensitive() access { a.stepUp = true; return a }

// Response headers the console's script reads.
const (
	// headerStepUp marks a response that asks for a step-up code.
	headerStepUp = "X-Step-Up"
	// headerActivity "background" marks a request made by polling, which
	// must not keep an idle session alive.
	headerActivity = "X-Activity"
	headerCSRF     = "X-CSRF-Token"
)

// guard enforces a route's access before its handler runs.
func (s *Server) guard(a access, next http.Handler) http.Handler {
	switch a.kind {
	case asset, external:
		return next
	case apiKey:
		return s.guardAPI(a, next)
	case undeclared:
		panic("web: a route without declared access")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		admitted, err := s.admit(a, w, r)
		switch {
		case err != nil:
			s.renderError(w, admitted, err)
		case admitted != nil:
			next.ServeHTTP(w, admitted)
		}
	})
}

// admit decides whether r may reach the route's handler. It returns r
// carrying the principal to go on; nil when it has answered itself (a
// redirect, the step-up dialog); or a refusal, with the request to render
// it for (the principal known by then, so that the page is theirs).
func (s *Server) admit(a access, w http.ResponseWriter, r *http.Request) (*http.Request, error) {
	p, id, ended, err := s.deps.Sessions.current(r)
	if err != nil {
		return r, err
	}
	if p == nil {
		if a.kind == public {
			return r, nil
		}
		if ended {
			s.deps.Sessions.Clear(w, r)
		}
		return answered(r, s.toSignIn(w, r, ended))
	}
	ctx := identity.WithPrincipal(r.Context(), id, p)
	if a.kind == public {
		return r.WithContext(ctx), nil
	}
	ctx = audit.WithActor(ctx, p.AuditActor())
	r = r.WithContext(layout.WithViewer(ctx, layout.Viewer{Principal: p, IdleDeadline: s.deps.Identity.IdleDeadline(p)}))
	switch {
	case p.Stage != identity.StageFull && a.kind != signingIn:
		return answered(r, handlers.SeeOther(w, r, withReturn("/login/mfa", r)))
	case p.MustChangePassword && a.kind != signingIn && a.kind != changingPassword:
		return answered(r, handlers.SeeOther(w, r, "/account/password"))
	case a.kind == permitted && !p.Can(a.perm):
		return r, domain.Errorf(domain.EFORBIDDEN, "Your roles do not allow this page or action.")
	case !safeMethod(r.Method) && !s.validCSRF(r, p):
		return r, domain.Errorf(domain.EFORBIDDEN, "This form has expired or did not come from this console. Reload the page and try again.")
	}
	if r.Header.Get(headerActivity) != "background" {
		if err := s.deps.Identity.Touch(ctx, id, p, false); err != nil {
			return r, err
		}
	}
	deadline := s.deps.Identity.IdleDeadline(p)
	handlers.SetSessionDeadline(w, deadline)
	r = r.WithContext(layout.WithViewer(ctx, layout.Viewer{Principal: p, IdleDeadline: deadline}))
	if a.stepUp && !s.deps.Identity.SteppedUp(p) {
		return answered(r, s.askStepUp(w, r))
	}
	return r, nil
}

// answered is admit's result when it has written the response itself; an
// error in doing so is still rendered, for r.
func answered(r *http.Request, err error) (*http.Request, error) {
	if err != nil {
		return r, err
	}
	return nil, nil
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// validCSRF checks the session's token, sent by htmx in a header or by a
// plain form in a field, in constant time.
func (s *Server) validCSRF(r *http.Request, p *identity.Principal) bool {
	token := r.Header.Get(headerCSRF)
	if token == "" {
		token = r.PostFormValue(layout.CSRFFieldName)
	}
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(p.CSRFToken)) == 1
}

// toSignIn sends someone without a session to the sign-in page, coming
// back to where they were going when that was a page.
func (s *Server) toSignIn(w http.ResponseWriter, r *http.Request, ended bool) error {
	if wantsJSON(r) {
		return identity.ErrNoSession
	}
	if ended {
		return handlers.SeeOther(w, r, "/login?ended=1")
	}
	return handlers.SeeOther(w, r, withReturn("/login", r))
}

// withReturn adds where a page load was going, to come back after signing in.
func withReturn(target string, r *http.Request) string {
	if r.Method != http.MethodGet || htmx.IsFragmentRequest(r) {
		return target
	}
	return target + "?" + url.Values{"next": {r.URL.RequestURI()}}.Encode()
}

// askStepUp answers a sensitive request that lacks a fresh step-up: htmx
// gets the code form in the page's modal (the form the user filled in
// stays as it is, and is sent again once the code is accepted); a page
// load goes to the step-up page, which returns here.
func (s *Server) askStepUp(w http.ResponseWriter, r *http.Request) error {
	if htmx.IsFragmentRequest(r) {
		w.Header().Set(headerStepUp, "required")
		w.Header().Set(htmx.HeaderRetarget, "#modal")
		w.Header().Set(htmx.HeaderReswap, "innerHTML")
		return s.deps.SignIn.StepUpModal(w, r)
	}
	next := r.URL.RequestURI()
	if !safeMethod(r.Method) {
		next = handlers.LocalPath(r.Referer())
	}
	return handlers.SeeOther(w, r, "/stepup?"+url.Values{"next": {next}}.Encode())
}
