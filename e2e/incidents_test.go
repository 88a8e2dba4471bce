package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestIncidents: the demo compliance officer finds the demo's P1 heading
// her overview with an Acknowledge button; acknowledging it takes it off
// (and back to the overview). On the incident's page only the moves the
// state machine allows are offered; she contains it with a note of what
// was done, and the page and the log follow. No console error or CSP
// violation.
func TestIncidents(t *testing.T) {
	t.Parallel()
	c := StartConsole(t)
	b := NewBrowser(t)
	c.SignIn(t, b, "amelia.ortiz")

	b.Do(t, chromedp.Navigate(c.URL+"/"), chromedp.WaitVisible(`.urgent [data-testid=widget-incident]`))
	if got := Eval[string](t, b, `document.querySelector('.urgent [data-testid=widget-incident]').textContent`); !strings.Contains(got, "Repeated failed sign-ins") {
		t.Fatalf("the overview's waiting incident: %q", got)
	}
	saveScreenshot(t, b, "incidents-home.png")
	b.Submit(t, `.urgent [data-testid=incident-acknowledge]`)
	b.WaitFor(t, `document.querySelector('[data-testid=widget-incidents-none]')`)

	b.Do(t, chromedp.Navigate(c.URL+"/incidents"), chromedp.WaitVisible(`[data-testid=incidents]`))
	b.WaitFor(t, `document.querySelector('[data-testid=incident-row] [data-testid=incident-link]')`)
	href := Eval[string](t, b, `document.querySelector('[data-testid=incident-row] [data-testid=incident-link]').getAttribute('href')`)
	b.Do(t, chromedp.Navigate(c.URL+href), chromedp.WaitVisible(`[data-testid=incident-fields]`)) // by its link: the live list may swap the row
	if got := Eval[[]string](t, b, `[...document.querySelectorAll('[data-testid=status-forms] input[name=status]')].map(e => e.value)`); strings.Join(got, " ") != "contained resolved" {
		t.Fatalf("an investigated incident offers %v", got)
	}
	if !Eval[bool](t, b, `!!document.querySelector('[data-testid=incident-acked]')`) {
		t.Error("the page does not say she acknowledged it")
	}
	b.SubmitAsItStands(t, `[data-testid=move-contained]`, `b.form.querySelector('#status-text-contained').value = 'Both addresses blocked at the edge; sessions ended'`)
	b.WaitFor(t, `document.querySelector('[data-testid=incident-status]')?.textContent === 'Contained'`)
	if got := Eval[string](t, b, `document.querySelector('[data-testid=timeline]').textContent`); !strings.Contains(got, "investigating → contained: Both addresses blocked") {
		t.Errorf("the timeline: %q", got)
	}
	saveScreenshot(t, b, "incident.png")
	b.AssertNoProblems(t)
}
