package app

import (
	"context"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/ach"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/escrow"
	"github.com/paycompliance/console/domain/fraud"
	"github.com/paycompliance/console/domain/payments"
	"github.com/paycompliance/console/jobs"
	"github.com/paycompliance/console/postgres"
)

// newFraud wires the risk engine over its store, and the rails a decline
// stops through.
func newFraud(db *pgxpool.Pool, auditLog *audit.Log, pay *payments.Service, achSvc *ach.Service, esc *escrow.Service,
	inserter *jobs.Inserter) *fraud.Service {
	return &fraud.Service{Store: postgres.FraudStore{DB: db}, Tx: postgres.Transactor{DB: db}, Audit: auditLog, Jobs: inserter,
		Effects: fraud.Rails{Payments: pay, ACH: achSvc, Escrow: esc}}
}

// watchFeed scores what the rails queue as soon as any of them says so;
// the periodic fraud.feed job catches what a missed notification left.
// Several instances draining at once take different items.
func watchFeed(ctx context.Context, svc *fraud.Service, queued *postgres.Listener, log *slog.Logger) {
	notified, unsubscribe := queued.Subscribe()
	defer unsubscribe()
	for {
		select {
		case <-ctx.Done():
			return
		case <-notified:
		}
		if _, err := svc.DrainFeed(ctx); err != nil && ctx.Err() == nil {
			log.Error("fraud: scoring the feed", "error", err)
		}
	}
}
