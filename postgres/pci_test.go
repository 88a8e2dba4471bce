package postgres_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/domain/pci"
	"github.com/paycompliance/console/filesink"
	"github.com/paycompliance/console/keyfile"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/postgres/pgtest"
)

// pciFixture is the scorecard over a fresh database with real users, a
// real audit trail with its sequencer and verifier, a real key file, and a
// server to probe; its clock and settings are the test's to move.
type pciFixture struct {
	owner, db *pgxpool.Pool
	identity  *identity.Service
	log       *audit.Log
	seq       *postgres.AuditSequencer
	monitor   *audit.Monitor
	svc       *pci.Service
	keyFile   *keyfile.Provider
	server    *httptest.Server
	headers   http.Header // what the probed server answers with
	alerted   []string    // sub-requirements CheckFailed was called for
	mu        sync.Mutex
	now       time.Time
}

func newPCIFixture(t testing.TB) *pciFixture {
	t.Helper()
	ctx := context.Background()
	owner, url := pgtest.NewDB(t)
	db, err := postgres.Connect(ctx, url, 8, postgres.AppRole)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	kf, err := keyfile.Open(filepath.Join(t.TempDir(), "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	ring := keys.New(kf, keys.Options{})
	f := &pciFixture{owner: owner, db: db, keyFile: kf, now: time.Now().UTC(), headers: http.Header{
		"Strict-Transport-Security": {"max-age=63072000; includeSubDomains"}, "Content-Security-Policy": {"default-src 'self'"},
		"X-Frame-Options": {"DENY"}, "X-Content-Type-Options": {"nosniff"}, "Referrer-Policy": {"same-origin"}}}
	f.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		for k, v := range f.headers {
			w.Header()[k] = v
		}
		f.mu.Unlock()
	}))
	t.Cleanup(f.server.Close)
	f.log = audit.NewLog(postgres.AuditOutbox{DB: db})
	sink := filesink.Dir{Path: filepath.Join(t.TempDir(), "checkpoints")}
	f.seq = &postgres.AuditSequencer{DB: db, Signer: ring, Sink: sink, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	f.monitor = &audit.Monitor{Store: postgres.AuditStore{DB: db}, Sink: sink, Keys: ring, Results: postgres.AuditResults{DB: db}, Log: f.log,
		Tx: postgres.Transactor{DB: db}}
	f.identity = &identity.Service{Store: postgres.IdentityStore{DB: db}, Tx: postgres.Transactor{DB: db}, Audit: f.log, Keys: ring,
		Policy: identity.DefaultPolicy(), Now: f.clock}
	store := postgres.PCIStore{DB: db}
	f.svc = &pci.Service{Store: store, Tx: postgres.Transactor{DB: db}, Audit: f.log, Signer: ring, Probe: f, Keys: f, Alerts: f, Now: f.clock,
		Settings: pci.Settings{Policy: identity.DefaultPolicy(), MinPasswordLength: identity.MinPasswordLength, RetentionMonths: 120,
			VerifyEvery: time.Hour, WebhookSecretSet: true, WebhookTolerance: 5 * time.Minute, KeyCryptoperiod: 365 * 24 * time.Hour,
			PublicURL: "https://console.example"}}
	// The alert rules have evaluated (the alerts area's cursor table).
	f.exec(t, `INSERT INTO alert_cursors (rule, evaluated_at) VALUES ('audit_integrity', now())`)
	return f
}

func (f *pciFixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *pciFixture) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// Probe implements pci.Prober over a real HTTP request to the server.
func (f *pciFixture) Probe(ctx context.Context) (pci.ProbeResult, error) {
	res, err := http.Get(f.server.URL + "/login")
	if err != nil {
		return pci.ProbeResult{}, err
	}
	res.Body.Close()
	out := pci.ProbeResult{URL: f.server.URL + "/login", Status: res.StatusCode, Headers: map[string]string{}}
	for k := range res.Header {
		out.Headers[k] = res.Header.Get(k)
	}
	return out, nil
}

