package app

import (
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/incidents"
	"github.com/paycompliance/console/postgres"
)

// newIncidents wires the incident log over its store; owners are checked
// against the users' roles.
func newIncidents(db *pgxpool.Pool, auditLog *audit.Log, people *identity.Service) *incidents.Service {
	return &incidents.Service{Store: postgres.IncidentStore{DB: db}, Tx: postgres.Transactor{DB: db}, Audit: auditLog, Colleagues: people}
}
