package web

import (
	"context"
	"net/http/httptest"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/domain/pci"
	"github.com/paycompliance/console/postgres"
)

// newPCIService is the scorecard as app/pci.go wires it, with the live
// system's probe, key ages and alert centre stood in for: the probe asks
// the test server itself for /login, the keyring has one fresh key, the
// alert rules ran just now and a check turning to fail raises nothing.
func newPCIService(env *testEnv, db *pgxpool.Pool, auditLog *audit.Log, ring *keys.Keyring) *pci.Service {
	return &pci.Service{Store: postgres.PCIStore{DB: db}, Tx: postgres.Transactor{DB: db}, Audit: auditLog, Signer: ring,
		Probe: testProbe{env: env}, Keys: freshKeys{}, Alerts: quietAlerts{},
		Settings: pci.Settings{Policy: identity.DefaultPolicy(), MinPasswordLength: identity.MinPasswordLength, RetentionMonths: 120,
			VerifyEvery: time.Hour, WebhookSecretSet: true, WebhookTolerance: 5 * time.Minute, KeyCryptoperiod: 365 * 24 * time.Hour,
			PublicURL: "https://console.example"}}
}

// testProbe asks the test server for its sign-in page, in process.
type testProbe struct{ env *testEnv }

func (p testProbe) Probe(ctx context.Context) (pci.ProbeResult, error) {
	rec := httptest.NewRecorder()
	p.env.srv.Handler().ServeHTTP(rec, httptest.NewRequestWithContext(ctx, "GET", "/login", nil))
	out := pci.ProbeResult{URL: "https://console.example/login", Status: rec.Code, Headers: map[string]string{}}
	for name := range rec.Header() {
		out.Headers[name] = rec.Header().Get(name)
	}
	return out, nil
}

// freshKeys is a keyring with one key made today.
type freshKeys struct{}

func (freshKeys) KeyAges(context.Context) ([]pci.KeyAge, bool, error) {
	return []pci.KeyAge{{Purpose: "signing", Version: "v1", Created: time.Now().Add(-time.Hour), Current: true}}, false, nil
}

// quietAlerts raises nothing and says the alert rules just ran.
type quietAlerts struct{}

func (quietAlerts) CheckFailed(context.Context, pci.Result, int64) error { return nil }
func (quietAlerts) LastEvaluated(context.Context) (time.Time, error)     { return time.Now(), nil }
