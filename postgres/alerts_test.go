package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/alerts"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/fraud"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/jobs"
	"github.com/paycompliance/console/ofac"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/postgres/pgtest"
)

// alertsFixture is the alert centre and its rules on a database, with the
// audit log and its sequencer to put evidence in the trail.
type alertsFixture struct {
	db, owner *pgxpool.Pool
	log       *audit.Log
	seq       *postgres.AuditSequencer
	alerts    *alerts.Service
	rules     *alerts.Rules
}

// failedSignInsAllowed is the fixture's threshold: more in 15 minutes
// raise the alert.
const failedSignInsAllowed = 3

func newAlertsFixture(t testing.TB) *alertsFixture {
	t.Helper()
	owner, url := pgtest.NewDB(t)
	db, err := postgres.Connect(context.Background(), url, 16, postgres.AppRole)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return alertsOn(t, db, owner)
}

func alertsOn(t testing.TB, db, owner *pgxpool.Pool) *alertsFixture {
	t.Helper()
	inserter, err := jobs.NewInserter(db)
	if err != nil {
		t.Fatal(err)
	}
	f := &alertsFixture{db: db, owner: owner, log: audit.NewLog(postgres.AuditOutbox{DB: db}),
		seq: &postgres.AuditSequencer{DB: db, Log: slog.New(slog.DiscardHandler)}}
	f.alerts = &alerts.Service{Store: postgres.AlertStore{DB: db}, Tx: postgres.Transactor{DB: db}, Audit: f.log, Jobs: inserter}
	f.rules = &alerts.Rules{Alerts: f.alerts, Sources: postgres.AlertSources{DB: db}, FailedSignIns: failedSignInsAllowed}
	return f
}

func alertOfficer(id string) context.Context {
	return identity.WithServiceCaller(context.Background(), audit.Actor{Type: audit.ActorUser, ID: id},
		identity.PermAlertsRead, identity.PermAlertsManage)
}

func alertReader(id string) context.Context {
	return identity.WithServiceCaller(context.Background(), audit.Actor{Type: audit.ActorUser, ID: id}, identity.PermAlertsRead)
}

