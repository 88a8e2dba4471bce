package app

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/alerts"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/incidents"
	"github.com/paycompliance/console/postgres"
)

// newIncidents wires the incident log over its store; owners are checked
// against the users' roles, and incidents open from the alert centre's
// alerts.
func newIncidents(db *pgxpool.Pool, auditLog *audit.Log, people *identity.Service, al *alerts.Service) *incidents.Service {
	return &incidents.Service{Store: postgres.IncidentStore{DB: db}, Tx: postgres.Transactor{DB: db}, Audit: auditLog, Colleagues: people,
		Alerts: incidentAlerts{alerts: al}}
}

// incidentAlerts reads the alert an incident is opened from, as its
// opener (who may read alerts).
type incidentAlerts struct {
	alerts *alerts.Service
}

func (a incidentAlerts) AlertSummary(ctx context.Context, id int64) (title, severity, link string, err error) {
	al, err := a.alerts.Get(ctx, id)
	return al.Title, string(al.Severity), al.Link, err
}
