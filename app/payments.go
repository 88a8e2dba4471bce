package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/domain/payments"
	"github.com/paycompliance/console/jobs"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/stripe"
	"github.com/paycompliance/console/stripe/stripemock"
)

// webhookSecretFile keeps test mode's webhook signing secret in DATA_DIR.
const webhookSecretFile = "stripe-webhook-secret"

// newPayments wires card payments: Stripe with the configured key, or, in
// test mode, a stripe-mock this process starts (and stop stops) with a
// webhook secret of its own and simulated outcomes.
func newPayments(ctx context.Context, cfg Config, db *pgxpool.Pool, ring *keys.Keyring, auditLog *audit.Log, inserter *jobs.Inserter,
	log *slog.Logger) (svc *payments.Service, stop func(), err error) {
	stop = func() {}
	key, apiURL, secret := cfg.StripeSecretKey, cfg.StripeAPIURL, cfg.StripeWebhookSecret
	if cfg.testMode() {
		key = "sk_test_local" // stripe-mock takes any key of this shape
		if secret, err = testWebhookSecret(cfg.DataDir); err != nil {
			return nil, nil, err
		}
		if apiURL == "" {
			bin, err := stripemock.Find(cfg.StripeMockBin)
			if err != nil {
				return nil, nil, err
			}
			mock, err := stripemock.Start(ctx, bin)
			if err != nil {
				return nil, nil, err
			}
			log.Info("payments: test mode, stripe-mock started", "url", mock.URL)
			apiURL, stop = mock.URL, func() { mock.Stop() }
		}
	}
	gateway := stripe.New(stripe.Config{SecretKey: key, APIURL: apiURL, Timeout: cfg.StripeTimeout, MaxRetries: cfg.StripeMaxRetries})
	svc = &payments.Service{
		Store:               postgres.PaymentStore{DB: db},
		Tx:                  postgres.Transactor{DB: db},
		Audit:               auditLog,
		Gateway:             gateway,
		Events:              stripe.Events{Secret: secret, Tolerance: cfg.WebhookTolerance},
		Lister:              gateway,
		Jobs:                inserter,
		Keys:                ring,
		RefundApprovalAbove: cfg.RefundApprovalAbove,
	}
	if cfg.testMode() {
		svc.Simulator = stripe.Simulator{Secret: secret}
	}
	return svc, stop, nil
}

// testWebhookSecret reads test mode's webhook secret, creating it (mode
// 0600) at the first run.
func testWebhookSecret(dataDir string) (string, error) {
	secret, err := generatedSecret(dataDir, webhookSecretFile, "whsec_")
	if err != nil {
		return "", fmt.Errorf("payments: %w", err)
	}
	return secret, nil
}

// generatedSecret reads the secret kept in dataDir/name, creating it (a
// random one after prefix, mode 0600) at the first run.
func generatedSecret(dataDir, name, prefix string) (string, error) {
	path := filepath.Join(dataDir, name)
	b, err := os.ReadFile(path)
	if err == nil && strings.HasPrefix(string(b), prefix) {
		return strings.TrimSpace(string(b)), nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	raw := make([]byte, 24)
	rand.Read(raw)
	secret := prefix + base64.RawURLEncoding.EncodeToString(raw)
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return "", err
	}
	return secret, nil
}
