package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestACH: an operator creates a transfer in the console and sees it
// cleared by screening; runs a cutoff at once and sees the transfer
// batched and sent in a file; downloads the file (after a fresh code);
// uploads the bank's return of that entry; and sees the transfer returned
// with its reason. No console error or CSP violation on the way.
func TestACH(t *testing.T) {
	t.Parallel()
	c := StartConsole(t)
	op := NewBrowser(t)
	c.SignIn(t, op, "dana.reyes")

	op.Do(t, chromedp.Navigate(c.URL+"/ach/transfers/new"), chromedp.WaitVisible(`[data-testid=transfer-form]`))
	account := Eval[string](t, op, `[...document.querySelectorAll('#t-account option')].find(o => o.textContent.includes('Jane Ordinary')).value`)
	op.Do(t,
		chromedp.SetValue(`#t-account`, account),
		chromedp.SendKeys(`#t-amount`, "321.09"),
		chromedp.SendKeys(`#t-desc`, "E2E PAY"),
		chromedp.Click(`[data-testid=transfer-create]`),
		chromedp.WaitVisible(`[data-testid=transfer-notice]`),
	)
	transfer := Eval[string](t, op, `location.pathname`)
	if got := Eval[string](t, op, `document.querySelector('[data-testid=transfer-status]').textContent`); got != "Approved" {
		t.Fatalf("the new transfer is %q, want Approved (cleared by screening)", got)
	}
	if got := Eval[string](t, op, `document.querySelector('[data-testid=timeline]').textContent`); !strings.Contains(got, "Approved: screening clear") {
		t.Fatalf("the timeline does not show the screening: %q", got)
	}

	// A cutoff now, confirmed first.
	op.Do(t,
		chromedp.Navigate(c.URL+"/ach/files"),
		chromedp.Click(`[data-testid=force-cutoff]`),
		chromedp.WaitVisible(`[data-testid=confirm-cutoff]`),
		chromedp.Click(`[data-testid=confirm-cutoff]`),
		chromedp.WaitVisible(`[data-testid=files-notice]`),
	)
	if got := Eval[string](t, op, `document.querySelector('[data-testid=files-notice]').textContent`); !strings.Contains(got, "made file") {
		t.Fatalf("after the cutoff: %q", got)
	}
	op.Do(t, chromedp.Navigate(c.URL+transfer))
	op.WaitFor(t, `document.querySelector('[data-testid=transfer-status]').textContent === 'Sent'`) // delivered by the job, followed live
	trace := Eval[string](t, op, `document.querySelector('[data-testid=transfer-trace]').textContent`)
	if len(trace) != 15 {
		t.Fatalf("trace number %q", trace)
	}

	// The download asks for a fresh code on its page, then arrives.
	downloads := t.TempDir()
	op.AllowDownloads(t, downloads)
	u := c.DemoUser(t, "dana.reyes")
	// The page follows the transfer live and may swap its content at any
	// moment, so the link is followed by its address rather than clicked.
	file := Eval[string](t, op, `document.querySelector('[data-testid=transfer-file]').getAttribute('href')`)
	op.Do(t,
		chromedp.Navigate(c.URL+file),
		chromedp.WaitVisible(`[data-testid=batches]`),
		chromedp.Click(`[data-testid=download-file]`),
		chromedp.WaitVisible(`[data-testid=stepup-form]`),
		chromedp.SendKeys(`#stepup-code`, c.Code(t, u.TOTPSecret)),
		chromedp.Click(`[data-testid=stepup-submit]`),
	)
	var delivered []byte
	for deadline := time.Now().Add(20 * time.Second); len(delivered) == 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the file was not downloaded")
		}
		matches, _ := filepath.Glob(filepath.Join(downloads, "*.ach"))
		if len(matches) == 1 {
			delivered, _ = os.ReadFile(matches[0])
		}
	}
	if !strings.HasPrefix(string(delivered), "101 ") || !strings.Contains(string(delivered), trace) {
		t.Fatalf("the download is not the file with the transfer: %.200q", delivered)
	}

	// The bank returns the entry: R01.
	returned := filepath.Join(t.TempDir(), "returns.ach")
	if err := os.WriteFile(returned, returnFileFor(t, delivered, trace, "R01"), 0o644); err != nil {
		t.Fatal(err)
	}
	op.Do(t,
		chromedp.Navigate(c.URL+"/ach/returns"),
		chromedp.SetUploadFiles(`[data-testid=returns-file]`, []string{returned}),
		chromedp.Click(`[data-testid=returns-upload]`),
		chromedp.WaitVisible(`[data-testid=returns-notice]`),
	)
	if got := Eval[string](t, op, `document.querySelector('[data-testid=returns-notice]').textContent`); !strings.Contains(got, "1 returns") {
		t.Fatalf("after the upload: %q", got)
	}
	op.Do(t, chromedp.Navigate(c.URL+transfer), chromedp.WaitVisible(`[data-testid=transfer-return]`))
	if got := Eval[string](t, op, `document.querySelector('[data-testid=transfer-status]').textContent`); got != "Returned" {
		t.Fatalf("after the return the transfer is %q", got)
	}
	if got := Eval[string](t, op, `document.querySelector('[data-testid=transfer-return]').textContent`); !strings.Contains(got, "R01") || !strings.Contains(got, "Insufficient Funds") {
		t.Fatalf("the return reads %q", got)
	}
	saveScreenshot(t, op, "ach-transfer.png")
	op.AssertNoProblems(t)
}
