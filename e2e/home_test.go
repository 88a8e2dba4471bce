package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestHome signs in and opens the overview, with the demo data `make run` loads, in
// chromium and fails on any console error, exception or CSP violation. With
// E2E_SCREENSHOTS=dir it also saves the README's screenshot there
// (`make screenshot`).
func TestHome(t *testing.T) {
	t.Parallel()
	c := StartConsole(t)
	b := NewBrowser(t)
	c.SignIn(t, b, "amelia.ortiz") // a compliance officer, who sees the audit widget

	b.Do(t,
		chromedp.Navigate(c.URL+"/"),
		chromedp.WaitVisible(`[data-testid=widget-system]`),
	)
	if got := Eval[string](t, b, `document.querySelector('[data-testid=system-overall]').textContent.trim()`); got != "All systems working" {
		t.Errorf("system widget says %q, want All systems working; console log:\n%s", got, c.Logs())
	}
	for _, check := range []string{"database", "jobs", "keyring"} {
		if got := Eval[string](t, b, `document.querySelector('[data-testid=check-`+check+`] .badge').textContent`); got != "OK" {
			t.Errorf("%s check shows %q, want OK", check, got)
		}
	}

	// The audit trail verifies itself at start; the widget shows the outcome.
	b.Do(t, chromedp.WaitVisible(`[data-testid=widget-audit]`))
	for i := 0; Eval[string](t, b, `document.querySelector('[data-testid=audit-state]').textContent`) != "Chain intact"; i++ {
		if i == 60 {
			t.Fatalf("audit widget never showed an intact chain; console log:\n%s", c.Logs())
		}
		b.Do(t, chromedp.Sleep(500*time.Millisecond), chromedp.Reload(), chromedp.WaitVisible(`[data-testid=widget-audit]`))
	}

	// htmx runs under the CSP with its inline styles off, and a widget
	// refresh swaps in a fresh fragment from the server.
	if !Eval[bool](t, b, `typeof htmx === 'object' && htmx.config.includeIndicatorStyles === false && htmx.config.allowEval === false`) {
		t.Fatal("htmx is not loaded with the console's configuration")
	}
	Eval[bool](t, b, `(document.querySelector('#widget-system').dataset.stale = 'yes', true)`)
	Eval[chromedp.Void](t, b, `htmx.ajax('GET', '/widgets/system', {target: '#widget-system', swap: 'outerHTML'})`)
	b.Do(t, chromedp.WaitVisible(`#widget-system:not([data-stale])`))

	// Keyboard first: Tab reaches the skip link before anything else.
	b.Do(t, chromedp.KeyEvent(kb.Tab))
	if got := Eval[string](t, b, `document.activeElement.className`); got != "skip-link" {
		t.Errorf("first Tab focuses %q, want the skip link", got)
	}

	b.Do(t, chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`))
	saveScreenshot(t, b, "screenshot.png")
	b.AssertNoProblems(t)
}
