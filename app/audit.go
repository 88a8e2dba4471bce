package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/filesink"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/s3sink"
)

// auditTrail is the audit trail's parts, wired.
type auditTrail struct {
	ring      *keys.Keyring
	log       *audit.Log
	sequencer *postgres.AuditSequencer
	monitor   *audit.Monitor
	browser   *audit.Browser
	exporter  *audit.Exporter
	retention *audit.Retention
	store     postgres.AuditStore
}

// openCheckpointSink is where signed checkpoints are also kept: an S3
// bucket with Object Lock when configured, else a directory.
func openCheckpointSink(ctx context.Context, cfg Config) (audit.CheckpointSink, error) {
	if cfg.CheckpointS3Bucket == "" {
		return filesink.Dir{Path: cfg.AuditCheckpointDir}, nil
	}
	client, err := s3sink.NewClient(ctx, cfg.AWSRegion, cfg.S3Endpoint, cfg.S3UsePathStyle)
	if err != nil {
		return nil, err
	}
	return s3sink.New(client, s3sink.Config{Bucket: cfg.CheckpointS3Bucket, Prefix: cfg.CheckpointS3Prefix,
		Mode: cfg.CheckpointS3Mode, RetainFor: time.Duration(cfg.AuditRetentionMonths) * 31 * 24 * time.Hour})
}

func newAuditTrail(db *pgxpool.Pool, ring *keys.Keyring, sink audit.CheckpointSink, cfg Config, log *slog.Logger) *auditTrail {
	store := postgres.AuditStore{DB: db}
	auditLog := audit.NewLog(postgres.AuditOutbox{DB: db})
	return &auditTrail{
		ring:  ring,
		log:   auditLog,
		store: store,
		sequencer: &postgres.AuditSequencer{DB: db, Signer: ring, Sink: sink, Log: log,
			CheckpointEvery: cfg.AuditCheckpointEvery},
		browser:  &audit.Browser{Reader: store, Log: auditLog, Keys: ring},
		exporter: &audit.Exporter{Reader: store, Log: auditLog, Keys: ring, Now: time.Now},
		retention: &audit.Retention{Partitions: store, Log: auditLog, Tx: postgres.Transactor{DB: db},
			KeepMonths: cfg.AuditRetentionMonths},
		monitor: &audit.Monitor{Store: store, Sink: sink, Keys: ring, Results: postgres.AuditResults{DB: db},
			Log: auditLog, Tx: postgres.Transactor{DB: db}},
	}
}

// openTrail opens the database and keyring and wires the audit trail, for
// the subcommands that need it without serving.
func openTrail(ctx context.Context, cfg Config, log *slog.Logger) (*database, *auditTrail, error) {
	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return nil, nil, err
	}
	ring, _, err := openKeyring(ctx, cfg)
	if err != nil {
		db.cleanup(context.WithoutCancel(ctx))
		return nil, nil, err
	}
	sink, err := openCheckpointSink(ctx, cfg)
	if err != nil {
		db.cleanup(context.WithoutCancel(ctx))
		return nil, nil, err
	}
	return db, newAuditTrail(db.pool, ring, sink, cfg, log), nil
}

// checkpointAudit is `console audit checkpoint`: chain what is pending and
// sign a checkpoint of the head now, e.g. before handing over evidence.
func checkpointAudit(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer) error {
	db, trail, err := openTrail(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.cleanup(context.WithoutCancel(ctx))
	c, err := trail.sequencer.Checkpoint(ctx)
	if err != nil {
		return err
	}
	if c.Seq == 0 {
		fmt.Fprintln(stdout, "the audit log is empty: nothing to sign")
		return nil
	}
	fmt.Fprintf(stdout, "checkpoint at seq %d, head %x, signed %s by key %s\n", c.Seq, c.HeadHash[:], c.SignedAt.Format(time.RFC3339), c.Signature.KeyID)
	return nil
}

// verifyBundle is `console audit verify --bundle FILE`: an evidence bundle
// checked offline, with no database and no configuration.
func verifyBundle(ctx context.Context, path string, stdout io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	rep, err := audit.VerifyBundle(ctx, f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	fmt.Fprintf(stdout, "bundle covers entries %d to %d: %d entries shown, %d withheld as links, %d signed checkpoints\n",
		rep.From, rep.To, rep.Entries, rep.Links, rep.Checkpoints)
	fmt.Fprintln(stdout, "signed by (compare with the keys the operator publishes; a bundle cannot vouch for its own keys):")
	for _, k := range rep.Keys {
		fmt.Fprintf(stdout, "  %s\n", k)
	}
	if rep.OK() {
		fmt.Fprintln(stdout, "OK: every entry shown is authentic and in its place in the signed chain")
		return nil
	}
	for _, b := range rep.Breaks {
		fmt.Fprintf(stdout, "BROKEN %s\n", b)
	}
	return fmt.Errorf("bundle does not verify: first problem at seq %d (%s)", rep.Breaks[0].Seq, rep.Breaks[0].Kind)
}

// verifyAudit is `console audit verify [--from SEQ]`: a full verification,
// or one from a signed checkpoint, recorded like a scheduled one; exit
// status 1 when the chain is broken.
func verifyAudit(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer, from int64) error {
	db, trail, err := openTrail(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.cleanup(context.WithoutCancel(ctx))
	rep, err := trail.monitor.Verify(ctx, from)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "verified entries %d to %d (%d entries) against %d signed checkpoints\n",
		rep.From, rep.To, rep.Entries, rep.Checkpoints)
	if rep.OK() {
		fmt.Fprintln(stdout, "OK: the audit chain is intact")
		return nil
	}
	for _, b := range rep.Breaks {
		fmt.Fprintf(stdout, "BROKEN %s\n", b)
	}
	return fmt.Errorf("audit chain broken at seq %d (%s); %d problems listed above", rep.Breaks[0].Seq, rep.Breaks[0].Kind, len(rep.Breaks))
}
