package handlers

import (
	"errors"
	"io"
	"net/http"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/payments"
	"github.com/paycompliance/console/internal/failpoint"
)

// StripeWebhooks receives Stripe's events: the raw body is verified against
// its signature before anything is read, then stored and queued in one
// transaction. Stripe retries anything but a 2xx, so a failure to store
// answers 5xx and the event comes again.
type StripeWebhooks struct {
	Payments *payments.Service
}

// Receive handles one delivery.
func (h *StripeWebhooks) Receive(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, payments.MaxWebhookBytes))
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return domain.Errorf(domain.ETOOLARGE, "A webhook body may be at most %d KiB.", payments.MaxWebhookBytes>>10)
	}
	if err != nil {
		return err
	}
	if err := h.Payments.ReceiveWebhook(r.Context(), body, r.Header.Get("Stripe-Signature")); err != nil {
		return err
	}
	// Stored and queued, and Stripe not yet told: it sends the event again.
	failpoint.Hit("webhook.after-store")
	return writeJSON(w, http.StatusOK, map[string]bool{"received": true})
}
