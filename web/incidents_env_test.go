package web

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/alerts"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/incidents"
	"github.com/paycompliance/console/postgres"
)

// incidentsEnv is the incident log, wired as app/incidents.go wires it,
// opening incidents from the test server's alert centre.
type incidentsEnv struct {
	incidents *incidents.Service
}

func newIncidentsEnv(db *pgxpool.Pool, auditLog *audit.Log, people *identity.Service, al *alerts.Service) *incidentsEnv {
	return &incidentsEnv{incidents: &incidents.Service{Store: postgres.IncidentStore{DB: db}, Tx: postgres.Transactor{DB: db},
		Audit: auditLog, Colleagues: people, Alerts: alertSummaries{al}}}
}

// alertSummaries is app/incidents.go's adapter: the alert as its reader
// sees it.
type alertSummaries struct{ alerts *alerts.Service }

func (a alertSummaries) AlertSummary(ctx context.Context, id int64) (string, string, string, error) {
	al, err := a.alerts.Get(ctx, id)
	return al.Title, string(al.Severity), al.Link, err
}
