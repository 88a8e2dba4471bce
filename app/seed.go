package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/ach"
	"github.com/paycompliance/console/domain/escrow"
	"github.com/paycompliance/console/domain/fraud"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/payments"
)

// seedEnv is what seeders work with.
type seedEnv struct {
	db         *pgxpool.Pool
	trail      *auditTrail
	identity   *identity.Service
	payments   *payments.Service
	compliance *compliance
	ach        *ach.Service
	escrow     *escrow.Service
	fraud      *fraud.Service
	dataDir    string
	listDir    string // where the sanctions lists are loaded from
}

// seeder loads one area's demo data and says how much it added. Each must
// be idempotent: seeding twice adds nothing.
type seeder struct {
	area string
	seed func(ctx context.Context, env seedEnv) (added int, err error)
}

// seeders is every area's demo data, in dependency order; areas add theirs
// here as they land.
var seeders = []seeder{
	{"audit trail", seedAuditTrail},
	{"users", seedUsers},
	{"payments", seedPayments},
	{"sanctions lists", seedLists},
	{"ACH", seedACH},
	{"escrow", seedEscrow},
	{"fraud", seedFraud},
	{"incidents", seedIncidents},
	{"PCI DSS attestations", seedPCI},
}

func seed(ctx context.Context, env seedEnv, log *slog.Logger) error {
	for _, s := range seeders {
		n, err := s.seed(ctx, env)
		if err != nil {
			return fmt.Errorf("seed %s: %w", s.area, err)
		}
		log.Info("demo data", "area", s.area, "added", n)
	}
	return nil
}

// seedOnly loads the demo data, or with flags `--scale S` the large
// dataset around it (see seedLarge).
func seedOnly(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer, flags []string) error {
	scale := 0.0
	if len(flags) == 2 && flags[0] == "--scale" {
		var err error
		if scale, err = parseScale(flags[1]); err != nil {
			return err
		}
	}
	db, trail, err := openTrail(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.cleanup(context.WithoutCancel(ctx))
	svc, stop, err := newServices(ctx, cfg, db, trail, log)
	if err != nil {
		return err
	}
	defer stop()
	env := svc.seedEnv(db, trail, cfg)
	if scale > 0 {
		err = seedLarge(ctx, env, scale, log, stdout)
	} else {
		err = seed(ctx, env, log)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo data loaded for %d areas\n", len(seeders))
	return printDemoUsers(stdout, cfg.DataDir)
}
