package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paycompliance/console/e2e"
	"github.com/paycompliance/console/postgres"
)

// privateCluster starts a PostgreSQL cluster of the test's own (as serve
// does when no server answers), so that the test may stop and start it;
// restart starts it again after a stop. The cluster is stopped when the
// test ends.
func privateCluster(t *testing.T) (url string, stop, restart func()) {
	t.Helper()
	tmp := t.TempDir()
	for _, d := range []string{filepath.Dir(tmp), tmp} { // the cluster may run as user postgres
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	opts := postgres.LocateOptions{LocalAddr: "127.0.0.1:1", DataDir: filepath.Join(tmp, "var"), Database: "drill",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	var mu sync.Mutex
	var located *postgres.Located
	start := func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		l, err := postgres.Locate(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(l.Source, "private cluster") {
			t.Fatalf("the drill needs a cluster of its own, got %s", l.Source)
		}
		mu.Lock()
		located = l
		mu.Unlock()
	}
	stop = func() {
		mu.Lock()
		defer mu.Unlock()
		if err := located.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	}
	start()
	t.Cleanup(func() { located.Stop(context.Background()) }) // fails harmlessly when stopped
	return located.URL, stop, start
}

// writeOutcome is one payment the load asked for under its own
// Idempotency-Key, and how that went.
type writeOutcome struct {
	idem    string
	created bool   // answered 201
	id      string // the payment's id when created
	late    bool   // sent after PostgreSQL was back
}

// TestDrill_PostgresRestart: PostgreSQL stops under a steady load of API
// writes, API reads and page views, and starts again. While it is down,
// every request fails cleanly and promptly (the API's error JSON or the
// console's error page, with a 5xx) and /readyz says 503; then /readyz
// says 200 and requests succeed again, without restarting the console.
// Afterwards every 201 is one payment with its audit entry, every failure
// made nothing, retries under the same Idempotency-Keys make each payment
// once, and live updates (LISTEN/NOTIFY) reach a page again.
func TestDrill_PostgresRestart(t *testing.T) {
	t.Parallel()
	dbURL, stopPG, startPG := privateCluster(t)
	c := e2e.StartConsole(t, "DATABASE_URL", dbURL, "API_RATE_LIMIT", "1000000")
	key := c.APIKey(t, "payments.write", "payments.read")
	viewer := c.SignInHTTP(t, "dana.reyes")
	viewer.Client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	var (
		mu        sync.Mutex
		writes    []writeOutcome
		problems  []string
		failures  atomic.Int64
		created   atomic.Int64
		lateOK    atomic.Int64
		recovered atomic.Bool
		done      = make(chan struct{})
		wg        sync.WaitGroup
	)
	problem := func(format string, args ...any) {
		mu.Lock()
		problems = append(problems, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	// A request that fails because the database is down is a 503 (try
	// again), not a 500 (a fault of ours).
	failedWith := func(status int) {
		failures.Add(1)
		if status != http.StatusServiceUnavailable {
			problem("a failure answered %d, want 503", status)
		}
	}
	loop := func(step func(n int)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-done:
					return
				default:
				}
				step(n)
			}
		}()
	}
	for w := range 2 {
		loop(func(n int) {
			o := writeOutcome{idem: fmt.Sprintf("drill-%d-%d", w, n), late: recovered.Load()}
			a := callAPI(c, http.MethodPost, "/api/v1/payments", key, o.idem, paymentBody(o.idem))
			if a.status == http.StatusCreated {
				var p struct{ ID string }
				if err := json.Unmarshal(a.body, &p); err != nil || p.ID == "" {
					problem("a 201 without a payment: %.300s", a.body)
				}
				o.created, o.id = true, p.ID
				created.Add(1)
				if o.late {
					lateOK.Add(1)
				}
			} else if bad := a.cleanFailure(); bad != "" {
				problem("create: %s", bad)
			} else {
				failedWith(a.status)
			}
			mu.Lock()
			writes = append(writes, o)
			mu.Unlock()
		})
	}
	loop(func(int) {
		a := callAPI(c, http.MethodGet, "/api/v1/payments?limit=5", key, "", "")
		var list struct {
			Object string
			Data   []struct{ ID string }
		}
		switch {
		case a.status == http.StatusOK:
			if json.Unmarshal(a.body, &list) != nil || list.Object != "list" {
				problem("a 200 list that is not whole: %.300s", a.body)
			}
		case a.cleanFailure() != "":
			problem("list: %s", a.cleanFailure())
		default:
			failedWith(a.status)
		}
	})
	loop(func(int) {
		res, err := viewer.Client.Get(c.URL + "/payments")
		if err != nil {
			problem("page: no answer: %v", err)
			return
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		switch html := string(page); {
		case res.StatusCode == http.StatusOK:
			if !strings.Contains(html, `data-testid="payments"`) || !strings.Contains(html, "</html>") {
				problem("a 200 page that is not whole: %.300s", html)
			}
		case res.StatusCode < 500 || !strings.Contains(html, `data-testid="error-page"`):
			problem("page: %d %.300s", res.StatusCode, html)
		default:
			failedWith(res.StatusCode)
		}
	})
	stopLoad := sync.OnceFunc(func() { close(done); wg.Wait() })
	defer stopLoad()

	waitFor(t, 20*time.Second, "payments created before the fault", func() bool { return created.Load() >= 5 })
	stopPG()
	waitFor(t, 10*time.Second, "/readyz 503 with PostgreSQL down", func() bool { return readyz(c) == http.StatusServiceUnavailable })
	before := failures.Load()
	waitFor(t, 10*time.Second, "requests failing during the outage", func() bool { return failures.Load() >= before+6 })
	startPG()
	waitFor(t, 20*time.Second, "/readyz 200 with PostgreSQL back", func() bool { return readyz(c) == http.StatusOK })
	recovered.Store(true)
	waitFor(t, 20*time.Second, "payments created after the restart", func() bool { return lateOK.Load() >= 3 })

	// A live update reaches a page opened after the restart: the console's
	// LISTEN connection came back too. Payments are made until one is told,
	// since the listener reconnects on its own schedule.
	events := paymentEvents(t, viewer, c)
	waitFor(t, 20*time.Second, "a live update after the restart", func() bool {
		idem := fmt.Sprintf("drill-live-%d", time.Now().UnixNano())
		a := callAPI(c, http.MethodPost, "/api/v1/payments", key, idem, paymentBody(idem))
		var p struct{ ID string }
		if json.Unmarshal(a.body, &p) != nil || p.ID == "" {
			return false
		}
		deadline := time.After(time.Second)
		for {
			select {
			case id := <-events:
				if id == p.ID {
					return true
				}
			case <-deadline:
				return false
			}
		}
	})
	stopLoad()
	for _, p := range problems {
		t.Error(p)
	}
	if failures.Load() == 0 {
		t.Fatal("no request failed: the drill did not reach the outage")
	}

	db, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	stored := func(idem string) (rows, audited int) {
		t.Helper()
		err := db.QueryRow(context.Background(), `
			SELECT count(*), (SELECT count(*) FROM (SELECT entry FROM audit_outbox UNION ALL SELECT entry FROM audit_log) e
			                  WHERE audit_field(e.entry, '{action}') = 'payment.created'
			                    AND audit_field(e.entry, '{target,id}') = min(p.public_id))
			FROM payments p WHERE p.customer_ref = $1`, idem).Scan(&rows, &audited)
		if err != nil {
			t.Fatal(err)
		}
		return rows, audited
	}
	var failed []writeOutcome
	for _, o := range writes {
		rows, audited := stored(o.idem)
		switch {
		case o.created && (rows != 1 || audited != 1):
			t.Errorf("%s answered 201 (%s): %d payments, %d audit entries, want 1 and 1", o.idem, o.id, rows, audited)
		case !o.created && rows != audited:
			t.Errorf("%s failed and left %d payments with %d audit entries: half made", o.idem, rows, audited)
		case !o.created:
			failed = append(failed, o)
		}
	}
	t.Logf("%d writes: %d created, %d failed; %d requests failed in all", len(writes), created.Load(), len(failed), failures.Load())

	// Retrying each failed write under its key makes its payment once. A
	// key whose claim the outage kept from being released answers 409
	// (still running) until it goes stale: nothing is made twice meanwhile.
	held := 0
	for _, o := range failed {
		a := callAPI(c, http.MethodPost, "/api/v1/payments", key, o.idem, paymentBody(o.idem))
		again := callAPI(c, http.MethodPost, "/api/v1/payments", key, o.idem, paymentBody(o.idem))
		switch {
		case a.status == http.StatusConflict && strings.Contains(string(a.body), "still running"):
			held++
		case a.status != http.StatusCreated || again.status != http.StatusCreated || string(again.body) != string(a.body):
			t.Errorf("retrying %s = %d %.200s, then %d %.200s; want one 201 replayed", o.idem, a.status, a.body, again.status, again.body)
		}
		if rows, audited := stored(o.idem); rows > 1 || rows != audited {
			t.Errorf("after retries %s has %d payments and %d audit entries", o.idem, rows, audited)
		}
	}
	if held > 0 {
		t.Logf("%d of %d failed writes' keys stay claimed until stale (identity.IdempotencyStale)", held, len(failed))
	}
}

func paymentBody(customer string) string {
	return fmt.Sprintf(`{"amount": 1250, "currency": "USD", "customer": %q, "description": "drill"}`, customer)
}
