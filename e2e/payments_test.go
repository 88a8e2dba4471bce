package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestPayments: an operator watches the payments list while a system
// creates a payment through the API, and it appears; the payer opens
// their link (test mode) and the simulated success arrives on the
// operator's page live; the operator refunds part of it, confirming
// first, and sees the refund go through. No console error or CSP
// violation on the way, for operator or payer.
func TestPayments(t *testing.T) {
	t.Parallel()
	c := StartConsole(t)
	key := c.APIKey(t, "payments.write", "payments.read")
	op := NewBrowser(t)
	c.SignIn(t, op, "dana.reyes")
	op.Do(t, chromedp.Navigate(c.URL+"/payments"), chromedp.WaitVisible(`[data-testid=payments]`))

	status, created := c.API(t, http.MethodPost, "/api/v1/payments", key,
		`{"amount": 18450, "currency": "USD", "customer": "e2e-customer", "description": "Order E2E-1"}`)
	if status != http.StatusCreated {
		t.Fatalf("create = %d %v", status, created)
	}
	id, payURL := created["id"].(string), created["pay_url"].(string)
	row := fmt.Sprintf(`[data-testid=payment-row][data-payment=%q]`, id)
	op.Do(t, chromedp.WaitVisible(row)) // no reload: the list follows the change
	if got := Eval[string](t, op, `document.querySelector('`+row+` [data-testid=payment-status]').textContent`); got != "Open" {
		t.Fatalf("the new payment shows %q", got)
	}
	op.Do(t, chromedp.Click(row+` td a`), chromedp.WaitVisible(`[data-testid=payment-status]`))

	payer := NewBrowser(t)
	payer.Do(t,
		chromedp.Navigate(payURL),
		chromedp.WaitVisible(`[data-testid=pay-test-mode]`),
		chromedp.Click(`[data-testid=simulate-submit]`),
		chromedp.WaitVisible(`[data-testid=pay-status][data-status=succeeded]`),
	)
	op.WaitFor(t, `document.querySelector('[data-testid=refund-form]')`)
	if got := Eval[string](t, op, `document.querySelector('[data-testid=payment-status]').textContent`); got != "Succeeded" {
		t.Fatalf("after the payer paid, the operator sees %q", got)
	}
	if got := Eval[string](t, op, `document.querySelector('[data-testid=payment-card-text]').textContent`); got != "visa •••• 4242" {
		t.Fatalf("card shown as %q", got)
	}

	op.Do(t,
		chromedp.SendKeys(`#refund-amount`, "40.00"),
		chromedp.SetValue(`#refund-reason`, "requested_by_customer"),
		chromedp.Click(`[data-testid=refund-submit]`),
	)
	op.WaitFor(t, `document.querySelector('[data-testid=refund-confirm-text]')`)
	if got := Eval[string](t, op, `document.querySelector('[data-testid=refund-confirm-text]').textContent`); !strings.Contains(got, "Refund 40.00 USD of 184.50 USD") {
		t.Fatalf("the confirmation reads %q", got)
	}
	op.Do(t, chromedp.Click(`[data-testid=refund-confirm]`))
	op.WaitFor(t, `document.querySelector('[data-testid=payment-notice]')`)
	op.WaitFor(t, `(document.querySelector('[data-testid=refund-status]') || {}).textContent === 'Succeeded'`)
	if got := Eval[string](t, op, `document.querySelector('[data-testid=payment-refunded]').textContent`); got != "40.00 USD" {
		t.Fatalf("refunded shows %q", got)
	}
	saveScreenshot(t, op, "payment.png")
	op.AssertNoProblems(t)
	payer.AssertNoProblems(t)
}
