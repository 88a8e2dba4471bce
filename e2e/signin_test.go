package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestSignIn follows a new person from invitation to lockout, in the
// browser: an administrator invites them and grants a role, confirming
// with a code in place without losing the form; they sign in with the
// temporary password, set up TOTP from the QR page (the test reads the
// key and computes codes, as an authenticator app would), keep their
// recovery codes, choose a password, sign out, sign in again with a code,
// and are locked out after 10 wrong codes.
func TestSignIn(t *testing.T) {
	t.Parallel()
	c := StartConsole(t)
	b := NewBrowser(t)
	admin := c.DemoUser(t, "erin.hale")
	c.SignIn(t, b, admin.Username)

	b.Do(t,
		chromedp.Navigate(c.URL+"/admin/users/new"),
		chromedp.WaitVisible(`[data-testid=new-user-form]`),
		chromedp.SendKeys(`#username`, "nora.new"),
		chromedp.SendKeys(`#name`, "Nora New"),
		chromedp.SendKeys(`#email`, "nora@example.test"),
		chromedp.Click(`[data-testid=create-user]`),
		chromedp.WaitVisible(`[data-testid=temporary-password]`),
	)
	temp := Eval[string](t, b, `document.querySelector('[data-testid=temporary-password]').textContent.trim()`)

	// Granting a role is sensitive: the code is asked for over the page, and
	// the form is sent as the user filled it once the code is accepted.
	b.Do(t,
		chromedp.Click(`[data-testid=created-user-link]`),
		chromedp.WaitVisible(`[data-testid=request-role-form]`),
		chromedp.SetValue(`#role`, "auditor"),
		chromedp.SendKeys(`#role-reason`, "reviews the audit trail"),
		chromedp.Click(`[data-testid=request-role]`),
		chromedp.WaitVisible(`[data-testid=stepup-modal]`),
	)
	if got := Eval[string](t, b, `document.querySelector('#role-reason').value`); got != "reviews the audit trail" {
		t.Fatalf("the form lost its input under the step-up dialog: %q", got)
	}
	b.Do(t,
		chromedp.SendKeys(`#stepup-code`, c.Code(t, admin.TOTPSecret)),
		chromedp.Click(`[data-testid=stepup-submit]`),
		chromedp.WaitVisible(`[data-testid=user-notice]`),
	)
	if got := Eval[string](t, b, `document.querySelector('[data-testid=user-roles]').textContent`); !strings.Contains(got, "Auditor") {
		t.Fatalf("after the step-up the role is not granted: %q", got)
	}
	saveScreenshot(t, b, "user.png")
	b.Do(t, chromedp.Click(`[data-testid=sign-out]`), chromedp.WaitVisible(`[data-testid=login-notice]`))

	// First sign-in: temporary password, then the authenticator.
	b.Do(t,
		chromedp.SendKeys(`#username`, "nora.new"),
		chromedp.SendKeys(`#password`, temp),
		chromedp.Click(`[data-testid=login-submit]`),
		chromedp.WaitVisible(`[data-testid=enroll-begin]`),
		chromedp.Click(`[data-testid=enroll-begin]`),
		chromedp.WaitVisible(`[data-testid=enroll-secret]`),
	)
	if !Eval[bool](t, b, `new Promise(r => { const i = document.querySelector('[data-testid=enroll-qr]'); i.complete ? r(i.naturalWidth > 0) : i.onload = () => r(i.naturalWidth > 0) })`) {
		t.Fatal("the QR code image did not load")
	}
	secret := Eval[string](t, b, `document.querySelector('[data-testid=enroll-secret]').textContent.trim()`)
	b.Do(t,
		chromedp.SendKeys(`#code`, c.Code(t, secret)),
		chromedp.Click(`[data-testid=enroll-submit]`),
		chromedp.WaitVisible(`[data-testid=recovery-codes]`),
	)
	if n := Eval[int](t, b, `document.querySelectorAll('[data-testid=recovery-codes] li').length`); n != 10 {
		t.Fatalf("%d recovery codes shown, want 10", n)
	}
	password := "nora's own passphrase for 2026"
	b.Do(t,
		chromedp.Click(`[data-testid=recovery-continue]`),
		chromedp.WaitVisible(`[data-testid=password-required]`),
		chromedp.SendKeys(`#new`, password),
		chromedp.Click(`[data-testid=password-submit]`),
		chromedp.WaitVisible(`[data-testid=widgets]`),
	)
	if nav := Eval[string](t, b, `document.querySelector('nav').textContent`); !strings.Contains(nav, "Audit log") {
		t.Fatalf("the auditor's navigation lacks the audit log: %q", nav)
	}
	b.Do(t, chromedp.Click(`[data-testid=sign-out]`), chromedp.WaitVisible(`[data-testid=login-notice]`))

	// An ordinary sign-in with a code.
	signInWithPassword := func() {
		b.Do(t,
			chromedp.Navigate(c.URL+"/login"),
			chromedp.WaitVisible(`[data-testid=login-form]`),
			chromedp.SendKeys(`#username`, "nora.new"),
			chromedp.SendKeys(`#password`, password),
			chromedp.Click(`[data-testid=login-submit]`),
			chromedp.WaitVisible(`[data-testid=mfa-form]`),
		)
	}
	signInWithPassword()
	b.Do(t,
		chromedp.SendKeys(`#code`, c.Code(t, secret)),
		chromedp.Click(`[data-testid=mfa-submit]`),
		chromedp.WaitVisible(`[data-testid=account-link]`),
	)
	if got := Eval[string](t, b, `document.querySelector('[data-testid=account-link]').textContent`); got != "Nora New" {
		t.Fatalf("signed in as %q", got)
	}
	b.Do(t, chromedp.Click(`[data-testid=sign-out]`), chromedp.WaitVisible(`[data-testid=login-notice]`))

	// Ten wrong codes lock the account.
	signInWithPassword()
	for i := range 10 {
		b.Do(t,
			chromedp.SetValue(`#code`, "000000"),
			chromedp.Click(`[data-testid=mfa-submit]`),
		)
		if i < 9 {
			// The answer is a new page with the error and an empty field;
			// until it has loaded, the old one (with the last error) shows.
			b.WaitFor(t, `document.querySelector('[data-testid=mfa-error]') && document.querySelector('#code').value === ''`)
		}
	}
	b.WaitFor(t, `document.querySelector('[data-testid=login-error]')`)
	if got := Eval[string](t, b, `document.querySelector('[data-testid=login-error]').textContent`); !strings.Contains(got, "locked") {
		t.Fatalf("after 10 wrong codes: %q", got)
	}
	b.Do(t,
		chromedp.SendKeys(`#username`, "nora.new"),
		chromedp.SendKeys(`#password`, password),
		chromedp.Click(`[data-testid=login-submit]`),
		chromedp.WaitVisible(`[data-testid=login-error]`),
	)
	if Eval[bool](t, b, `!!document.querySelector('[data-testid=mfa-form]')`) {
		t.Fatal("a locked account passed the password step")
	}
	// The refused codes and the refused sign-in answer 401, on purpose.
	b.AssertNoProblems(t, "status of 401 (Unauthorized) "+c.URL+"/login")
}

