package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/escrow"
	"github.com/paycompliance/console/domain/fraud"
	"github.com/paycompliance/console/domain/health"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/domain/payments"
	"github.com/paycompliance/console/domain/pci"
	"github.com/paycompliance/console/handlers"
	"github.com/paycompliance/console/jobs"
	"github.com/paycompliance/console/jobs/jobstest"
	"github.com/paycompliance/console/keyfile"
	"github.com/paycompliance/console/migrations"
	"github.com/paycompliance/console/ofac"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/postgres/pgtest"
	"github.com/paycompliance/console/stripe"
	"github.com/paycompliance/console/stripe/stripetest"
	"github.com/paycompliance/console/web/webtest"
)

// testEnv is a Server wired as `console serve` wires it, on a real
// database and key file, with a clock tests move (session timeouts, TOTP
// steps) and the log captured so tests can check what was (and was not)
// logged.
type testEnv struct {
	srv      *Server
	logs     *webtest.LogBuffer
	db       *pgxpool.Pool
	ring     *keys.Keyring
	audit    *audit.Log
	seq      *postgres.AuditSequencer
	tail     *postgres.Listener
	identity *identity.Service
	payments *payments.Service
	escrow   *escrow.Service
	fraud    *fraud.Service
	pci      *pci.Service
	stripe   *stripetest.Server
	clock    *clock
	*complianceEnv
	*incidentsEnv
	*alertsEnv
}

// testWebhookSecret signs the test server's Stripe events.
const testWebhookSecret = "whsec_web_test"

