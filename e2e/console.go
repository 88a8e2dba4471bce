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
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stdoutW := io.Pipe()
	c := &Console{DataDir: dataDir, logs: &webtest.LogBuffer{}, lastStep: map[string]int64{}}
	getenv := func(k string) string { return env[k] }
	exit := make(chan int, 1)
	go func() {
		exit <- app.Main(ctx, []string{"serve", "--demo"}, stdoutW, c.logs, getenv)
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
	select {
	case url, ok := <-found:
		if !ok {
			cancel()
			t.Fatalf("console exited before it was ready; its log:\n%s", c.logs)
		}
		c.URL = url
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatalf("console not ready after 60 s; its log:\n%s", c.logs)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-exit:
			if code != 0 {
				t.Errorf("console exited with %d on shutdown; its log:\n%s", code, c.logs)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("console did not stop within 30 s of shutdown")
		}
	})
	return c
}

// Logs returns what the console logged so far.
func (c *Console) Logs() string { return c.logs.String() }
