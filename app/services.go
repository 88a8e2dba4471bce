package app

import (
	"context"
	"log/slog"

	"github.com/paycompliance/console/domain/ach"
	"github.com/paycompliance/console/domain/alerts"
	"github.com/paycompliance/console/domain/escrow"
	"github.com/paycompliance/console/domain/fraud"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/incidents"
	"github.com/paycompliance/console/domain/payments"
	"github.com/paycompliance/console/domain/pci"
	"github.com/paycompliance/console/jobs"
	"github.com/paycompliance/console/postgres"
)

// services are the areas' use cases, wired to their adapters.
type services struct {
	identity   *identity.Service
	principals *postgres.CachedIdentityStore
	payments   *payments.Service
	compliance *compliance
	ach        *ach.Service
	escrow     *escrow.Service
	fraud      *fraud.Service
	incidents  *incidents.Service
	alerts     *alerts.Service
	alertRules *alerts.Rules
	pci        *pci.Service
	probe      *serverProbe         // the scorecard's probe of this server, told where it listens
	inboxes    map[string]ach.Inbox // where the bank's files arrive, by source
}

// newServices wires every area over db and the audit trail; stop stops
// what they started (test mode's stripe-mock).
func newServices(ctx context.Context, cfg Config, db *database, trail *auditTrail, log *slog.Logger) (*services, func(), error) {
	inserter, err := jobs.NewInserter(db.pool)
	if err != nil {
		return nil, nil, err
	}
	s := &services{}
	s.identity, s.principals = newIdentity(db.pool, trail.ring, trail.log, cfg)
	if s.alerts, s.alertRules, err = newAlerts(cfg, db.pool, trail.log, inserter, log); err != nil {
		return nil, nil, err
	}
	pay, stop, err := newPayments(ctx, cfg, db.pool, trail.ring, trail.log, inserter, log)
	if err != nil {
		return nil, nil, err
	}
	s.payments, s.compliance = pay, newCompliance(cfg, db.pool, trail.log, inserter, s.identity)
	if s.ach, s.inboxes, err = newACH(ctx, cfg, db.pool, trail.ring, trail.log, s.compliance, inserter); err != nil {
		stop()
		return nil, nil, err
	}
	s.escrow = newEscrow(db.pool, trail.ring, trail.log, s.compliance, s.ach, s.payments, s.identity, inserter)
	s.fraud = newFraud(db.pool, trail.log, s.payments, s.ach, s.escrow, inserter)
	s.incidents = newIncidents(db.pool, trail.log, s.identity, s.alerts)
	s.pci, s.probe = newPCI(cfg, db.pool, trail.log, trail.ring, s.payments, s.alerts)
	return s, stop, nil
}

// seedEnv is what the demo data is loaded with.
func (s *services) seedEnv(db *database, trail *auditTrail, cfg Config) seedEnv {
	return seedEnv{db: db.pool, trail: trail, identity: s.identity, payments: s.payments, compliance: s.compliance, ach: s.ach, escrow: s.escrow,
		fraud: s.fraud, dataDir: cfg.DataDir, listDir: cfg.ScreeningListDir}
}
