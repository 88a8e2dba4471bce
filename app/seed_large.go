package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/postgres"
)

// largeSizes is the large dataset at scale 1 (`console seed --scale
// large`), for load tests: about what an established merchant's console
// holds after SeedMonths months.
var largeSizes = struct {
	audit, payments, fraud, fraudCases, parties, transfers, escrows int
}{
	audit: 10_000_000, payments: 1_000_000, fraud: 3_000_000, fraudCases: 3_000,
	parties: 100_000, transfers: 200_000, escrows: 2_000,
}

// parseScale reads --scale's value: "large" is 1, otherwise a positive
// factor of it (0.001 for tests).
func parseScale(s string) (float64, error) {
	if s == "large" {
		return 1, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || f > 10 {
		return 0, fmt.Errorf("--scale takes \"large\" or a factor of it above 0 and at most 10, not %q", s)
	}
	return f, nil
}

// seedLarge loads the demo data and, around it, the large dataset at the
// given scale: the audit history first (the demo's own trail is then left
// out), then the demo's areas, then the bulk rows, some of which copy the
// demo's. It refuses a database that has either already.
func seedLarge(ctx context.Context, env seedEnv, scale float64, log *slog.Logger, out io.Writer) error {
	owner, err := postgres.Connect(ctx, env.db.Config().ConnString(), 2, "")
	if err != nil {
		return err
	}
	defer owner.Close()
	head, _, err := env.trail.store.Head(ctx)
	if err != nil {
		return err
	}
	seeded, err := postgres.SeededAlready(ctx, owner)
	if err != nil {
		return err
	}
	if seeded || head > 0 {
		return errors.New("seed --scale loads a new database only: this one has data already (run it once, on an empty database)")
	}
	size := func(n int) int { return max(1, int(float64(n)*scale)) }
	began := time.Now()
	step := func(what string, rows int, run func() error) error {
		at := time.Now()
		fmt.Fprintf(out, "large dataset: %s (%d)…\n", what, rows)
		if err := run(); err != nil {
			return fmt.Errorf("seed %s: %w", what, err)
		}
		fmt.Fprintf(out, "large dataset: %s done in %s\n", what, time.Since(at).Round(10*time.Millisecond))
		return nil
	}
	n := size(largeSizes.audit)
	err = step("audit entries", n, func() error {
		if err := postgres.SeedAuditPartitions(ctx, owner); err != nil {
			return err
		}
		return importAuditHistory(ctx, env, n, postgres.SeedMonths*30*24*time.Hour, func(i int) {
			if i > 0 {
				fmt.Fprintf(out, "large dataset: audit entries %d of %d, %s\n", i, n, time.Since(began).Round(time.Second))
			}
		})
	})
	if err != nil {
		return err
	}
	if err := step("demo data", len(seeders), func() error { return seed(ctx, env, log) }); err != nil {
		return err
	}
	cases := size(largeSizes.fraudCases)
	for _, s := range []struct {
		what string
		n    int
		run  func(context.Context, *pgxpool.Pool, int) error
	}{
		{"payments", size(largeSizes.payments), postgres.SeedPayments},
		{"fraud decisions", max(1, size(largeSizes.fraud)-cases), postgres.SeedFraudHistory},
		{"open fraud cases", cases, postgres.SeedFraudCases},
		{"screening parties", size(largeSizes.parties), postgres.SeedScreeningParties},
		{"ACH transfers", size(largeSizes.transfers), postgres.SeedACH},
		{"escrows", size(largeSizes.escrows), postgres.SeedEscrows},
	} {
		if err := step(s.what, s.n, func() error { return s.run(ctx, owner, s.n) }); err != nil {
			return err
		}
	}
	if _, err := owner.Exec(ctx, `VACUUM ANALYZE audit_log`); err != nil {
		return err
	}
	if _, err := env.trail.sequencer.Checkpoint(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "large dataset (scale %g) loaded in %s\n", scale, time.Since(began).Round(time.Second))
	return nil
}
