package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/aml"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/cases"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/screening"
	"github.com/paycompliance/console/jobs"
	"github.com/paycompliance/console/ofac"
	"github.com/paycompliance/console/postgres"
)

// compliance is the compliance officer's services: the case queue,
// sanctions screening with its list source, and AML monitoring.
type compliance struct {
	cases     *cases.Service
	screening *screening.Service
	source    screening.Source
	aml       *aml.Service
}

// newCompliance wires the case queue to the areas that decide its cases:
// sanctions hits to screening, AML alerts and SARs to AML monitoring.
func newCompliance(cfg Config, db *pgxpool.Pool, auditLog *audit.Log, inserter *jobs.Inserter, people *identity.Service) *compliance {
	tx := postgres.Transactor{DB: db}
	c := &compliance{cases: &cases.Service{Store: postgres.CaseStore{DB: db}, Tx: tx, Audit: auditLog, Colleagues: people}}
	c.screening = &screening.Service{Store: postgres.ScreeningStore{DB: db}, Tx: tx, Audit: auditLog, Cases: c.cases,
		Lists: &screening.Lists{}, Jobs: inserter, Threshold: cfg.ScreeningThreshold, MaxShrinkPercent: cfg.ScreeningMaxShrink}
	c.source = ofac.Dir{Path: cfg.ScreeningListDir}
	if cfg.ScreeningListURL != "" {
		c.source = ofac.HTTP{BaseURL: cfg.ScreeningListURL}
	}
	rules := aml.Default()
	rules.DailyTotal, rules.StructuringLow, rules.StructuringCount = cfg.AMLDailyTotal, cfg.AMLStructuringLow, cfg.AMLStructuringCount
	rules.StructuringWindow = time.Duration(cfg.AMLStructuringDays) * 24 * time.Hour
	rules.RapidWindow, rules.RapidMinimum, rules.VelocityFactor = cfg.AMLRapidWindow, cfg.AMLRapidMinimum, cfg.AMLVelocityFactor
	c.aml = &aml.Service{Activity: postgres.AMLStore{DB: db}, Store: postgres.AMLStore{DB: db}, Tx: tx, Audit: auditLog,
		Cases: c.cases, Rules: rules}
	c.cases.Deciders = map[cases.Kind]cases.Decider{cases.ScreeningHit: c.screening, cases.AMLAlert: c.aml, cases.SAR: c.aml}
	return c
}

// watchLists keeps this instance's in-memory list index on the active
// version: reloaded when any instance announces a load, and checked each
// minute in case an announcement was missed while reconnecting.
func (c *compliance) watchLists(ctx context.Context, changes *postgres.Listener, log *slog.Logger) {
	announced, unsubscribe := changes.Subscribe()
	defer unsubscribe()
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-announced:
		case <-tick.C:
		}
		if err := c.screening.Reload(ctx); err != nil && ctx.Err() == nil {
			log.Error("screening: reloading the active list", "error", err)
		}
	}
}