// KeyAges implements pci.KeyAges over the key file, as app does.
func (f *pciFixture) KeyAges(context.Context) ([]pci.KeyAge, bool, error) {
	var out []pci.KeyAge
	for purpose, k := range f.keyFile.Versions() {
		out = append(out, pci.KeyAge{Purpose: purpose, Version: k.Version, Created: k.Created, Current: true})
	}
	return out, false, nil
}

// CheckFailed and LastEvaluated implement pci.Alerter: the alerts area
// raises the alert (tested there); here what was asked is recorded.
func (f *pciFixture) CheckFailed(_ context.Context, r pci.Result, _ int64) error {
	f.mu.Lock()
	f.alerted = append(f.alerted, r.Sub)
	f.mu.Unlock()
	return nil
}

func (f *pciFixture) LastEvaluated(ctx context.Context) (time.Time, error) {
	return postgres.PCIStore{DB: f.db}.AlertsEvaluated(ctx)
}

func (f *pciFixture) exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	if _, err := f.owner.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// result runs an assessment and returns the result of check on sub.
func (f *pciFixture) result(t *testing.T, sub, check string) pci.Result {
	t.Helper()
	_, results, err := f.svc.RunAssessment(audit.WithActor(context.Background(), audit.System), "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Sub == sub && r.Check == check {
			return r
		}
	}
	t.Fatalf("no result for %s %s", sub, check)
	return pci.Result{}
}

func pciOfficer() context.Context {
	return identity.WithServiceCaller(context.Background(), audit.Actor{Type: audit.ActorUser, ID: "amelia"}, identity.PermPCIRead, identity.PermPCIManage)
}

