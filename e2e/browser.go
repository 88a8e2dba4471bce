package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Browser is one headless chromium tab that records every console error,
// uncaught exception and Content-Security-Policy violation, so that a test
// can fail on any of them.
type Browser struct {
	ctx      context.Context
	mu       sync.Mutex
	problems []string
}

// recordViolations runs before any page script: the CSP violation event is
// the one signal of a blocked inline script or style that no log may show.
const recordViolations = `window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e =>
  window.__cspViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber));`

// chromiumPath is Debian's chromium unless CHROMIUM says otherwise.
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// NewBrowser starts chromium for the test and closes it when the test ends.
func NewBrowser(t *testing.T) *Browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath()); err != nil {
		t.Fatalf("no chromium at %s (apt-get install chromium; .ci/run does): %v", chromiumPath(), err)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath()),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })

	b := &Browser{ctx: ctx}
	if err := chromedp.Listen(ctx, b.record); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	for _, err := range []error{
		call(ctx, runtime.Enable, cdp.Empty{}),
		call(ctx, cdplog.Enable, cdp.Empty{}),
		call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: recordViolations}),
	} {
		if err != nil {
			t.Fatalf("set up chromium: %v", err)
		}
	}
	return b
}

func call[P, R any](ctx context.Context, cmd cdp.Command[P, R], params P) error {
	_, err := chromedp.Call(ctx, cmd, params)
	return err
}

func (b *Browser) record(ev any) {
	var problem string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			problem = "console." + string(ev.Type) + ": " + strings.Join(args, " ")
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		problem = fmt.Sprintf("uncaught exception: %s at %s:%d", d.Text, d.URL, d.LineNumber+1)
		if d.Exception != nil {
			problem += " " + d.Exception.Description
		}
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError {
			problem = fmt.Sprintf("log (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
		}
	}
	if problem != "" {
		b.mu.Lock()
		b.problems = append(b.problems, problem)
		b.mu.Unlock()
	}
}

// AllowDownloads saves what the browser downloads into dir.
func (b *Browser) AllowDownloads(t *testing.T, dir string) {
	t.Helper()
	if err := call(b.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
}

// Do runs actions, failing the test on the first error.
func (b *Browser) Do(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("browser: %v; the page reads:\n%s", err, b.text())
	}
}

// Submit clicks the button sel once htmx has taken over its form: a form
// htmx swapped in is wired a moment after it shows, and a click before
// that would submit it natively.
func (b *Browser) Submit(t *testing.T, sel string) {
	t.Helper()
	b.WaitFor(t, `(e => e && e.form && (!e.form.matches('[hx-post]') || e.form['htmx-internal-data']))(document.querySelector('`+sel+`'))`)
	b.Do(t, chromedp.Click(sel))
}

// SubmitAsItStands finds the button sel, runs fill on it (JavaScript with
// the button as b; "" for nothing) and clicks it, in one step once
// the button is there: on a page whose live updates swap forms in, a
// button found in one step may be gone by the next.
func (b *Browser) SubmitAsItStands(t *testing.T, sel, fill string) {
	t.Helper()
	b.WaitFor(t, `(b => { if (!b) return false; `+fill+`; b.click(); return true })(document.querySelector('`+sel+`'))`)
}

// text is what the page shows, for a failure's message.
func (b *Browser) text() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	return text[:min(len(text), 2000)]
}

// Eval evaluates a JavaScript expression and decodes its value.
func Eval[T any](t *testing.T, b *Browser, expression string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("browser: evaluate %s: %v", expression, err)
	}
	return v
}

// WaitFor polls a JavaScript condition until it holds (20 s at most). Parts
// of a page that live updates replace are waited for this way: a
// chromedp query can hold on to a node that a swap has since removed. An
// evaluation that fails because the page is navigating is tried again.
func (b *Browser) WaitFor(t *testing.T, condition string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+condition+")"))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("browser: still not %s after 20 s (%v)", condition, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Screenshot returns a PNG of the whole page.
func (b *Browser) Screenshot(t *testing.T) []byte {
	t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	return png
}

// saveScreenshot writes the page to E2E_SCREENSHOTS/name, when set.
func saveScreenshot(t *testing.T, b *Browser, name string) {
	t.Helper()
	dir := os.Getenv("E2E_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name), b.Screenshot(t), 0o644); err != nil {
		t.Fatal(err)
	}
}

// AssertNoProblems fails the test if the page logged an error, threw, or
// violated the Content-Security-Policy since the browser started. expected
// are answers the test provoked on purpose (a refused sign-in's 401, say):
// problems containing one of them are not counted.
func (b *Browser) AssertNoProblems(t *testing.T, expected ...string) {
	t.Helper()
	violations := Eval[[]string](t, b, `window.__cspViolations || []`)
	b.mu.Lock()
	problems := append(append([]string(nil), b.problems...), violations...)
	b.mu.Unlock()
	for _, p := range problems {
		if !slices.ContainsFunc(expected, func(e string) bool { return strings.Contains(p, e) }) {
			t.Errorf("browser problem: %s", p)
		}
	}
}
