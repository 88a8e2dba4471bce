package web

import (
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/alerts"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/jobs"
	"github.com/paycompliance/console/postgres"
)

// alertsEnv is the alert centre as app/alerts.go wires it, without a
// webhook. The queue does not run its rules (they would read every other
// test's sign-ins): a test evaluates them, as the periodic job would.
type alertsEnv struct {
	alerts     *alerts.Service
	alertRules *alerts.Rules
}

// testFailedSignIns is the test server's threshold: more failed sign-ins
// in 15 minutes raise the alert.
const testFailedSignIns = 5

func newAlertsEnv(db *pgxpool.Pool, auditLog *audit.Log, inserter *jobs.Inserter) *alertsEnv {
	svc := &alerts.Service{Store: postgres.AlertStore{DB: db}, Tx: postgres.Transactor{DB: db}, Audit: auditLog, Jobs: inserter}
	return &alertsEnv{alerts: svc, alertRules: &alerts.Rules{Alerts: svc, Sources: postgres.AlertSources{DB: db}, FailedSignIns: testFailedSignIns}}
}