// user creates an active user who has enrolled TOTP.
func (f *pciFixture) user(t *testing.T, name string, roles ...identity.Role) {
	t.Helper()
	c, err := identity.NewDemoCredentials(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.identity.EnsureDemoAccount(context.Background(), identity.NewUser{Username: name, Email: name + "@example.test", DisplayName: name},
		roles, c, false); err != nil {
		t.Fatal(err)
	}
}

// Each automated check passes on a sound system, then fails once the real
// state is changed the way an incident or a misconfiguration would, and the
// scorecard says so; the change that broke it is undone where the check
// should then pass again.
func TestPCI_EachCheckFollowsTheLiveState(t *testing.T) {
	t.Parallel()
	f := newPCIFixture(t)
	ctx := context.Background()
	f.user(t, "amelia", identity.ComplianceOfficer)
	f.user(t, "dana", identity.Operator)
	for i := range 5 {
		if err := f.log.Record(ctx, event(i, "x")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.seq.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	verify := func() {
		if _, err := f.monitor.Verify(ctx, 0); err != nil {
			t.Fatal(err)
		}
	}
	verify()
	if _, err := f.svc.RecordScan(pciOfficer(), "govulncheck", time.Time{}, 0, "No vulnerabilities found."); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"7.2.4", "10.4.1"} {
		if _, err := f.svc.Attest(pciOfficer(), sub, "Reviewed", f.clock(), time.Time{}, nil); err != nil {
			t.Fatal(err)
		}
	}
	settings := f.svc.Settings
	for _, tc := range []struct {
		sub, check string
		breakIt    func()
		mendIt     func() // nil: the test's later cases do not need it mended
	}{
		{"8.4.2", "mfa_enforced", func() { f.exec(t, `UPDATE users SET totp_enrolled_at = NULL WHERE username = 'dana'`) },
			func() { f.exec(t, `UPDATE users SET totp_enrolled_at = now() WHERE username = 'dana'`) }},
		{"8.2.6", "inactive_accounts", func() {
			f.exec(t, `UPDATE users SET last_activity_at = now() - interval '91 days' WHERE username = 'dana'`)
		},
			func() { f.exec(t, `UPDATE users SET last_activity_at = now() WHERE username = 'dana'`) }},
		{"7.2.2", "no_toxic_roles", func() {
			f.exec(t, `INSERT INTO user_roles (user_id, role, granted_at, granted_by) SELECT id, 'escrow_approver', now(), 'x' FROM users WHERE username = 'dana'`)
		}, func() { f.exec(t, `DELETE FROM user_roles WHERE role = 'escrow_approver'`) }},
		{"8.2.8", "idle_timeout", func() { f.svc.Settings.Policy.IdleTimeout = 30 * time.Minute }, func() { f.svc.Settings = settings }},
		{"8.3.4", "lockout_policy", func() { f.svc.Settings.Policy.MaxFailures = 20 }, func() { f.svc.Settings = settings }},
		{"8.3.6", "password_policy", func() { f.svc.Settings.MinPasswordLength = 8 }, func() { f.svc.Settings = settings }},
		{"10.5.1", "audit_retention", func() { f.svc.Settings.RetentionMonths = 6 }, func() { f.svc.Settings = settings }},
		{"6.2.4", "webhook_signatures", func() { f.svc.Settings.WebhookSecretSet = false }, func() { f.svc.Settings = settings }},
		{"3.7.4", "keys_rotated", func() { f.svc.Settings.KeyCryptoperiod = time.Nanosecond }, func() { f.svc.Settings = settings }},
		{"4.2.1", "tls_and_headers", func() { f.mu.Lock(); f.headers.Del("Strict-Transport-Security"); f.mu.Unlock() },
			func() { f.mu.Lock(); f.headers.Set("Strict-Transport-Security", "max-age=63072000"); f.mu.Unlock() }},
		{"10.7.2", "logging_failures_alerted", func() { f.exec(t, `UPDATE alert_cursors SET evaluated_at = now() - interval '1 hour'`) },
			func() { f.exec(t, `UPDATE alert_cursors SET evaluated_at = now()`) }},
		{"3.4.1", "pan_masked", func() {
			f.exec(t, `ALTER TABLE payments DROP CONSTRAINT payments_card_last4_check`)
		}, func() {
			f.exec(t, `ALTER TABLE payments ADD CONSTRAINT payments_card_last4_check CHECK (card_last4 ~ '^([0-9]{4})?$')`)
		}},
		{"3.5.1", "sensitive_encrypted", func() {
			f.exec(t, `UPDATE users SET totp_secret = convert_to('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 'UTF8') WHERE username = 'dana'`)
		}, nil},
		{"6.3.3", "dependency_scan", func() {
			if _, err := f.svc.RecordScan(pciOfficer(), "govulncheck", time.Time{}, 2, "GO-2026-0001, GO-2026-0002"); err != nil {
				t.Fatal(err)
			}
		}, func() {
			if _, err := f.svc.RecordScan(pciOfficer(), "govulncheck", time.Time{}, 0, "No vulnerabilities found."); err != nil {
				t.Fatal(err)
			}
		}},
		{"3.3", "pan_not_stored", func() {
			f.exec(t, `INSERT INTO cases (kind, status, subject, subject_name, title, summary, opened_at, due_at)
				VALUES ('aml_alert', 'open', 'party:x', 'X', 'Note', 'customer read out 4111 1111 1111 1111 on the phone', now(), now())`)
		}, func() { f.exec(t, `UPDATE cases SET summary = 'customer read out a card number (removed)'`) }},
		{"10.3", "audit_chain", func() {
			f.exec(t, `SET session_replication_role = replica; UPDATE audit_log SET entry = convert_to(replace(convert_from(entry, 'UTF8'), '"x"', '"y"'), 'UTF8') WHERE seq = 3; SET session_replication_role = origin`)
			verify()
		}, nil},
	} {
		if r := f.result(t, tc.sub, tc.check); r.Status != pci.Pass {
			t.Fatalf("%s before: %s %s %v", tc.check, r.Status, r.Summary, r.Evidence)
		}
		tc.breakIt()
		r := f.result(t, tc.sub, tc.check)
		if r.Status != pci.Fail || r.Remediation == "" || len(r.Evidence) == 0 {
			t.Fatalf("%s after breaking it: %+v", tc.check, r)
		}
		if tc.mendIt != nil {
			tc.mendIt()
			if r := f.result(t, tc.sub, tc.check); r.Status != pci.Pass {
				t.Fatalf("%s after mending it: %s %s", tc.check, r.Status, r.Summary)
			}
		}
	}
	sc, _, err := f.svc.Latest(pciOfficer())
	if err != nil {
		t.Fatal(err)
	}
	if sc.Requirements["10"].Failed == 0 || sc.Requirements["3"].Failed == 0 || sc.Run.Score.Percent() >= 100 {
		t.Errorf("the scorecard after the audit chain and encryption broke: %+v", sc.Requirements)
	}
	f.mu.Lock()
	alerted := map[string]int{}
	for _, s := range f.alerted {
		alerted[s]++
	}
	f.mu.Unlock()
	if alerted["8.4.2"] != 1 || alerted["10.3"] != 1 || alerted["3.3"] != 1 {
		t.Errorf("alerts raised for sub-requirements that turned to fail: %v", alerted)
	}
}

// Attestations hold until they expire, or until their review cadence runs
// out, on the injected clock; an attested requirement without one fails.
func TestPCI_AttestationsExpire(t *testing.T) {
	t.Parallel()
	f := newPCIFixture(t)
	if r := f.result(t, "9.4.1", "attestation"); r.Status != pci.Fail {
		t.Fatalf("no attestation: %s", r.Status)
	}
	a, err := f.svc.Attest(pciOfficer(), "9.4.1", "Backup media are kept in the locked safe; log reviewed", f.clock(), f.clock().Add(30*24*time.Hour),
		[]pci.NewFile{{Name: "safe-log.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 safe log")}})
	if err != nil {
		t.Fatal(err)
	}
	if r := f.result(t, "9.4.1", "attestation"); r.Status != pci.Pass {
		t.Fatalf("attested: %s %s", r.Status, r.Summary)
	}
	f.advance(30*24*time.Hour + time.Second)
	if r := f.result(t, "9.4.1", "attestation"); r.Status != pci.Fail || r.Evidence[0].Link != "/pci/attestations/"+itoa(a.ID) {
		t.Fatalf("after expiry: %+v", r)
	}
	if _, err := f.svc.Attest(pciOfficer(), "7.2.4", "Access review Q3", f.clock(), time.Time{}, nil); err != nil {
		t.Fatal(err)
	}
	f.advance(184 * 24 * time.Hour)
	if r := f.result(t, "7.2.4", "access_review"); r.Status != pci.Fail {
		t.Errorf("an access review seven months old: %s", r.Status)
	}
	for name, bad := range map[string]func() error{
		"unknown sub": func() error {
			_, err := f.svc.Attest(pciOfficer(), "99.1", "x", f.clock(), time.Time{}, nil)
			return err
		},
		"future": func() error {
			_, err := f.svc.Attest(pciOfficer(), "9.4.1", "x", f.clock().Add(48*time.Hour), time.Time{}, nil)
			return err
		},
		"expiry before": func() error {
			_, err := f.svc.Attest(pciOfficer(), "9.4.1", "x", f.clock(), f.clock().Add(-time.Hour), nil)
			return err
		},
		"empty statement": func() error {
			_, err := f.svc.Attest(pciOfficer(), "9.4.1", " ", f.clock(), time.Time{}, nil)
			return err
		},
		"a card number": func() error {
			_, err := f.svc.Attest(pciOfficer(), "9.4.1", "card 4111111111111111", f.clock(), time.Time{}, nil)
			return err
		},
		"read-only auditor": func() error {
			_, err := f.svc.Attest(auditorCtx(), "9.4.1", "x", f.clock(), time.Time{}, nil)
			return err
		},
	} {
		if err := bad(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func auditorCtx() context.Context {
	return identity.WithServiceCaller(context.Background(), audit.Actor{Type: audit.ActorUser, ID: "gita"}, identity.PermPCIRead)
}

// The report verifies as issued and fails on any altered byte.
func TestPCI_ReportSignature(t *testing.T) {
	t.Parallel()
	f := newPCIFixture(t)
	run, _, err := f.svc.RunAssessment(audit.WithActor(context.Background(), audit.System), "test")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := f.svc.Report(pciOfficer(), run.ID)
	if err != nil {
		t.Fatal(err)
	}
	data := rep.Encode()
	if _, err := pci.VerifyReport(data); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(data); i += max(1, len(data)/200) {
		altered := append([]byte(nil), data...)
		altered[i] ^= 0x01
		if _, err := pci.VerifyReport(altered); err == nil {
			t.Fatalf("byte %d altered: the report still verifies", i)
		}
	}
}
