package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestAuditLog: a compliance officer filters the log, opens an entry and
// proves it against a signed checkpoint, in the browser, with no console
// error or CSP violation on the way.
func TestAuditLog(t *testing.T) {
	t.Parallel()
	// Checkpoints every second, so the seeded history and the views are
	// covered by a signature within the test.
	c := StartConsole(t, "AUDIT_CHECKPOINT_EVERY", "1s")
	seedDemo(t, c)
	b := NewBrowser(t)

	b.Do(t,
		chromedp.Navigate(c.URL+"/audit"),
		chromedp.WaitVisible(`[data-testid=audit-table]`),
		chromedp.SetValue(`#f-action`, "auth.login.failed"),
		chromedp.SendKeys(`#f-actor`, "anonymous"),
		chromedp.Click(`[data-testid=audit-apply]`),
		chromedp.WaitVisible(`[data-testid=audit-row]`),
	)
	if got := Eval[int](t, b, `document.querySelectorAll('[data-testid=audit-row]').length`); got == 0 {
		t.Fatal("the filter for failed logins found nothing in the demo history")
	}
	if Eval[int](t, b, `[...document.querySelectorAll('[data-testid=audit-row]')].filter(r => !r.textContent.includes('auth.login.failed')).length`) != 0 {
		t.Fatal("the filtered list shows other actions")
	}
	if !Eval[bool](t, b, `location.search.includes('action=auth.login.failed')`) {
		t.Fatal("the filter is not in the address: the view cannot be shared or reloaded")
	}

	b.Do(t,
		chromedp.Click(`[data-testid=audit-row] td a`),
		chromedp.WaitVisible(`[data-testid=audit-entry]`),
	)
	if got := Eval[string](t, b, `document.querySelector('[data-testid=entry-action]').textContent`); got != "auth.login.failed" {
		t.Fatalf("opened entry shows %q", got)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		b.Do(t, chromedp.Click(`[data-testid=verify-entry]`), chromedp.WaitVisible(`#proof .alert`))
		if Eval[bool](t, b, `!!document.querySelector('[data-testid=proof-ok]')`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("entry never proven: %s", Eval[string](t, b, `document.querySelector('#proof').textContent`))
		}
		b.Do(t, chromedp.Sleep(300*time.Millisecond))
	}
	b.AssertNoProblems(t)
}
