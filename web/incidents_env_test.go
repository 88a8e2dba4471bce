package web

import (
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/incidents"
	"github.com/paycompliance/console/postgres"
)

// incidentsEnv is the incident log, wired as app/incidents.go wires it.
type incidentsEnv struct {
	incidents *incidents.Service
}

func newIncidentsEnv(db *pgxpool.Pool, auditLog *audit.Log, people *identity.Service) *incidentsEnv {
	return &incidentsEnv{incidents: &incidents.Service{Store: postgres.IncidentStore{DB: db}, Tx: postgres.Transactor{DB: db},
		Audit: auditLog, Colleagues: people}}
}
