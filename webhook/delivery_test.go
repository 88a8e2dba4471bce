package webhook_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paycompliance/console/domain/alerts"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/internal/wait"
	"github.com/paycompliance/console/jobs"
	"github.com/paycompliance/console/jobs/jobstest"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/postgres/pgtest"
	"github.com/paycompliance/console/webhook"
)

const secret = "whsec_delivery_test"

// receiver is a webhook endpoint that fails its first `fail` deliveries
// with 500 and checks every signature.
type receiver struct {
	fail     int32
	calls    atomic.Int32
	mu       sync.Mutex
	verified []error
	tampered []error
	ids      []int64
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	sig := r.Header.Get(webhook.SignatureHeader)
	tampered := append([]byte{}, body...)
	tampered[len(tampered)-2] ^= 1
	rc.mu.Lock()
	rc.verified = append(rc.verified, webhook.Verify(secret, sig, body, time.Minute))
	rc.tampered = append(rc.tampered, webhook.Verify(secret, sig, tampered, time.Minute))
	rc.mu.Unlock()
	if rc.calls.Add(1) <= rc.fail {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

type deliveryFixture struct {
	alerts *alerts.Service
	// count drains the audit outbox, then counts with the schema's owner.
	count func(t *testing.T, sql string, args ...any) int
}

func newDelivery(t *testing.T, url string) *deliveryFixture {
	t.Helper()
	owner, dsn := pgtest.NewDB(t)
	db, err := postgres.Connect(context.Background(), dsn, 8, postgres.AppRole)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	inserter, err := jobs.NewInserter(db)
	if err != nil {
		t.Fatal(err)
	}
	svc := &alerts.Service{Store: postgres.AlertStore{DB: db}, Tx: postgres.Transactor{DB: db}, Audit: audit.NewLog(postgres.AuditOutbox{DB: db}),
		Jobs: inserter, Webhook: &webhook.Client{URL: url, Secret: secret}}
	var opts jobs.Options
	jobs.AddAlertJobs(&opts, svc, &alerts.Rules{Alerts: svc, Sources: postgres.AlertSources{DB: db}})
	jobstest.Start(t, db, opts)
	seq := &postgres.AuditSequencer{DB: db, Log: slog.New(slog.DiscardHandler)}
	return &deliveryFixture{alerts: svc, count: func(t *testing.T, sql string, args ...any) int {
		t.Helper()
		if err := seq.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := owner.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}}
}

const deliveries = `SELECT count(*) FROM audit_log WHERE audit_field(entry, '{action}') = 'alert.delivered'
	AND audit_field(entry, '{outcome}') = $1 AND audit_field(entry, '{target,id}') = $2`

// A new alert is posted to the webhook, signed; a 500 is retried, and the
// delivery recorded once it is taken, with the attempts it took. A bump
// sends nothing.
func TestDelivery_RetriedUntilTaken(t *testing.T) {
	t.Parallel()
	rc := &receiver{fail: 1}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	f := newDelivery(t, srv.URL)
	n := alerts.New{Rule: "test.rule", Severity: alerts.Critical, Title: "Audit trail integrity check failed", DedupKey: "k"}
	a, _, err := f.alerts.Raise(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(a.ID, 10)
	wait.For(t, "the delivery was not recorded", func() bool { return f.count(t, deliveries, "success", id) == 1 })
	if _, created, _ := f.alerts.Raise(context.Background(), n); created {
		t.Fatal("the second raise was a new alert")
	}
	time.Sleep(300 * time.Millisecond)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.calls.Load() != 2 || len(rc.verified) != 2 {
		t.Fatalf("%d calls for one alert failing once (a bump sends nothing)", rc.calls.Load())
	}
	for i := range rc.verified {
		if rc.verified[i] != nil || rc.tampered[i] != webhook.ErrSignature {
			t.Errorf("call %d: signature %v, tampered body %v", i, rc.verified[i], rc.tampered[i])
		}
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE audit_field(entry, '{action}') = 'alert.delivered'
		AND audit_field(entry, '{detail,attempts}') = '2'`); n != 1 {
		t.Errorf("the delivery's record does not say it took 2 attempts")
	}
}

// A receiver that never takes it: the failure is recorded after the last
// attempt, once.
func TestDelivery_GivenUpAfterTheLastAttempt(t *testing.T) {
	t.Parallel()
	rc := &receiver{fail: 1 << 30}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	f := newDelivery(t, srv.URL)
	a, _, err := f.alerts.Raise(context.Background(), alerts.New{Rule: "test.rule", Severity: alerts.Warning, Title: "Account ann locked"})
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(a.ID, 10)
	// Ten attempts, each rescheduled by the queue's scheduler (every few
	// seconds however quick the retry policy): longer than wait.For waits.
	for deadline := time.Now().Add(time.Minute); f.count(t, deliveries, "failure", id) != 1; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the failure was not recorded after %d attempts", rc.calls.Load())
		}
	}
	if calls := rc.calls.Load(); calls != 10 {
		t.Errorf("%d attempts, want 10", calls)
	}
	if n := f.count(t, deliveries, "success", id); n != 0 {
		t.Errorf("%d successes recorded", n)
	}
}
