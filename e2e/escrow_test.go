package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/paycompliance/console/domain/escrow"
)

// TestEscrow: an operator opens an escrow in the console paying a demo
// bank account under a 2-of-3 policy whose time lock is 20 s ahead, funds
// it with a demo payment and asks for a release. Their own page has no
// approve button and the endpoint refuses them. Three approvers, each in
// their own browser and with their own TOTP: one watches the request
// arrive in her inbox live, two sign (the second completing the policy
// while the time lock still holds), and the third finds nothing left to
// sign. Once the lock passes the release is paid, and the certificate
// downloaded verifies. No console error or CSP violation on the way.
func TestEscrow(t *testing.T) {
	t.Parallel()
	c := StartConsole(t)
	op := NewBrowser(t)
	c.SignIn(t, op, "dana.reyes")
	names := []string{"ben.okafor", "priya.shah", "tomas.lind"}
	approvers := map[string]*Browser{}
	for _, name := range names { // before the time lock is set: signing in takes a while
		approvers[name] = NewBrowser(t)
		c.SignIn(t, approvers[name], name)
	}
	ben, priya, tomas := approvers["ben.okafor"], approvers["priya.shah"], approvers["tomas.lind"]
	priya.Do(t, chromedp.Navigate(c.URL+"/escrow"), chromedp.WaitVisible(`[data-testid=escrow-inbox]`))

	// What the escrow pays to and is funded from: the demo data's.
	op.Do(t, chromedp.Navigate(c.URL+"/ach/accounts?customer=cus-jane"), chromedp.WaitVisible(`[data-testid=accounts]`))
	account := Eval[string](t, op, `document.querySelector('[data-testid=account-row] a').textContent`)
	op.Do(t, chromedp.Navigate(c.URL+"/payments?customer=globex"), chromedp.WaitVisible(`[data-testid=payments]`))
	payment := Eval[string](t, op, `[...document.querySelectorAll('[data-testid=payment-row]')].find(r => r.querySelector('[data-testid=payment-status]').textContent === 'Succeeded').dataset.payment`)

	lock := time.Now().UTC().Add(20 * time.Second).Truncate(time.Second)
	op.Do(t,
		chromedp.Navigate(c.URL+"/escrow/new"),
		chromedp.WaitVisible(`[data-testid=escrow-form]`),
		chromedp.SendKeys(`#e-payer-ref`, "globex"),
		chromedp.SendKeys(`#e-payer-name`, "Globex Corporation"),
		chromedp.SendKeys(`#e-payee-name`, "Jane Ordinary"),
		chromedp.SendKeys(`#e-payee-account`, account),
		chromedp.SendKeys(`#e-conditions`, "Released when the delivery is inspected"),
		chromedp.SendKeys(`#e-group-name-1`, "approvers"),
		chromedp.SendKeys(`#e-group-threshold-1`, "2"),
		chromedp.SendKeys(`#e-group-members-1`, strings.Join(names, ", ")),
	)
	// Not chromedp.SetValue: it compares what it set with what the input
	// reads back, and a datetime-local input drops ":00" seconds.
	op.SubmitAsItStands(t, `[data-testid=escrow-create]`, `b.form.querySelector('#e-time-lock').value = '`+lock.Format("2006-01-02T15:04:05")+`'`)
	op.WaitFor(t, `(document.querySelector('[data-testid=escrow-notice]') || {}).textContent?.includes('opened')`)
	if got := Eval[string](t, op, `document.querySelector('[data-testid=active-policy-time-lock]').textContent`); got != lock.Format("2006-01-02 15:04:05")+" UTC" {
		t.Fatalf("the policy's time lock reads %q, want %s", got, lock)
	}
	op.Do(t, chromedp.SendKeys(`#fund-source`, payment), chromedp.Click(`[data-testid=fund-submit]`))
	op.WaitFor(t, `(document.querySelector('[data-testid=escrow-notice]') || {}).textContent?.includes('funded')`)
	op.Do(t,
		chromedp.SendKeys(`#release-amount`, "100.00"),
		chromedp.SendKeys(`#release-reason`, "The delivery was received and inspected"),
		chromedp.Click(`[data-testid=release-submit]`),
	)
	op.WaitFor(t, `location.pathname.startsWith('/escrow/releases/') && document.querySelector('[data-testid=release-notice]')`)
	releasePath := Eval[string](t, op, `location.pathname`)
	release := strings.TrimPrefix(releasePath, "/escrow/releases/")

	// The requester: no approve button, and the endpoint refuses him.
	if Eval[bool](t, op, `!!document.querySelector('[data-testid=approve-submit]')`) {
		t.Fatal("the requester's page offers him the signature")
	}
	if got := Eval[string](t, op, `document.querySelector('[data-testid=approve-unavailable]').textContent`); !strings.Contains(got, "You requested this release") {
		t.Fatalf("the requester is told %q", got)
	}
	code := c.Code(t, c.DemoUser(t, "dana.reyes").TOTPSecret) // a good code: the refusal is not about it
	status := Eval[float64](t, op, fmt.Sprintf(`fetch(location.pathname + '/approve', {method: 'POST',
		headers: {'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRF-Token': JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token']},
		body: 'payload_hash=' + document.querySelector('[data-testid=payload-hash]').textContent + '&code=%s'}).then(r => r.status)`, code))
	if status != 403 {
		t.Fatalf("the requester's approval = %v, want 403", status)
	}

	// Priya's inbox shows the request without a reload.
	row := fmt.Sprintf(`[data-testid=inbox-row][data-release=%q]`, release)
	priya.WaitFor(t, `document.querySelector('`+row+`')`)
	if got := Eval[string](t, priya, `document.querySelector('`+row+` [data-testid=inbox-amount]').textContent`); got != "100.00 USD" {
		t.Fatalf("the inbox shows %q", got)
	}

	// Two sign, each with a code of their own, in their own session. The
	// pages follow the request live, so links are followed by address.
	sign := func(b *Browser, name, notice string) {
		t.Helper()
		b.Do(t, chromedp.Navigate(c.URL+"/escrow"), chromedp.WaitVisible(row))
		href := Eval[string](t, b, `document.querySelector('`+row+` [data-testid=inbox-link]').getAttribute('href')`)
		b.Do(t, chromedp.Navigate(c.URL+href), chromedp.WaitVisible(`[data-testid=approve-code]`),
			chromedp.SendKeys(`[data-testid=approve-code]`, c.Code(t, c.DemoUser(t, name).TOTPSecret)))
		b.Submit(t, `[data-testid=approve-submit]`)
		b.WaitFor(t, `(document.querySelector('[data-testid=release-notice]') || {}).textContent?.includes('`+notice+`')`)
	}
	sign(ben, "ben.okafor", "Your signature was recorded")
	if got := Eval[string](t, ben, `document.querySelector('[data-testid=group-progress-text]').textContent`); got != "1 of 2 signatures" {
		t.Fatalf("after one signature the progress reads %q", got)
	}
	sign(priya, "priya.shah", "completed the approvals")
	if time.Now().After(lock) {
		t.Fatalf("the approvals took past the time lock (%s): the test cannot see it hold", lock)
	}
	priya.WaitFor(t, `document.querySelector('[data-testid=release-status]').textContent === 'approved'`)
	if got := Eval[string](t, priya, `document.querySelector('[data-testid=release-note]').textContent`); !strings.Contains(got, "waits for the time lock") {
		t.Fatalf("the approved release's note reads %q", got)
	}

	// The third has nothing left to sign; the release is paid once the
	// lock passes, and his page follows it there.
	tomas.Do(t, chromedp.Navigate(c.URL+releasePath), chromedp.WaitVisible(`[data-testid=release-status]`))
	if Eval[bool](t, tomas, `!!document.querySelector('[data-testid=approve-submit]')`) {
		t.Fatal("a third signature is offered on an approved release")
	}
	for deadline := time.Now().Add(90 * time.Second); Eval[string](t, tomas, `document.querySelector('[data-testid=release-status]').textContent`) != "executed"; {
		if time.Now().After(deadline) {
			t.Fatalf("the release was not paid 90 s after its approvals; the console's log:\n%s", c.Logs())
		}
		time.Sleep(250 * time.Millisecond)
	}
	tomas.WaitFor(t, `document.querySelector('[data-testid=certificate-link]')`)
	saveScreenshot(t, tomas, "escrow-release.png")

	// The certificate, downloaded, verifies offline.
	downloads := t.TempDir()
	tomas.AllowDownloads(t, downloads)
	href := Eval[string](t, tomas, `document.querySelector('[data-testid=certificate-link]').getAttribute('href')`)
	tomas.Do(t, chromedp.Navigate(c.URL+href), chromedp.WaitVisible(`[data-testid=certificate-verified]`), chromedp.Click(`[data-testid=certificate-download]`))
	var file []byte
	for deadline := time.Now().Add(20 * time.Second); len(file) == 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the certificate was not downloaded")
		}
		if matches, _ := filepath.Glob(filepath.Join(downloads, "*.json")); len(matches) == 1 {
			file, _ = os.ReadFile(matches[0])
		}
	}
	cert, err := escrow.VerifyCertificate(file)
	if err != nil {
		t.Fatalf("the downloaded certificate does not verify: %v", err)
	}
	var signers []string
	for _, a := range cert.Approvals {
		signers = append(signers, a.Approver)
	}
	if strings.Join(signers, " ") != "ben.okafor priya.shah" || cert.RequestedBy != "dana.reyes" || cert.ExecutedAt.Before(lock) ||
		cert.Payload.PayeeAccount != account || cert.Payload.Amount != 10_000 {
		t.Fatalf("the certificate: signers %v, requested by %s, executed %s (lock %s), pays %s %d", signers, cert.RequestedBy, cert.ExecutedAt, lock,
			cert.Payload.PayeeAccount, cert.Payload.Amount)
	}
	op.AssertNoProblems(t, "403")
	for _, b := range approvers {
		b.AssertNoProblems(t)
	}
}
