package app

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/alerts"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/domain/payments"
	"github.com/paycompliance/console/domain/pci"
	"github.com/paycompliance/console/keyfile"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/stripe"
)

// newPCI wires the scorecard over the database's evidence, the running
// configuration, the keyring's key ages, a probe of the server itself and
// the alert centre.
func newPCI(cfg Config, db *pgxpool.Pool, auditLog *audit.Log, ring *keys.Keyring, pay *payments.Service, al *alerts.Service) (*pci.Service, *serverProbe) {
	events, _ := pay.Events.(stripe.Events)
	probe := &serverProbe{}
	store := postgres.PCIStore{DB: db}
	return &pci.Service{Store: store, Tx: postgres.Transactor{DB: db}, Audit: auditLog, Signer: ring, Probe: probe,
		Keys: keyAges{cfg: cfg}, Alerts: pciAlerts{alerts: al, store: store},
		Settings: pci.Settings{Policy: cfg.policy(), MinPasswordLength: identity.MinPasswordLength, RetentionMonths: cfg.AuditRetentionMonths,
			VerifyEvery: cfg.AuditVerifyEvery, WebhookSecretSet: events.Secret != "", WebhookTolerance: events.Tolerance,
			KeyCryptoperiod: cfg.KeyCryptoperiod, PublicURL: cfg.PublicURL}}, probe
}

// keyAges reads the local key file's versions; AWS KMS rotates its own.
type keyAges struct{ cfg Config }

func (k keyAges) KeyAges(context.Context) ([]pci.KeyAge, bool, error) {
	if k.cfg.Keyring == "awskms" {
		return nil, true, nil
	}
	p, err := keyfile.Open(k.cfg.KeyFile)
	if err != nil {
		return nil, false, err
	}
	var out []pci.KeyAge
	for purpose, info := range p.Versions() {
		out = append(out, pci.KeyAge{Purpose: purpose, Version: info.Version, Created: info.Created, Current: true})
	}
	return out, false, nil
}

// serverProbe asks the running server for its sign-in page over the
// loopback, as a browser would, once it listens.
type serverProbe struct {
	addr atomic.Value // string
}

func (p *serverProbe) listening(addr string) { p.addr.Store(addr) }

// Probe waits briefly for the server to listen: the first scheduled run
// starts with the job queue, just before it.
func (p *serverProbe) Probe(ctx context.Context) (pci.ProbeResult, error) {
	addr := ""
	for wait := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if addr, _ = p.addr.Load().(string); addr != "" {
			break
		}
		if time.Now().After(wait) || ctx.Err() != nil {
			return pci.ProbeResult{}, fmt.Errorf("the server is not listening")
		}
	}
	url := "http://" + addr + "/login"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return pci.ProbeResult{}, err
	}
	client := &http.Client{Timeout: 5 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		return pci.ProbeResult{}, err
	}
	defer res.Body.Close()
	out := pci.ProbeResult{URL: url, Status: res.StatusCode, Headers: map[string]string{}}
	for name := range res.Header {
		out.Headers[name] = res.Header.Get(name)
	}
	return out, nil
}

// pciAlerts raises a failing check's alert in the alert centre.
type pciAlerts struct {
	alerts *alerts.Service
	store  postgres.PCIStore
}

func (a pciAlerts) CheckFailed(ctx context.Context, r pci.Result, runID int64) error {
	_, _, err := a.alerts.Raise(ctx, alerts.New{Rule: "pci_check_failed", Severity: alerts.Critical,
		Title: "PCI DSS " + r.Sub + " now fails: " + pci.CheckTitle(r.Check), Detail: r.Summary, Source: "pci:" + r.Sub,
		Link: fmt.Sprintf("/pci/runs/%d#sub-%s", runID, r.Sub), DedupKey: "pci:" + r.Sub})
	return err
}

func (a pciAlerts) LastEvaluated(ctx context.Context) (time.Time, error) {
	return a.store.AlertsEvaluated(ctx)
}