// trail records events in the audit log, as the areas do, and chains them.
func (f *alertsFixture) trail(t testing.TB, events ...audit.Event) {
	t.Helper()
	for _, e := range events {
		if err := f.log.Record(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.seq.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// evaluate runs the rules once and returns how many new alerts they raised.
func (f *alertsFixture) evaluate(t testing.TB) int {
	t.Helper()
	n, err := f.rules.Evaluate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// raised are the alerts a rule raised, as the centre lists them.
func (f *alertsFixture) raised(t testing.TB, rule string) []alerts.Alert {
	t.Helper()
	list, _, err := f.alerts.List(alertReader("rhea"), alerts.Query{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	var out []alerts.Alert
	for _, a := range list {
		if a.Rule == rule {
			out = append(out, a)
		}
	}
	return out
}

// onlyAlert is the one alert rule raised, failing otherwise.
func (f *alertsFixture) onlyAlert(t testing.TB, rule string) alerts.Alert {
	t.Helper()
	list := f.raised(t, rule)
	if len(list) != 1 {
		t.Fatalf("%s raised %d alerts, want 1: %+v", rule, len(list), list)
	}
	return list[0]
}

func (f *alertsFixture) auditCount(t testing.TB, action audit.Action) int {
	t.Helper()
	if err := f.seq.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := f.owner.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE audit_field(entry, '{action}') = $1`,
		string(action)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// noWebhook stands for a configured receiver; the tests here only count
// the deliveries queued (webhook/ sends them).
type noWebhook struct{}

func (noWebhook) Send(context.Context, alerts.Alert) error {
	return errors.New("not sent in this test")
}

// A raise of a key not resolved bumps its alert, however many raise it at
// once; only new alerts are recorded and queued for the webhook.
func TestAlerts_RaiseBumpsWhileNotResolved(t *testing.T) {
	t.Parallel()
	f := newAlertsFixture(t)
	f.alerts.Webhook = noWebhook{}
	ctx := context.Background()
	n := alerts.New{Rule: "test.rule", Severity: alerts.Warning, Title: "Something", Detail: "first", Source: "test", Link: "/audit", DedupKey: "k1"}
	first, created, err := f.alerts.Raise(ctx, n)
	if err != nil || !created || first.Status != alerts.Open || first.Count != 1 || first.ID == 0 {
		t.Fatalf("the first raise = %+v, %v, %v", first, created, err)
	}
	n.Detail, n.Link = "second", "/audit/entries/2"
	again, created, err := f.alerts.Raise(ctx, n)
	if err != nil || created || again.ID != first.ID || again.Count != 2 || again.Detail != "second" || again.Link != "/audit/entries/2" ||
		!again.FirstSeen.Equal(first.FirstSeen) {
		t.Fatalf("the same key again = %+v, %v, %v", again, created, err)
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	news := 0
	for range 8 {
		wg.Go(func() {
			_, created, err := f.alerts.Raise(ctx, alerts.New{Rule: "test.rule", Severity: alerts.Critical, Title: "Racing", DedupKey: "k2"})
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			if created {
				news++
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	if list := f.raised(t, "test.rule"); news != 1 || len(list) != 2 || list[0].DedupKey != "k2" || list[0].Count != 8 {
		t.Fatalf("8 raises of one key at once: %d new, alerts %+v", news, list)
	}
	if _, created, _ := f.alerts.Raise(ctx, alerts.New{Rule: "test.rule", Severity: alerts.Info, Title: "No key"}); !created {
		t.Error("an alert without a dedup key was not new")
	}
	if got := f.auditCount(t, audit.AlertRaised); got != 3 {
		t.Errorf("%d alert.raised entries for 3 new alerts", got)
	}
	var queued int
	f.owner.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'alerts.deliver'`).Scan(&queued)
	if queued != 3 {
		t.Errorf("%d deliveries queued for 3 new alerts", queued)
	}

	for _, bad := range []alerts.New{
		{Rule: "", Severity: alerts.Info, Title: "x"},
		{Rule: "r", Severity: "loud", Title: "x"},
		{Rule: "r", Severity: alerts.Info, Title: " "},
		{Rule: "r", Severity: alerts.Info, Title: "x", Link: "https://evil.example/"},
		{Rule: "r", Severity: alerts.Info, Title: "x", Link: "//evil.example/"},
	} {
		if _, _, err := f.alerts.Raise(ctx, bad); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("raise %+v = %v, want invalid", bad, err)
		}
	}
}

// An area raising inside its own transaction: a rollback takes the alert,
// its record and its delivery with it.
func TestAlerts_RaiseJoinsTheCallersTransaction(t *testing.T) {
	t.Parallel()
	f := newAlertsFixture(t)
	f.alerts.Webhook = noWebhook{}
	boom := errors.New("the area's change failed")
	err := postgres.Transactor{DB: f.db}.InTx(context.Background(), func(ctx context.Context) error {
		if _, _, err := f.alerts.Raise(ctx, alerts.New{Rule: "pci.check_failed", Severity: alerts.Critical, Title: "8.4.2 turned fail",
			DedupKey: "pci:8.4.2"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	var kept, queued int
	f.owner.QueryRow(context.Background(), `SELECT count(*) FROM alerts`).Scan(&kept)
	f.owner.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'alerts.deliver'`).Scan(&queued)
	if kept != 0 || queued != 0 || f.auditCount(t, audit.AlertRaised) != 0 {
		t.Fatalf("after the rollback: %d alerts, %d deliveries", kept, queued)
	}
}

// Acknowledging and resolving take alerts.manage; resolving takes a note;
// a resolved alert is final, and the next raise of its key is a new alert.
func TestAlerts_AcknowledgeAndResolve(t *testing.T) {
	t.Parallel()
	f := newAlertsFixture(t)
	n := alerts.New{Rule: "test.rule", Severity: alerts.Critical, Title: "Chain broken", DedupKey: "k"}
	a, _, err := f.alerts.Raise(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.alerts.Acknowledge(alertReader("aud.ida"), a.ID); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("a reader acknowledged: %v", err)
	}
	if _, err := f.alerts.Resolve(alertReader("aud.ida"), a.ID, "nothing to see here at all"); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("a reader resolved: %v", err)
	}
	if _, err := f.alerts.Acknowledge(context.Background(), a.ID); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("nobody acknowledged: %v", err)
	}
	if _, err := f.alerts.Acknowledge(alertOfficer("off.cora"), a.ID+99); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("acknowledging no alert: %v", err)
	}
	acked, err := f.alerts.Acknowledge(alertOfficer("off.cora"), a.ID)
	if err != nil || acked.Status != alerts.Acknowledged || acked.AcknowledgedBy != "off.cora" || acked.AcknowledgedAt.IsZero() {
		t.Fatalf("acknowledge = %+v, %v", acked, err)
	}
	if _, err := f.alerts.Acknowledge(alertOfficer("off.dan"), a.ID); domain.ErrorCode(err) != domain.ECONFLICT ||
		!strings.Contains(domain.ErrorMessage(err), "off.cora") {
		t.Errorf("acknowledged twice: %v", err)
	}
	for _, note := range []string{"", "  fixed  ", strings.Repeat("x", alerts.MaxNote+1)} {
		if _, err := f.alerts.Resolve(alertOfficer("off.cora"), a.ID, note); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("resolved with the note %.20q: %v", note, err)
		}
	}
	if got, _ := f.alerts.Get(alertReader("aud.ida"), a.ID); got.Status != alerts.Acknowledged {
		t.Fatalf("a refused resolution changed the alert: %+v", got)
	}
	resolved, err := f.alerts.Resolve(alertOfficer("off.dan"), a.ID, "Restored from the checkpoint; the DBA's change is explained in INC-7.")
	if err != nil || resolved.Status != alerts.Resolved || resolved.ResolvedBy != "off.dan" || resolved.AcknowledgedBy != "off.cora" ||
		!strings.HasPrefix(resolved.Resolution, "Restored") {
		t.Fatalf("resolve = %+v, %v", resolved, err)
	}
	if _, err := f.alerts.Acknowledge(alertOfficer("off.cora"), a.ID); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("a resolved alert was acknowledged: %v", err)
	}
	if _, err := f.alerts.Resolve(alertOfficer("off.cora"), a.ID, "resolving it once more"); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("a resolved alert was resolved again: %v", err)
	}
	if _, err := f.owner.Exec(context.Background(), `UPDATE alerts SET resolution = 'rewritten' WHERE id = $1`, a.ID); err == nil {
		t.Error("the database let a resolved alert change")
	}
	next, created, err := f.alerts.Raise(context.Background(), n)
	if err != nil || !created || next.ID == a.ID || next.Count != 1 {
		t.Fatalf("the key raised after its alert was resolved = %+v, %v, %v", next, created, err)
	}
	if f.auditCount(t, audit.AlertAcknowledged) != 1 || f.auditCount(t, audit.AlertResolved) != 1 {
		t.Error("the acknowledgement and the resolution are not each in the audit trail once")
	}
	var actor string
	f.owner.QueryRow(context.Background(), `SELECT audit_field(entry, '{actor,id}') FROM audit_log
		WHERE audit_field(entry, '{action}') = 'alert.resolved'`).Scan(&actor)
	if actor != "off.dan" {
		t.Errorf("the resolution is recorded as %q's", actor)
	}
}

// The centre lists open before acknowledged before resolved, critical
// first within each, newest first within those, a page at a time; the
// summary counts what is not resolved.
func TestAlerts_ListOrderPagesAndSummary(t *testing.T) {
	t.Parallel()
	f := newAlertsFixture(t)
	ctx := context.Background()
	raise := func(sev alerts.Severity, key string) alerts.Alert {
		a, _, err := f.alerts.Raise(ctx, alerts.New{Rule: "test.rule", Severity: sev, Title: key, DedupKey: key})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	infoOld, crit, warn, infoNew, ackCrit, gone := raise(alerts.Info, "info-old"), raise(alerts.Critical, "crit"), raise(alerts.Warning, "warn"),
		raise(alerts.Info, "info-new"), raise(alerts.Critical, "ack-crit"), raise(alerts.Warning, "gone")
	if _, err := f.alerts.Acknowledge(alertOfficer("off.cora"), ackCrit.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.alerts.Resolve(alertOfficer("off.cora"), gone.ID, "a test alert, nothing happened"); err != nil {
		t.Fatal(err)
	}
	want := []int64{crit.ID, warn.ID, infoNew.ID, infoOld.ID, ackCrit.ID, gone.ID}
	var got []int64
	q := alerts.Query{Limit: 2}
	for page := 0; page < 5; page++ {
		list, more, err := f.alerts.List(alertReader("aud.ida"), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range list {
			got = append(got, a.ID)
		}
		if !more {
			break
		}
		q.After = &list[len(list)-1]
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("the centre's order, paged by 2: %v, want %v", got, want)
	}
	for _, c := range []struct {
		q    alerts.Query
		want []int64
	}{
		{alerts.Query{Status: alerts.Open}, []int64{crit.ID, warn.ID, infoNew.ID, infoOld.ID}},
		{alerts.Query{Severity: alerts.Critical}, []int64{crit.ID, ackCrit.ID}},
		{alerts.Query{Status: alerts.Resolved}, []int64{gone.ID}},
		{alerts.Query{Status: alerts.Open, Severity: alerts.Info, After: &infoNew}, []int64{infoOld.ID}},
	} {
		list, _, err := f.alerts.List(alertReader("aud.ida"), c.q)
		var ids []int64
		for _, a := range list {
			ids = append(ids, a.ID)
		}
		if err != nil || fmt.Sprint(ids) != fmt.Sprint(c.want) {
			t.Errorf("list %+v = %v, %v; want %v", c.q, ids, err, c.want)
		}
	}
	if _, _, err := f.alerts.List(alertReader("aud.ida"), alerts.Query{Status: "closed"}); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("a status that is none: %v", err)
	}
	if _, _, err := f.alerts.List(context.Background(), alerts.Query{}); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("listed without alerts.read: %v", err)
	}
	sum, err := f.alerts.Summary(alertReader("aud.ida"))
	if err != nil || sum.Open[alerts.Critical] != 1 || sum.Open[alerts.Warning] != 1 || sum.Open[alerts.Info] != 2 ||
		sum.Acknowledged[alerts.Critical] != 1 || sum.Acknowledged[alerts.Warning] != 0 {
		t.Fatalf("summary = %+v, %v", sum, err)
	}
}

// awayFromWindowEdge waits, when a 15-minute window ends within the next
// seconds, until the next one starts: the test's events then fall in one.
func awayFromWindowEdge() {
	if left := time.Until(time.Now().Truncate(alerts.SignInWindow).Add(alerts.SignInWindow)); left < 10*time.Second {
		time.Sleep(left + 100*time.Millisecond)
	}
}

func failedSignIn(username, step string) audit.Event {
	e := audit.Event{Action: audit.LoginFailed, Outcome: audit.Failure, Actor: audit.Actor{Type: audit.ActorUser, ID: username},
		Target: audit.Target{Type: "user", ID: username}, Detail: map[string]string{"reason": "wrong password", "step": step}}
	if step == "code" {
		e.Action = audit.MFAFailed
	}
	return e
}

// (a) More failed sign-ins (passwords and codes) than the threshold in a
// 15-minute window raise one warning, which the next evaluations do not
// raise again.
func TestAlertRules_FailedSignIns(t *testing.T) {
	t.Parallel()
	f := newAlertsFixture(t)
	awayFromWindowEdge()
	f.trail(t, failedSignIn("ann", "password"), failedSignIn("ann", "code"), failedSignIn("bob", "password"),
		audit.Event{Action: audit.LoginFailed, Outcome: audit.Failure, Actor: audit.Actor{Type: audit.ActorAnonymous, ID: "anonymous"},
			Detail: map[string]string{"username": "nobody", "reason": "unknown user"}},
		audit.Event{Action: audit.PaymentRefunded, Outcome: audit.Failure, Actor: audit.System}) // a failure, not a sign-in
	if n := f.evaluate(t); n != 1 {
		t.Fatalf("4 failed sign-ins over a threshold of %d raised %d alerts", failedSignInsAllowed, n)
	}
	a := f.onlyAlert(t, alerts.RuleFailedSignIns)
	if a.Severity != alerts.Warning || !strings.HasPrefix(a.Title, "4 failed sign-ins") || !strings.Contains(a.Detail, "for 3 accounts") ||
		!strings.HasPrefix(a.Link, "/audit?outcome=failure&from=") {
		t.Errorf("the alert: %+v", a)
	}
	f.trail(t, failedSignIn("cy", "password"))
	for range 2 {
		if n := f.evaluate(t); n != 0 {
			t.Fatalf("the same window raised %d more", n)
		}
	}
	if a := f.onlyAlert(t, alerts.RuleFailedSignIns); a.Count != 1 {
		t.Errorf("the window's alert was bumped to %d by evaluations", a.Count)
	}
}

// Three failures are not more than three.
func TestAlertRules_FailedSignInsAtTheThreshold(t *testing.T) {
	t.Parallel()
	f := newAlertsFixture(t)
	awayFromWindowEdge()
	f.trail(t, failedSignIn("ann", "password"), failedSignIn("ann", "password"), failedSignIn("ann", "code"))
	if n := f.evaluate(t); n != 0 {
		t.Fatalf("3 failed sign-ins, the threshold, raised %d", n)
	}
	f.trail(t, failedSignIn("ann", "password"))
	if n := f.evaluate(t); n != 1 {
		t.Fatalf("a fourth, in the window read again, raised %d", n)
	}
}

func lockout(username string, attempts int) audit.Event {
	return audit.Event{Action: audit.AccountLocked, Outcome: audit.Success, Actor: audit.System, Target: audit.Target{Type: "user", ID: username},
		Detail: map[string]string{"until": time.Now().Add(30 * time.Minute).UTC().Format(time.RFC3339), "failed_attempts": strconv.Itoa(attempts)}}
}

// (b) Each lockout raises a warning linked to its audit entry, once; the
// same account locked again bumps it, another account has its own.
func TestAlertRules_Lockouts(t *testing.T) {
	t.Parallel()
	f := newAlertsFixture(t)
	f.trail(t, lockout("ann", 10))
	if n := f.evaluate(t); n != 1 {
		t.Fatalf("a lockout raised %d alerts", n)
	}
	a := f.onlyAlert(t, alerts.RuleLockout)
	var seq int64
	f.owner.QueryRow(context.Background(), `SELECT seq FROM audit_log WHERE audit_field(entry, '{action}') = 'auth.account.locked'`).Scan(&seq)
	if a.Severity != alerts.Warning || a.Title != "Account ann locked" || a.Link != "/audit/entries/"+strconv.FormatInt(seq, 10) ||
		!strings.Contains(a.Detail, "after 10 failed attempts") {
		t.Errorf("the alert: %+v", a)
	}
	if n := f.evaluate(t); n != 0 {
		t.Fatalf("the next evaluation raised %d", n)
	}
	f.trail(t, lockout("ann", 10), lockout("bo", 10))
	if n := f.evaluate(t); n != 1 {
		t.Fatalf("ann again and bo raised %d new alerts, want bo's", n)
	}
	if a := f.raised(t, alerts.RuleLockout); len(a) != 2 || a[1].Title != "Account ann locked" || a[1].Count != 2 || a[0].Count != 1 {
		t.Fatalf("lockout alerts: %+v", a)
	}
	if n := f.evaluate(t); n != 0 {
		t.Fatalf("the next evaluation raised %d", n)
	}
}

// (c) A failed verification of the audit chain raises a critical alert
// once; a later failure at the same break bumps it, a good one raises
// nothing.
func TestAlertRules_AuditIntegrity(t *testing.T) {
	t.Parallel()
	f := newAlertsFixture(t)
	results := postgres.AuditResults{DB: f.db}
	ctx := context.Background()
	if err := results.SaveVerification(ctx, audit.Verification{OK: true, Entries: 10, LastSeq: 10}); err != nil {
		t.Fatal(err)
	}
	if n := f.evaluate(t); n != 0 {
		t.Fatalf("a good verification raised %d", n)
	}
	broken := audit.Verification{OK: false, Entries: 12, LastSeq: 12, FirstBreak: "seq 7: the hash does not match the entry"}
	if err := results.SaveVerification(ctx, broken); err != nil {
		t.Fatal(err)
	}
	if n := f.evaluate(t); n != 1 {
		t.Fatalf("a failed verification raised %d alerts", n)
	}
	a := f.onlyAlert(t, alerts.RuleAuditIntegrity)
	if a.Severity != alerts.Critical || !strings.Contains(a.Detail, "seq 7: the hash does not match") || a.Link != "/audit?action=audit.verify.completed&outcome=failure" {
		t.Errorf("the alert: %+v", a)
	}
	if n := f.evaluate(t); n != 0 {
		t.Fatalf("the next evaluation raised %d", n)
	}
	if err := results.SaveVerification(ctx, broken); err != nil {
		t.Fatal(err)
	}
	if n := f.evaluate(t); n != 0 || f.onlyAlert(t, alerts.RuleAuditIntegrity).Count != 2 {
		t.Fatalf("the same break found again: %d new, %+v", n, f.raised(t, alerts.RuleAuditIntegrity))
	}
	if err := results.SaveVerification(ctx, audit.Verification{OK: true, Entries: 12, LastSeq: 12}); err != nil {
		t.Fatal(err)
	}
	if n := f.evaluate(t); n != 0 || f.onlyAlert(t, alerts.RuleAuditIntegrity).Count != 2 {
		t.Fatalf("a good verification after: %d new", n)
	}
}

// (d) A critical fraud decision (a block-listed email) raises a warning
// linked to its case, once; the customer's next one that hour bumps it.
func TestAlertRules_CriticalFraud(t *testing.T) {
	t.Parallel()
	f := newAlertsFixture(t)
	ff := fraudOn(t, f.db, nil)
	if _, err := ff.fraud.AddToList(reviewer("rita"), fraud.ListEntry{List: fraud.BlockList, Key: fraud.KeyEmail, Value: "thief@example.com"}); err != nil {
		t.Fatal(err)
	}
	ordinary := ff.assess(t, ff.ev("fine", "cus-ok", "fp-ok", 0))
	ev := func(ref, customer string) fraud.Event {
		return fraud.Event{Type: "order", Ref: ref, Customer: customer, Email: "thief@example.com", RadarScore: -1,
			Amount: money.Amount{Minor: 2500, Currency: "USD"}, OccurredAt: ff.now()}
	}
	d := ff.assess(t, ev("stolen-1", "thief"))
	if d.Assessment.Level != fraud.Critical || d.CaseID == 0 || ordinary.Assessment.Level == fraud.Critical {
		t.Fatalf("the block-listed event: %+v, case %d", d.Assessment, d.CaseID)
	}
	if n := f.evaluate(t); n != 1 {
		t.Fatalf("a critical decision raised %d alerts", n)
	}
	a := f.onlyAlert(t, alerts.RuleCriticalFraud)
	if a.Severity != alerts.Warning || a.Link != "/fraud/cases/"+strconv.FormatInt(d.CaseID, 10) || !strings.Contains(a.Title, "thief") ||
		!strings.Contains(a.Detail, "order:stolen-1 scored 1000") {
		t.Errorf("the alert: %+v", a)
	}
	if n := f.evaluate(t); n != 0 {
		t.Fatalf("the next evaluation raised %d", n)
	}
	ff.assess(t, ev("stolen-2", "thief"))
	ff.assess(t, ev("stolen-3", "accomplice"))
	if n := f.evaluate(t); n != 1 {
		t.Fatalf("the customer's second and another customer's first raised %d new", n)
	}
	if list := f.raised(t, alerts.RuleCriticalFraud); len(list) != 2 || list[0].Count+list[1].Count != 3 {
		t.Fatalf("critical fraud alerts: %+v", list)
	}
	if n := f.evaluate(t); n != 0 {
		t.Fatalf("the next evaluation raised %d", n)
	}
}

// (e) A debit the bank returns as unauthorized (R07, from a real return
// file) raises a warning linked to the transfer, once.
func TestAlertRules_UnauthorizedReturns(t *testing.T) {
	t.Parallel()
	af := newACHFixture(t, false)
	f := alertsOn(t, af.db, af.owner)
	a := af.account(t, "acct-u", "Una Authorized")
	for _, trace := range []string{"121042880000001", "099912340000015", "059999990000301"} {
		af.sentWithTrace(t, a, trace)
	}
	if _, err := af.ach.Ingest(operator("op.ada"), "contested-return.ach", "upload", fixtureFile(t, "contested-return.ach")); err != nil {
		t.Fatal(err)
	}
	if n := f.evaluate(t); n != 1 {
		t.Fatalf("an unauthorized return raised %d alerts", n)
	}
	transfer := af.transferByTrace(t, "099912340000015")
	got := f.onlyAlert(t, alerts.RuleUnauthorizedACH)
	if got.Severity != alerts.Warning || got.Link != "/ach/transfers/"+transfer || !strings.Contains(got.Title, "R07") {
		t.Errorf("the alert: %+v", got)
	}
	for range 2 {
		if n := f.evaluate(t); n != 0 {
			t.Fatalf("the next evaluation raised %d", n)
		}
	}
}

// (f) A refused load of the sanctions lists raises a critical alert, once.
func TestAlertRules_ListLoadFailures(t *testing.T) {
	t.Parallel()
	sf := newScreeningFixture(t)
	f := alertsOn(t, sf.db, sf.owner)
	if err := os.WriteFile(filepath.Join(sf.dir, "sdn.csv"), []byte("not a list\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := sf.svc.Load(context.Background(), ofac.Dir{Path: sf.dir}); err == nil {
		t.Fatal("a list with no entry was loaded")
	}
	if n := f.evaluate(t); n != 1 {
		t.Fatalf("a refused load raised %d alerts", n)
	}
	a := f.onlyAlert(t, alerts.RuleListLoad)
	if a.Severity != alerts.Critical || a.Link != "/screening" || !strings.Contains(a.Detail, "refused") {
		t.Errorf("the alert: %+v", a)
	}
	if n := f.evaluate(t); n != 0 {
		t.Fatalf("the next evaluation raised %d", n)
	}
}

// Instances evaluating at once take turns on each rule's cursor: every
// trigger raises one alert, none is bumped by a second evaluation.
func TestAlertRules_EvaluationsAtOnceRaiseOnce(t *testing.T) {
	t.Parallel()
	f := newAlertsFixture(t)
	awayFromWindowEdge()
	f.trail(t, lockout("ann", 10), failedSignIn("ann", "password"), failedSignIn("ann", "password"), failedSignIn("ann", "password"),
		failedSignIn("ann", "code"))
	if err := (postgres.AuditResults{DB: f.db}).SaveVerification(context.Background(), audit.Verification{FirstBreak: "seq 1: gone"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 4 {
		wg.Go(func() {
			other := &alerts.Rules{Alerts: f.alerts, Sources: postgres.AlertSources{DB: f.db}, FailedSignIns: failedSignInsAllowed}
			n, err := other.Evaluate(context.Background())
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		})
	}
	wg.Wait()
	if total != 3 {
		t.Fatalf("4 evaluations at once raised %d alerts, want 3", total)
	}
	for _, rule := range []string{alerts.RuleLockout, alerts.RuleFailedSignIns, alerts.RuleAuditIntegrity} {
		if a := f.onlyAlert(t, rule); a.Count != 1 {
			t.Errorf("%s's alert was bumped to %d", rule, a.Count)
		}
	}
	ran, err := f.alerts.LastEvaluated(context.Background())
	if err != nil || time.Since(ran) > time.Minute {
		t.Errorf("the rules last evaluated at %v, %v", ran, err)
	}
}
