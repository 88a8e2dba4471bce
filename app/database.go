package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/jobs"
	"github.com/paycompliance/console/migrations"
	"github.com/paycompliance/console/postgres"
)

// database is an open, migrated database and how to let it go.
type database struct {
	pool    *pgxpool.Pool
	source  string
	cleanup func(context.Context) error
}

// openDatabase finds (or starts) PostgreSQL, applies every migration, ours
// and River's, and opens the application's pool.
func openDatabase(ctx context.Context, cfg Config, log *slog.Logger) (*database, error) {
	opts := postgres.LocateOptions{
		URL: cfg.DatabaseURL, LocalAddr: cfg.PGLocalAddr, Database: cfg.PGDatabase,
		DataDir: cfg.DataDir, Logger: log,
	}
	if cfg.PGBinDir != "" {
		opts.BinDirs = []string{cfg.PGBinDir}
	}
	located, err := postgres.Locate(ctx, opts)
	if err != nil {
		return nil, err
	}
	var applied []postgres.Migration
	if cfg.MigrateOnStart {
		applied, err = migrate(ctx, located.URL)
	} else {
		err = requireCurrentSchema(ctx, located.URL)
	}
	if err != nil {
		located.Stop(context.WithoutCancel(ctx))
		return nil, err
	}
	pool, err := postgres.Connect(ctx, located.URL, int32(cfg.DBMaxConns), cfg.DBRole)
	if err != nil {
		located.Stop(context.WithoutCancel(ctx))
		return nil, err
	}
	db := &database{pool: pool, source: located.Source, cleanup: func(ctx context.Context) error {
		pool.Close()
		return located.Stop(ctx)
	}}
	for _, m := range applied {
		log.Info("migration applied", "version", m.Version, "name", m.Name)
	}
	return db, nil
}

// migrate applies our migrations and River's as the login role, which owns
// the schema, on a short-lived pool of its own.
func migrate(ctx context.Context, url string) ([]postgres.Migration, error) {
	owner, err := postgres.Connect(ctx, url, 2, "")
	if err != nil {
		return nil, err
	}
	defer owner.Close()
	applied, err := postgres.Migrate(ctx, owner, migrations.FS)
	if err == nil {
		err = jobs.Migrate(ctx, owner)
	}
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return applied, nil
}

// requireCurrentSchema refuses to start on a schema older than this binary.
func requireCurrentSchema(ctx context.Context, url string) error {
	pool, err := postgres.Connect(ctx, url, 1, "")
	if err != nil {
		return err
	}
	defer pool.Close()
	applied, latest, err := postgres.MigrationStatus(ctx, pool, migrations.FS)
	if err != nil {
		return err
	}
	if applied < latest {
		return fmt.Errorf("the schema is at version %d, this binary needs %d: run 'console migrate' as the schema owner (MIGRATE_ON_START=false)", applied, latest)
	}
	return nil
}

func migrateOnly(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer) error {
	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.cleanup(context.WithoutCancel(ctx))
	applied, latest, err := postgres.MigrationStatus(ctx, db.pool, migrations.FS)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database (%s) is at schema version %d of %d\n", db.source, applied, latest)
	return nil
}
