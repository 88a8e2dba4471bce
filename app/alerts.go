package app

import (
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/alerts"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/jobs"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/webhook"
)

// alertSecretFile keeps the alert webhook's generated secret in DATA_DIR.
const alertSecretFile = "alert-webhook-secret"

// newAlerts wires the alert centre and its rules; with ALERT_WEBHOOK_URL
// each new alert is delivered there, signed with ALERT_WEBHOOK_SECRET or
// a secret generated at the first run into DATA_DIR.
func newAlerts(cfg Config, db *pgxpool.Pool, auditLog *audit.Log, inserter *jobs.Inserter, log *slog.Logger) (*alerts.Service, *alerts.Rules, error) {
	svc := &alerts.Service{Store: postgres.AlertStore{DB: db}, Tx: postgres.Transactor{DB: db}, Audit: auditLog, Jobs: inserter}
	if cfg.AlertWebhookURL != "" {
		secret := cfg.AlertWebhookSecret
		if secret == "" {
			var err error
			if secret, err = generatedSecret(cfg.DataDir, alertSecretFile, "whsec_"); err != nil {
				return nil, nil, fmt.Errorf("alerts: %w", err)
			}
			log.Info("alerts: the webhook's signing secret is in DATA_DIR (give it to the receiver)", "file", alertSecretFile)
		}
		svc.Webhook = &webhook.Client{URL: cfg.AlertWebhookURL, Secret: secret}
	}
	return svc, &alerts.Rules{Alerts: svc, Sources: postgres.AlertSources{DB: db}, FailedSignIns: cfg.AlertFailedLogins}, nil
}
