package e2e

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestFraudReview: a fraud reviewer works the queue. The highest-risk case
// is the demo's suspicious payment, scored by the feed as the console
// started; the reviewer opens it, sees why it scored (each rule's points,
// summing to the score, and the rules version), claims it and declines it,
// confirming what the decline stops. The payment is refunded through the
// payments path (its page shows the fraudulent refund), and the statistics
// count the decision and the fraud. No console error or CSP violation.
func TestFraudReview(t *testing.T) {
	t.Parallel()
	c := StartConsole(t)
	b := NewBrowser(t)
	c.SignIn(t, b, "chen.wu")

	b.Do(t, chromedp.Navigate(c.URL+"/fraud"), chromedp.WaitVisible(`[data-testid=fraud-counts]`))
	top := `document.querySelector('[data-testid=fraud-case-row]')`
	b.WaitFor(t, top+`?.textContent.includes('nova-okoro')`) // the queue follows the feed live
	if subject := Eval[string](t, b, top+`.textContent`); !strings.Contains(subject, "payment:pay_") {
		t.Fatalf("the highest-risk case is %q, want the suspicious payment", subject)
	}
	href := Eval[string](t, b, `document.querySelector('[data-testid=fraud-case-row] [data-testid=fraud-case-link]').getAttribute('href')`)

	// The statistics before the decision, once the feed has gone as far as
	// the suspicious payment (the demo's dispute, queued before it, labelled).
	b.Do(t, chromedp.Navigate(c.URL+"/fraud/stats"), chromedp.WaitVisible(`[data-testid=stats-decided]`))
	decidedBefore := Eval[string](t, b, `document.querySelector('[data-testid=stats-decided]').textContent`)
	fraudBefore := Eval[string](t, b, `document.querySelector('[data-testid=stats-fraud]').textContent`)
	b.Do(t, chromedp.Navigate(c.URL+href), chromedp.WaitVisible(`[data-testid=contributions]`)) // by its link: the live queue may swap the row

	score := atoi(t, Eval[string](t, b, `document.querySelector('[data-testid=case-score]').textContent`))
	points := Eval[[]string](t, b, `[...document.querySelectorAll('[data-testid=contribution-points]')].map(e => e.textContent)`)
	rules := Eval[[]string](t, b, `[...document.querySelectorAll('[data-testid=contribution]')].map(e => e.dataset.rule)`)
	sum := 0
	for _, p := range points {
		sum += atoi(t, strings.TrimPrefix(p, "+"))
	}
	if sum != score || len(rules) < 3 || !contains(rules, "shared_device") || !contains(rules, "geo_mismatch") || !contains(rules, "radar") {
		t.Fatalf("contributions %v %v sum to %d, score %d", rules, points, sum, score)
	}
	if v := Eval[string](t, b, `document.querySelector('[data-testid=case-rules-version]').textContent`); !strings.Contains(v, "1") {
		t.Errorf("rules version shown as %q", v)
	}
	payment := Eval[string](t, b, `document.querySelector('[data-testid=radar] a').textContent`)
	saveScreenshot(t, b, "fraud-case.png")

	// The page's live stream may swap the forms in at any moment.
	b.SubmitAsItStands(t, `[data-testid=case-claim]`, "")
	// The claim's own page, not the old one its live stream already redrew.
	b.WaitFor(t, `location.search.includes('notice=claimed') && document.readyState === 'complete'`)
	b.SubmitAsItStands(t, `[data-testid=case-decline]`, `b.form.querySelector('select[name=reason]').value = 'stolen_card'`)
	b.Do(t, chromedp.WaitVisible(`[data-testid=decline-confirm-text]`))
	if got := Eval[string](t, b, `document.querySelector('[data-testid=decline-confirm-text]').textContent`); !strings.Contains(got, "refund") {
		t.Fatalf("the decline's confirmation says %q", got)
	}
	b.SubmitAsItStands(t, `[data-testid=decline-confirm]`, "")
	b.WaitFor(t, `document.querySelector('[data-testid=case-status]')?.textContent === 'Closed'`)

	// The stop job refunds it through payments; the case page follows.
	b.WaitFor(t, `document.querySelector('[data-testid=case-effect]')?.textContent.includes('refund')`)
	b.Do(t, chromedp.Navigate(c.URL+"/payments/"+payment), chromedp.WaitVisible(`[data-testid=refunds]`))
	if got := Eval[string](t, b, `document.querySelector('[data-testid=refunds]').textContent`); !strings.Contains(got, "Fraudulent") {
		t.Fatalf("the payment's refunds: %q", got)
	}

	b.Do(t, chromedp.Navigate(c.URL+"/fraud/stats"), chromedp.WaitVisible(`[data-testid=stats-decided]`))
	decidedAfter := Eval[string](t, b, `document.querySelector('[data-testid=stats-decided]').textContent`)
	fraudAfter := Eval[string](t, b, `document.querySelector('[data-testid=stats-fraud]').textContent`)
	if atoi(t, decidedAfter) != atoi(t, decidedBefore)+1 || atoi(t, fraudAfter) != atoi(t, fraudBefore)+1 {
		t.Errorf("statistics: decided %s → %s, known fraud %s → %s", decidedBefore, decidedAfter, fraudBefore, fraudAfter)
	}
	b.AssertNoProblems(t)
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.ReplaceAll(strings.TrimSpace(s), ",", ""))
	if err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return n
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
