package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestScreeningFalsePositive: a transfer to a holder whose name is on the
// (demo) sanctions list is held; a compliance officer opens the hit from
// the queue, sees the holder beside the list entry, marks it a false
// positive with a reason and an expiry (after a fresh code, and a
// confirmation saying what it does), and the held transfer proceeds.
func TestScreeningFalsePositive(t *testing.T) {
	t.Parallel()
	c := StartConsole(t)
	key := c.APIKey(t, "ach.write", "ach.read")
	status, account := c.API(t, http.MethodPost, "/api/v1/bank-accounts", key, `{"customer": "e2e-karamov", "holder_name": "Sergei Karamov",
		"holder_type": "individual", "type": "checking", "routing_number": "021000021", "account_number": "55501234"}`)
	if status != http.StatusCreated {
		t.Fatalf("add account = %d %v", status, account)
	}
	status, transfer := c.API(t, http.MethodPost, "/api/v1/transfers", key, `{"bank_account": "`+account["id"].(string)+`",
		"direction": "credit", "amount": 75000, "sec_code": "PPD", "description": "PAYOUT"}`)
	if status != http.StatusCreated || transfer["status"] != "held" || transfer["hold_reason"] != "screening" {
		t.Fatalf("create transfer = %d %v, want held for screening", status, transfer)
	}
	id := transfer["id"].(string)

	officer := NewBrowser(t)
	c.SignIn(t, officer, "amelia.ortiz")
	officer.Do(t, chromedp.Navigate(c.URL+"/cases?kind=screening_hit"), chromedp.WaitVisible(`[data-testid=cases]`))
	link := Eval[string](t, officer, `[...document.querySelectorAll('[data-testid=case-row]')].find(r => r.textContent.includes('Sergei Karamov')).querySelector('a').getAttribute('href')`)
	officer.Do(t, chromedp.Navigate(c.URL+link), chromedp.WaitVisible(`[data-testid=hit-review]`))
	if got := Eval[string](t, officer, `document.querySelector('[data-testid=hit-entry-name]').textContent`); got != "KARAMOV, Sergei" {
		t.Fatalf("the hit shows list entry %q", got)
	}
	if got := Eval[string](t, officer, `document.querySelector('[data-testid=hit-programs]').textContent`); !strings.Contains(got, "UKRAINE-EO13660") {
		t.Fatalf("the entry's programs read %q", got)
	}
	saveScreenshot(t, officer, "case.png")

	until := time.Now().UTC().AddDate(0, 3, 0).Format("01022006") // the date input types month, day, year
	officer.Do(t,
		chromedp.Click(`[data-testid=decision-false_positive]`),
		chromedp.SendKeys(`[data-testid=decide-reason]`, "Different person: born 1988 in Canada, per the passport on file"),
		chromedp.SendKeys(`[data-testid=decide-until]`, until),
	)
	officer.Submit(t, `[data-testid=decide-submit]`)
	officer.Do(t,
		chromedp.WaitVisible(`[data-testid=stepup-modal]`),
		chromedp.SendKeys(`#stepup-code`, c.Code(t, c.DemoUser(t, "amelia.ortiz").TOTPSecret)),
	)
	officer.Submit(t, `[data-testid=stepup-submit]`)
	officer.Do(t, chromedp.WaitVisible(`[data-testid=decide-confirm-text]`))
	if got := Eval[string](t, officer, `document.querySelector('[data-testid=decide-confirm-text]').textContent`); !strings.Contains(got, "False positive") || !strings.Contains(got, "goes on") {
		t.Fatalf("the confirmation reads %q", got)
	}
	officer.Submit(t, `[data-testid=decide-confirm]`)
	officer.Do(t, chromedp.WaitVisible(`[data-testid=case-notice]`))
	if got := Eval[string](t, officer, `document.querySelector('[data-testid=case-decision]').textContent`); !strings.Contains(got, "False positive by amelia.ortiz") {
		t.Fatalf("the decision reads %q", got)
	}
	if _, got := c.API(t, http.MethodGet, "/api/v1/transfers/"+id, key, ""); got["status"] != "approved" {
		t.Fatalf("after the false positive the transfer is %v, want approved", got["status"])
	}
	officer.Do(t, chromedp.Navigate(c.URL+"/ach/transfers/"+id), chromedp.WaitVisible(`[data-testid=transfer-status]`))
	if got := Eval[string](t, officer, `document.querySelector('[data-testid=transfer-status]').textContent`); got != "Approved" {
		t.Fatalf("the officer sees the transfer %q", got)
	}
	officer.AssertNoProblems(t)
}