func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	db, _ := pgtest.NewDB(t)
	p, err := keyfile.Open(filepath.Join(t.TempDir(), "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	ring := keys.New(p, keys.Options{})
	status := health.NewService("test",
		postgres.Probe{DB: db, Migrations: migrations.FS},
		keys.Probe{Keyring: ring, Source: "local key file"})
	system := &handlers.SystemStatus{Health: status}
	logs := &webtest.LogBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	store := postgres.AuditStore{DB: db}
	auditLog := audit.NewLog(postgres.AuditOutbox{DB: db})
	clk := &clock{t: time.Now().UTC()}
	principals := &postgres.CachedIdentityStore{IdentityStore: postgres.IdentityStore{DB: db}, TTL: 2 * time.Second}
	ident := &identity.Service{Store: principals, Tx: postgres.Transactor{DB: db}, Audit: auditLog,
		Keys: ring, Policy: identity.DefaultPolicy(), Now: clk.Now}
	hub := &postgres.Hub{DB: db, Log: log}
	changes := hub.Channel(postgres.IdentityChannel)
	paymentChanges := hub.Channel(postgres.PaymentsChannel)
	achChanges := hub.Channel(postgres.ACHChannel)
	escrowChanges := hub.Channel(postgres.EscrowChannel)
	fraudChanges := hub.Channel(postgres.FraudChannel)
	pciChanges := hub.Channel(postgres.PCIChannel)
	incidentChanges := hub.Channel(postgres.IncidentsChannel)
	alertChanges := hub.Channel(postgres.AlertsChannel)
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go hub.Run(ctx)
	go principals.Watch(ctx, changes)
	env := &testEnv{logs: logs, db: db, ring: ring, audit: auditLog, identity: ident, clock: clk,
		seq:  &postgres.AuditSequencer{DB: db, Signer: ring, Log: log},
		tail: &postgres.Listener{DB: db, Channel: postgres.AuditChannel, Log: log},
	}
	browser := &audit.Browser{Reader: store, Log: auditLog, Keys: ring}
	sessions := &SessionStore{Identity: ident}
	env.stripe = stripetest.Start(t)
	inserter, err := jobs.NewInserter(db)
	if err != nil {
		t.Fatal(err)
	}
	env.payments = &payments.Service{Store: postgres.PaymentStore{DB: db}, Tx: postgres.Transactor{DB: db}, Audit: auditLog,
		Gateway: stripe.New(stripe.Config{SecretKey: "sk_test_web", APIURL: env.stripe.URL, Timeout: 5 * time.Second, MaxRetries: 1}),
		Events:  stripe.Events{Secret: testWebhookSecret, Tolerance: 5 * time.Minute}, Simulator: stripe.Simulator{Secret: testWebhookSecret},
		Jobs: inserter, Keys: ring, RefundApprovalAbove: 10_000}
	var opts jobs.Options
	jobs.AddPaymentJobs(&opts, env.payments, 0)
	env.complianceEnv = newComplianceEnv(t, db, ring, auditLog, inserter, &opts, ident)
	// Escrow as app/escrow.go wires it, paying by ACH and Stripe transfers.
	env.escrow = &escrow.Service{Store: postgres.EscrowStore{DB: db}, Tx: postgres.Transactor{DB: db}, Audit: auditLog, Keys: ring,
		Challenger: ident, Screening: env.screening, Jobs: inserter, Accounts: escrow.Rails{ACH: env.ach, Payments: env.payments, Keys: ring},
		Payouts: map[escrow.PayeeKind]escrow.Payout{escrow.BankAccount: escrow.ACHPayout{ACH: env.ach},
			escrow.StripeAccount: stripe.Transfers{Client: env.payments.Gateway.(*stripe.Client)}}}
	env.screening.Holders = append(env.screening.Holders, env.escrow)
	jobs.AddEscrowJobs(&opts, env.escrow)
	// Fraud as app/fraud.go wires it. Its jobs are not run: the feed would
	// score every other test's payments, and a test stops a declined
	// event by calling Stop as the queued job would.
	env.fraud = &fraud.Service{Store: postgres.FraudStore{DB: db}, Tx: postgres.Transactor{DB: db}, Audit: auditLog, Jobs: inserter,
		Effects: fraud.Rails{Payments: env.payments, ACH: env.ach, Escrow: env.escrow}}
	env.pci = newPCIService(env, db, auditLog, ring)
	env.alertsEnv = newAlertsEnv(db, auditLog, inserter)
	env.incidentsEnv = newIncidentsEnv(db, auditLog, ident, env.alerts)
	jobstest.Start(t, db, opts)
	home := &handlers.Home{Widgets: []handlers.HomeWidget{
		{Widget: &handlers.IncidentsWaiting{Incidents: env.incidents}, Perm: identity.PermAlertsManage},
		{Widget: system},
		{Widget: &handlers.AlertsStatus{Alerts: env.alerts}, Perm: identity.PermAlertsRead},
		{Widget: &handlers.PaymentsStatus{Payments: env.payments}, Perm: identity.PermPaymentsRead},
		{Widget: &handlers.EscrowInbox{Escrow: env.escrow}, Perm: identity.PermEscrowApprove},
		{Widget: &handlers.FraudQueue{Fraud: env.fraud}, Perm: identity.PermFraudReview},
		{Widget: &handlers.PCIScore{PCI: env.pci}, Perm: identity.PermPCIRead}}}
	env.srv = New(Config{Addr: "127.0.0.1:0", AdminAddr: "127.0.0.1:0", MaxBodyBytes: 128 << 10, ShutdownTimeout: 5 * time.Second},
		log, Deps{Health: status, Identity: ident, Sessions: sessions, AuditLog: auditLog, Idempotency: postgres.Idempotency{DB: db}, Unavailable: postgres.Unavailable,
			Home: home, System: system,
			Audit: &handlers.AuditLog{Browser: browser,
				Exporter: &audit.Exporter{Reader: store, Log: auditLog, Keys: ring, Now: time.Now}, Appended: env.tail, Sessions: ident},
			SignIn:      &handlers.SignIn{Identity: ident, Cookies: sessions},
			Account:     &handlers.Account{Identity: ident, Cookies: sessions},
			Users:       &handlers.Users{Identity: ident},
			APIKeys:     &handlers.APIKeys{Identity: ident},
			API:         &handlers.API{Browser: browser, Checkpointer: env.seq},
			Payments:    &handlers.Payments{Payments: env.payments, Audit: browser, Changed: paymentChanges, Sessions: ident},
			PaymentsAPI: &handlers.PaymentsAPI{Payments: env.payments},
			Pay:         &handlers.Pay{Payments: env.payments},
			Webhooks:    &handlers.StripeWebhooks{Payments: env.payments},
			ACH:         &handlers.ACH{ACH: env.ach, Audit: browser, Screening: env.screening, Changed: achChanges, Sessions: ident},
			ACHAPI:      &handlers.ACHAPI{ACH: env.ach},
			EscrowAPI:   &handlers.EscrowAPI{Escrow: env.escrow},
			FraudAPI:    &handlers.FraudAPI{Fraud: env.fraud},
			Escrow:      &handlers.Escrow{Escrow: env.escrow, Audit: browser, Changed: escrowChanges, Sessions: ident},
			Fraud:       &handlers.Fraud{Fraud: env.fraud, Payments: env.payments, Colleagues: ident, Audit: browser, Changed: fraudChanges, Sessions: ident},
			PCI:         &handlers.PCI{PCI: env.pci, Changed: pciChanges, Sessions: ident},
			PCIAPI:      &handlers.PCIAPI{PCI: env.pci},
			Cases:       &handlers.Cases{Cases: env.cases, Screening: env.screening, Audit: browser},
			Incidents:   &handlers.Incidents{Incidents: env.incidents, Audit: browser, Changed: incidentChanges, Sessions: ident},
			Alerts:      &handlers.Alerts{Alerts: env.alerts, Changed: alertChanges, Sessions: ident},
			Screening:   &handlers.Screening{Screening: env.screening, Source: ofac.Dir{Path: env.listDir}},
			Banners:     &handlers.AuditBanner{Results: postgres.AuditResults{DB: db}}})
	return env
}

// newTestServer is the common case: the server and its captured log.
func newTestServer(t testing.TB) (*Server, *webtest.LogBuffer) {
	env := newTestEnv(t)
	return env.srv, env.logs
}

// clock is the time the identity service sees.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// testUser is an account with known credentials.
type testUser struct {
	ID       int64
	Username string
	identity.DemoCredentials
}

// newUser creates a ready account holding roles (past invitation and
// enrollment, as demo accounts are).
func (env *testEnv) newUser(t testing.TB, username string, roles ...identity.Role) testUser {
	t.Helper()
	c, err := identity.NewDemoCredentials(username)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := env.identity.EnsureDemoAccount(ctx, identity.NewUser{Username: username, Email: username + "@example.test",
		DisplayName: username}, roles, c, false); err != nil {
		t.Fatal(err)
	}
	u, _, err := env.identity.Store.UserByUsername(ctx, username)
	if err != nil {
		t.Fatal(err)
	}
	return testUser{ID: u.ID, Username: username, DemoCredentials: c}
}

// code is the user's TOTP code a step later than any used so far: the
// clock moves on by one step first, so every code is fresh.
func (env *testEnv) code(u testUser) string {
	env.clock.Advance(30 * time.Second)
	return identity.TOTPCode(u.TOTPSecret, env.clock.Now())
}

// signIn signs u in through the real forms and returns their browser,
// sending the session's CSRF token with every request as htmx does.
func (env *testEnv) signIn(t testing.TB, u testUser) *webtest.Client {
	t.Helper()
	c := webtest.NewClient(t, env.srv.Handler())
	if res := c.Post("/login", url.Values{"username": {u.Username}, "password": {u.Password}}); res.StatusCode != 303 {
		t.Fatalf("sign-in of %s: password step = %d %s", u.Username, res.StatusCode, res.Body)
	}
	env.csrf(c)
	if res := c.Post("/login/mfa", url.Values{"code": {env.code(u)}}); res.StatusCode != 303 {
		t.Fatalf("sign-in of %s: TOTP step = %d %s", u.Username, res.StatusCode, res.Body)
	}
	env.csrf(c)
	return c
}

// csrf reads the session's CSRF token from a page, as htmx would from
// hx-headers, and sends it from now on.
func (env *testEnv) csrf(c *webtest.Client) {
	c.T.Helper()
	res := c.Get("/account")
	for i := 0; res.StatusCode == 303 && i < 3; i++ {
		res = c.Get(res.Header.Get("Location"))
	}
	var h map[string]string
	raw, ok := res.Doc.Find("body").Attr("hx-headers")
	if !ok || json.Unmarshal([]byte(raw), &h) != nil || h["X-CSRF-Token"] == "" {
		c.T.Fatalf("no CSRF token on the page (%d): %.500s", res.StatusCode, res.Body)
	}
	c.Header.Set("X-CSRF-Token", h["X-CSRF-Token"])
}

// stepUp passes a step-up in c's session.
func (env *testEnv) stepUp(t testing.TB, c *webtest.Client, u testUser) {
	t.Helper()
	if res := c.Post("/stepup", url.Values{"code": {env.code(u)}, "next": {"/"}}); res.StatusCode != 303 {
		t.Fatalf("step-up = %d %s", res.StatusCode, res.Body)
	}
}

// officer is a signed-in compliance officer, who reads and exports the audit log.
func (env *testEnv) officer(t testing.TB) (*webtest.Client, testUser) {
	u := env.newUser(t, "officer", identity.ComplianceOfficer)
	return env.signIn(t, u), u
}
