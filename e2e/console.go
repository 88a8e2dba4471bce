// Package e2e drives the real console in a real browser: the whole app
// (app.Main, as `console serve` runs it) on a fresh database, and Debian's
// chromium through chromedp.
package e2e

import (
	"bufio"
	"context"
	"io"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/paycompliance/console/app"
	"github.com/paycompliance/console/postgres/pgtest"
	"github.com/paycompliance/console/web/webtest"
)

// Console is a running console.
type Console struct {
	URL     string // e.g. http://127.0.0.1:41234
	DataDir string
	logs    *webtest.LogBuffer

	mu       sync.Mutex
	lastStep map[string]int64 // TOTP secret → last time step used
}

var readyLine = regexp.MustCompile(`Console ready: (http://\S+?)/?$`)

// StartConsole runs `console serve --demo` in process, as `make run` does,
// on its own database and data directory; waits until it listens; and stops
// it (checking it exits cleanly) when the test ends. extraEnv are pairs of
// settings and values.
func StartConsole(t *testing.T, extraEnv ...string) *Console {
	t.Helper()
	_, dbURL := pgtest.NewDB(t)
	dataDir := t.TempDir()
	env := map[string]string{
		"DATABASE_URL": dbURL, "ADDR": "127.0.0.1:0", "ADMIN_ADDR": "127.0.0.1:0",
		"DATA_DIR": dataDir, "LOG_FORMAT": "json", "SHUTDOWN_TIMEOUT": "5s",
		// Scheduled cutoffs do not catch up at start, so a test that makes
		// a file forces it, and one that watches a transfer sees it stay
		// where the test left it, whatever the time of day.
		"ACH_CUTOFF_GRACE": "1ns",
	}
	for i := 0; i+1 < len(extraEnv); i += 2 {
		env[extraEnv[i]] = extraEnv[i+1]
	}
	c := &Console{DataDir: dataDir, logs: &webtest.LogBuffer{}, lastStep: map[string]int64{}}
	c.URL = Serve(t, []string{"serve", "--demo"}, env, c.logs, 60*time.Second)
	return c
}

// Log is where a console served in process logs, and what it logged.
type Log interface {
	io.Writer
	String() string
}

// Serve runs app.Main with args and the settings env in process, as the
// console binary would, waits up to within for it to listen, and returns
// its address; when tb ends it stops it and checks that it exits cleanly.
// Its log goes to logs, which failures quote.
func Serve(tb testing.TB, args []string, env map[string]string, logs Log, within time.Duration) string {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stdoutW := io.Pipe()
	exit := make(chan int, 1)
	go func() {
		exit <- app.Main(ctx, args, stdoutW, logs, func(k string) string { return env[k] })
		stdoutW.Close()
	}()
	found := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			if m := readyLine.FindStringSubmatch(s.Text()); m != nil {
				found <- m[1]
			}
		}
		close(found)
	}()
	var url string
	select {
	case u, ok := <-found:
		if !ok {
			cancel()
			tb.Fatalf("console exited before it was ready; its log:\n%s", logs)
		}
		url = u
	case <-time.After(within):
		cancel()
		tb.Fatalf("console not ready after %v; its log:\n%s", within, logs)
	}
	tb.Cleanup(func() {
		cancel()
		select {
		case code := <-exit:
			if code != 0 {
				tb.Errorf("console exited with %d on shutdown; its log:\n%s", code, logs)
			}
		case <-time.After(30 * time.Second):
			tb.Errorf("console did not stop within 30 s of shutdown")
		}
	})
	return url
}

// Logs returns what the console logged so far.
func (c *Console) Logs() string { return c.logs.String() }
