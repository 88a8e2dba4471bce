package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/postgres"
)

// seeder loads one area's demo data inside the shared transaction and says
// what it added. Each must be idempotent: seeding twice adds nothing.
type seeder struct {
	area string
	seed func(ctx context.Context, tx pgx.Tx) (added int, err error)
}

// seeders is every area's demo data, in dependency order. Areas add theirs
// here as they land.
var seeders []seeder

// seed loads all demo data in one transaction: all of it or none.
func seed(ctx context.Context, db *pgxpool.Pool, log *slog.Logger) error {
	return postgres.Transact(ctx, db, pgx.TxOptions{}, func(tx pgx.Tx) error {
		for _, s := range seeders {
			n, err := s.seed(ctx, tx)
			if err != nil {
				return fmt.Errorf("seed %s: %w", s.area, err)
			}
			log.Info("demo data", "area", s.area, "added", n)
		}
		return nil
	})
}

func seedOnly(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer) error {
	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.cleanup(context.WithoutCancel(ctx))
	if err := seed(ctx, db.pool, log); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo data loaded from %d areas\n", len(seeders))
	return nil
}
