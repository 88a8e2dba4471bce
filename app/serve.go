package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/paycompliance/console/domain/health"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/handlers"
	"github.com/paycompliance/console/jobs"
	"github.com/paycompliance/console/migrations"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/web"
)

// serve runs the console until ctx ends, then stops in reverse order: the
// HTTP server drains, the job queue finishes its jobs, the pool closes, and a
// private PostgreSQL cluster this process started is stopped.
func serve(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer, demo bool) (err error) {
	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := db.cleanup(context.WithoutCancel(ctx)); cerr != nil {
			err = errors.Join(err, fmt.Errorf("stopping the database: %w", cerr))
		}
	}()
	keyring, keySource, err := openKeyring(ctx, cfg)
	if err != nil {
		return err
	}
	sink, err := openCheckpointSink(ctx, cfg)
	if err != nil {
		return err
	}
	trail := newAuditTrail(db.pool, keyring, sink, cfg, log)
	svc, stopServices, err := newServices(ctx, cfg, db, trail, log)
	if err != nil {
		return err
	}
	defer stopServices()
	ident, principals, pay, comp, achSvc := svc.identity, svc.principals, svc.payments, svc.compliance, svc.ach
	if demo {
		if err := seed(ctx, svc.seedEnv(db, trail, cfg), log); err != nil {
			return err
		}
	}
	if err := comp.screening.Reload(ctx); err != nil {
		return fmt.Errorf("screening: loading the active list: %w", err)
	}
	idempotency := postgres.Idempotency{DB: db.pool}
	jobOpts := jobs.Options{MaxWorkers: cfg.JobWorkers, JobTimeout: cfg.JobTimeout, RescueAfter: cfg.JobRescueAfter}
	jobs.AddAuditJobs(&jobOpts, trail.monitor, trail.retention, db.pool, cfg.AuditVerifyEvery)
	jobs.AddIdentityJobs(&jobOpts, ident, idempotency)
	jobs.AddPaymentJobs(&jobOpts, pay, cfg.StripeCatchUpEvery)
	jobs.AddScreeningJobs(&jobOpts, comp.screening, comp.source, cfg.ScreeningListEvery)
	jobs.AddAMLJobs(&jobOpts, comp.aml)
	jobs.AddACHJobs(&jobOpts, achSvc, svc.inboxes)
	jobs.AddEscrowJobs(&jobOpts, svc.escrow)
	jobs.AddFraudJobs(&jobOpts, svc.fraud)
	jobs.AddAlertJobs(&jobOpts, svc.alerts, svc.alertRules)
	jobs.AddPCIJobs(&jobOpts, svc.pci, cfg.PCIAssessEvery)
	queue, err := jobs.New(db.pool, log, jobOpts)
	if err != nil {
		return err
	}
	if err := queue.Start(ctx); err != nil {
		return err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
		defer cancel()
		err = errors.Join(err, queue.Stop(stopCtx))
	}()

	// The sequencer outlives the HTTP server, so it chains what the last
	// requests recorded; what it misses waits in the outbox for the next leader.
	sequencerCtx, stopSequencer := context.WithCancel(context.WithoutCancel(ctx))
	sequencerDone := make(chan struct{})
	go func() { trail.sequencer.Run(sequencerCtx); close(sequencerDone) }()
	defer func() { stopSequencer(); <-sequencerDone }()

	hub := &postgres.Hub{DB: db.pool, Log: log}
	appended := hub.Channel(postgres.AuditChannel)
	identityChanges := hub.Channel(postgres.IdentityChannel)
	paymentChanges := hub.Channel(postgres.PaymentsChannel)
	achChanges := hub.Channel(postgres.ACHChannel)
	escrowChanges := hub.Channel(postgres.EscrowChannel)
	listChanges := hub.Channel(postgres.ScreeningListsChannel)
	fraudChanges := hub.Channel(postgres.FraudChannel)
	pciChanges := hub.Channel(postgres.PCIChannel)
	fraudFeed := hub.Channel(postgres.FraudFeedChannel)
	incidentChanges := hub.Channel(postgres.IncidentsChannel)
	alertChanges := hub.Channel(postgres.AlertsChannel)
	listenCtx, stopListening := context.WithCancel(ctx)
	defer stopListening()
	go hub.Run(listenCtx)
	go comp.watchLists(listenCtx, listChanges, log)
	go principals.Watch(listenCtx, identityChanges)
	go watchFeed(listenCtx, svc.fraud, fraudFeed, log)

	status := health.NewService(buildVersion(),
		postgres.Probe{DB: db.pool, Migrations: migrations.FS},
		jobs.Probe{Queue: queue, DB: db.pool},
		keys.Probe{Keyring: keyring, Source: keySource},
	)
	system := &handlers.SystemStatus{Health: status}
	auditWidget := &handlers.AuditStatus{Store: trail.store, Results: postgres.AuditResults{DB: db.pool}, VerifyInterval: cfg.AuditVerifyEvery}
	sessions := &web.SessionStore{Identity: ident}
	server := web.New(web.Config{
		Addr: cfg.Addr, AdminAddr: cfg.AdminAddr, MaxBodyBytes: cfg.MaxBodyBytes,
		ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout, WriteTimeout: writeTimeout,
		IdleTimeout: idleTimeout, ShutdownTimeout: cfg.ShutdownTimeout,
	}, log, web.Deps{
		Health:      status,
		Identity:    ident,
		Sessions:    sessions,
		AuditLog:    trail.log,
		Idempotency: idempotency,
		Unavailable: postgres.Unavailable,
		Home: &handlers.Home{Widgets: []handlers.HomeWidget{
			{Widget: &handlers.IncidentsWaiting{Incidents: svc.incidents}, Perm: identity.PermAlertsManage}, // first: a P1 waits for each officer
			{Widget: system}, {Widget: &handlers.AlertsStatus{Alerts: svc.alerts}, Perm: identity.PermAlertsRead},
			{Widget: &handlers.PCIScore{PCI: svc.pci}, Perm: identity.PermPCIRead},
			{Widget: auditWidget, Perm: identity.PermAuditRead},
			{Widget: &handlers.CasesStatus{Cases: comp.cases, Screening: comp.screening}, Perm: identity.PermCasesRead},
			{Widget: &handlers.PaymentsStatus{Payments: pay}, Perm: identity.PermPaymentsRead},
			{Widget: &handlers.ACHStatus{ACH: achSvc}, Perm: identity.PermACHRead},
			{Widget: &handlers.EscrowInbox{Escrow: svc.escrow}, Perm: identity.PermEscrowApprove},
			{Widget: &handlers.FraudQueue{Fraud: svc.fraud}, Perm: identity.PermFraudReview}}},
		System:  system,
		Audit:   &handlers.AuditLog{Browser: trail.browser, Exporter: trail.exporter, Appended: appended, Sessions: ident},
		SignIn:  &handlers.SignIn{Identity: ident, Cookies: sessions},
		Account: &handlers.Account{Identity: ident, Cookies: sessions},
		Users:   &handlers.Users{Identity: ident},
		APIKeys: &handlers.APIKeys{Identity: ident},
		API:     &handlers.API{Browser: trail.browser, Checkpointer: trail.sequencer},
		Payments: &handlers.Payments{Payments: pay, Audit: trail.browser, Changed: paymentChanges, Sessions: ident,
			PublicURL: cfg.PublicURL},
		PaymentsAPI: &handlers.PaymentsAPI{Payments: pay, PublicURL: cfg.PublicURL},
		Pay:         &handlers.Pay{Payments: pay, PublishableKey: cfg.StripePublishableKey},
		Webhooks:    &handlers.StripeWebhooks{Payments: pay},
		ACH:         &handlers.ACH{ACH: achSvc, Audit: trail.browser, Screening: comp.screening, Changed: achChanges, Sessions: ident},
		ACHAPI:      &handlers.ACHAPI{ACH: achSvc},
		EscrowAPI:   &handlers.EscrowAPI{Escrow: svc.escrow},
		FraudAPI:    &handlers.FraudAPI{Fraud: svc.fraud},
		Fraud:       &handlers.Fraud{Fraud: svc.fraud, Payments: pay, Colleagues: ident, Audit: trail.browser, Changed: fraudChanges, Sessions: ident},
		Escrow:      &handlers.Escrow{Escrow: svc.escrow, Audit: trail.browser, Changed: escrowChanges, Sessions: ident},
		Cases:       &handlers.Cases{Cases: comp.cases, Screening: comp.screening, Audit: trail.browser},
		Incidents:   &handlers.Incidents{Incidents: svc.incidents, Audit: trail.browser, Changed: incidentChanges, Sessions: ident},
		Alerts:      &handlers.Alerts{Alerts: svc.alerts, Changed: alertChanges, Sessions: ident},
		PCI:         &handlers.PCI{PCI: svc.pci, Changed: pciChanges, Sessions: ident},
		PCIAPI:      &handlers.PCIAPI{PCI: svc.pci},
		Screening:   &handlers.Screening{Screening: comp.screening, Source: comp.source},
		Banners:     &handlers.AuditBanner{Results: postgres.AuditResults{DB: db.pool}, TTL: 5 * time.Second},
	})
	server.Register(postgres.PoolCollector(db.pool))

	err = server.Run(ctx, func(addr string) {
		svc.probe.listening(addr)
		log.Info("console ready", "url", "http://"+addr+"/", "admin", "http://"+cfg.AdminAddr+"/metrics", "database", db.source)
		fmt.Fprintf(stdout, "\n  Console ready: http://%s/\n  Health:        http://%s/readyz\n  Metrics:       http://%s/metrics\n  Database:      %s\n  Stop with Ctrl-C.\n\n",
			addr, addr, cfg.AdminAddr, db.source)
		if demo {
			if err := printDemoUsers(stdout, cfg.DataDir); err != nil {
				log.Error("reading the demo users", "error", err)
			}
		}
	})
	log.Info("console stopped")
	return err
}
