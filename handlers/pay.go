package handlers

import (
	"net/http"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/payments"
	paymentsview "github.com/paycompliance/console/views/payments"
	"github.com/paycompliance/console/web/render"
)

// Pay is the payer's page: reached by a link only the console can make, with
// no session. In live mode Stripe.js takes the card; in test mode the page
// offers simulated outcomes instead.
type Pay struct {
	Payments       *payments.Service
	PublishableKey string
}

// stripeCSP is the page's Content-Security-Policy in live mode: Stripe.js
// and its frames (as Stripe's CSP guidance lists them), on this page only.
const stripeCSP = "default-src 'none'; script-src 'self' https://js.stripe.com https://*.js.stripe.com; style-src 'self'; " +
	"img-src 'self' data: https://*.stripe.com; font-src 'self'; connect-src 'self' https://api.stripe.com; " +
	"frame-src https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// stripePermissions lets Stripe's frames use the Payment Request API
// (Apple Pay, Google Pay), which every other page forbids.
const stripePermissions = `camera=(), microphone=(), geolocation=(), payment=(self "https://js.stripe.com")`

// live reports whether Stripe.js takes the card here.
func (h *Pay) live() bool { return !h.Payments.TestMode() && h.PublishableKey != "" }

func (h *Pay) view(r *http.Request, withSecret bool) (paymentsview.PayView, error) {
	id, token := r.PathValue("id"), r.PathValue("token")
	v, err := h.Payments.Payer(r.Context(), id, token, withSecret)
	return paymentsview.PayView{View: v, Path: PayPath(id, token), PublishableKey: h.PublishableKey}, err
}

// Page is the payer's page.
func (h *Pay) Page(w http.ResponseWriter, r *http.Request) error {
	v, err := h.view(r, h.live())
	if err != nil {
		return err
	}
	if h.live() {
		w.Header().Set("Content-Security-Policy", stripeCSP)
		w.Header().Set("Permissions-Policy", stripePermissions)
	}
	return render.Component(w, r, http.StatusOK, paymentsview.PayPage(v))
}

// Status is the page's status line, polled until the payment settles.
func (h *Pay) Status(w http.ResponseWriter, r *http.Request) error {
	v, err := h.view(r, false)
	if err != nil {
		return err
	}
	return render.Component(w, r, http.StatusOK, paymentsview.PayStatus(v))
}

// Simulate sends the chosen outcome's events through the webhook path, in
// test mode, and returns to the page, which follows the payment from there.
func (h *Pay) Simulate(w http.ResponseWriter, r *http.Request) error {
	id, token := r.PathValue("id"), r.PathValue("token")
	err := h.Payments.SimulateForPayer(r.Context(), id, token, payments.Outcome(r.PostFormValue("outcome")))
	switch domain.ErrorCode(err) {
	case "":
		return SeeOther(w, r, PayPath(id, token))
	case domain.EINVALID, domain.ECONFLICT:
		v, verr := h.view(r, h.live())
		if verr != nil {
			return verr
		}
		v.Error = domain.ErrorMessage(err)
		return render.Component(w, r, http.StatusUnprocessableEntity, paymentsview.PayPage(v))
	}
	return err
}