// TestSessionCountdown: before the idle limit the page warns with a
// countdown, and "Stay signed in" extends the session.
func TestSessionCountdown(t *testing.T) {
	t.Parallel()
	// An idle limit just over the two-minute warning, so it shows at once.
	c := StartConsole(t, "SESSION_IDLE_TIMEOUT", "2m3s")
	b := NewBrowser(t)
	c.SignIn(t, b, "chen.wu")
	deadline := func() int64 { return int64(Eval[float64](t, b, `Number(document.body.dataset.sessionDeadline)`)) }
	before := deadline()
	b.Do(t, chromedp.WaitVisible(`[data-testid=session-warning]`))
	left := Eval[string](t, b, `document.querySelector('[data-session-left]').textContent`)
	if !strings.HasPrefix(left, "2:") && !strings.HasPrefix(left, "1:") {
		t.Fatalf("countdown shows %q", left)
	}
	time.Sleep(2 * time.Second) // so that the extension is measurable in whole seconds
	b.Do(t,
		chromedp.Click(`[data-testid=session-extend]`),
		chromedp.WaitNotVisible(`[data-testid=session-warning]`),
	)
	b.Do(t, chromedp.Reload(), chromedp.WaitVisible(`[data-testid=account-link]`))
	if after := deadline(); after <= before {
		t.Fatalf("staying signed in did not move the deadline (%d, then %d)", before, after)
	}
	b.AssertNoProblems(t)
}
