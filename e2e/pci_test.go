package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestPCIScorecard: a compliance officer opens the scorecard, where MFA
// for every account (8.4.2) passes. An administrator invites a new user,
// who has no authenticator yet; the officer runs the assessment again,
// requirement 8 now fails, and she drills from it to 8.4.2's evidence,
// which names the new account. The alert the change raised waits in the
// alert centre: she acknowledges it and opens an incident from it, which
// links the alert. No console error or CSP violation on the way.
func TestPCIScorecard(t *testing.T) {
	t.Parallel()
	c := StartConsole(t)
	officer := NewBrowser(t)
	c.SignIn(t, officer, "amelia.ortiz")
	sub := `document.querySelector('[data-testid=pci-sub][data-sub="8.4.2"]')`

	// Run now takes the page to /pci?ran=<the run's id> once the run is done.
	ran := `new URLSearchParams(location.search).get('ran')`
	settled := `document.readyState === 'complete' && `
	officer.Do(t, chromedp.Navigate(c.URL+"/pci"), chromedp.WaitVisible(`[data-testid=pci-run-now]`))
	officer.Do(t, chromedp.Click(`[data-testid=pci-run-now]`))
	officer.WaitFor(t, settled+ran+` && `+sub+`?.dataset.status === 'pass'`)
	before := Eval[string](t, officer, ran)

	admin := NewBrowser(t)
	c.SignIn(t, admin, "erin.hale")
	admin.Do(t,
		chromedp.Navigate(c.URL+"/admin/users/new"),
		chromedp.WaitVisible(`[data-testid=new-user-form]`),
		chromedp.SendKeys(`#username`, "nora.new"),
		chromedp.SendKeys(`#name`, "Nora New"),
		chromedp.SendKeys(`#email`, "nora@example.test"),
		chromedp.Click(`[data-testid=create-user]`),
		chromedp.WaitVisible(`[data-testid=temporary-password]`),
	)

	officer.Do(t, chromedp.Click(`[data-testid=pci-run-now]`))
	officer.WaitFor(t, settled+ran+` !== `+quote(before)+` && `+sub+`?.dataset.status === 'fail'`)
	if got := Eval[string](t, officer, `document.querySelector('[data-testid=pci-requirement][data-requirement="8"]').open ? 'open' : 'closed'`); got != "open" {
		t.Fatalf("the failing requirement 8 is %s", got)
	}
	evidence := Eval[string](t, officer, sub+`.textContent`)
	if !strings.Contains(evidence, "nora.new") || !strings.Contains(evidence, "no MFA") {
		t.Fatalf("8.4.2's evidence: %q", evidence)
	}
	if href := Eval[string](t, officer, sub+`.querySelector('[data-testid=evidence-link]').getAttribute('href')`); href != "/admin/users" {
		t.Errorf("the evidence links to %q", href)
	}
	officer.Do(t, chromedp.ScrollIntoView(`[data-testid=pci-sub][data-sub="8.4.2"]`))
	saveScreenshot(t, officer, "pci-scorecard.png")

	officer.Do(t, chromedp.Navigate(c.URL+"/alerts"), chromedp.WaitVisible(`[data-testid=alerts]`))
	row := `[...document.querySelectorAll('[data-testid=alert-row]')].find(r => r.textContent.includes('8.4.2'))`
	officer.WaitFor(t, row)
	alertID := Eval[string](t, officer, row+`.dataset.alert`)
	mine := `[data-testid=alert-row][data-alert="` + alertID + `"]`
	officer.SubmitAsItStands(t, mine+` [data-testid=alert-acknowledge]`, "") // the centre is live: its rows are swapped
	officer.WaitFor(t, `document.querySelector('`+mine+`')?.dataset.status === 'acknowledged'`)

	href := Eval[string](t, officer, `document.querySelector('`+mine+` [data-testid=alert-incident-link]').getAttribute('href')`)
	officer.Do(t, chromedp.Navigate(c.URL+href), chromedp.WaitVisible(`[data-testid=incident-from-alert]`))
	officer.SubmitAsItStands(t, `[data-testid=incident-open]`, "")
	officer.WaitFor(t, `location.pathname.startsWith('/incidents/') && document.querySelector('[data-testid=incident-links]')`)
	if links := Eval[string](t, officer, `document.querySelector('[data-testid=incident-links]').textContent`); !strings.Contains(links, alertID) {
		t.Fatalf("the incident's links %q do not name alert %s", links, alertID)
	}
	officer.AssertNoProblems(t)
	admin.AssertNoProblems(t)
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "\\'") + "'" }
