package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/paycompliance/console/app"
)

// TestAuditLog: a compliance officer filters the log, opens an entry,
// proves it against a signed checkpoint, and exports an evidence bundle of
// the filtered range that then verifies offline, in the browser, with no
// console error or CSP violation on the way.
func TestAuditLog(t *testing.T) {
	t.Parallel()
	// Checkpoints every second, so the seeded history and the views are
	// covered by a signature within the test.
	c := StartConsole(t, "AUDIT_CHECKPOINT_EVERY", "1s")
	b := NewBrowser(t)
	c.SignIn(t, b, "amelia.ortiz")
	c.StepUp(t, b, "amelia.ortiz") // exporting evidence is a sensitive action

	b.Do(t, chromedp.Navigate(c.URL+"/audit"), chromedp.WaitVisible(`[data-testid=audit-table]`))
	saveScreenshot(t, b, "audit-log.png")
	b.Do(t,
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

	// The export link of the filtered view, fetched by the browser.
	bundle := Eval[string](t, b, `fetch(document.querySelector('[data-testid=export-bundle]').href).then(r => r.text())`)
	path := filepath.Join(t.TempDir(), "evidence.jsonl")
	if err := os.WriteFile(path, []byte(bundle), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if code := app.Main(context.Background(), []string{"audit", "verify", "--bundle", path}, &out, &out,
		func(string) string { return "" }); code != 0 || !strings.Contains(out.String(), "OK:") {
		t.Fatalf("the exported bundle does not verify offline: exit %d\n%s\n%.600s", code, out.String(), bundle)
	}
	// The key the console says it signs with is the key the bundle was signed with.
	signer := Eval[string](t, b, `document.querySelector('[data-testid=audit-signer] .mono').textContent`)
	if signer == "" || !strings.Contains(out.String(), signer) {
		t.Fatalf("the console shows signing key %q, the offline check printed:\n%s", signer, out.String())
	}
	if strings.Contains(bundle, `"action":"auth.login.succeeded"`) {
		t.Fatal("the bundle of failed logins carries other entries' content")
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
