package pgtest

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// FraudCustomers is how many customers SeedFraudHistory spreads its events
// over: customer c has cards fp-c and fp-(c+FraudCustomers), device dev-c
// and email c<c>@example.com.
const FraudCustomers = 100_000

// SeedFraudHistory writes n past decisions for the fraud benchmarks with
// one INSERT … SELECT, over the last 90 days, then vacuums (as autovacuum
// would have by then: statistics, and the visibility map that lets the
// velocity scans read their index only). owner is the schema's owner.
func SeedFraudHistory(ctx context.Context, owner *pgxpool.Pool, n int) error {
	if _, err := owner.Exec(ctx, `INSERT INTO fraud_decisions (event_type, event_ref, customer, amount, currency, card, ip,
		device, email, country, card_country, radar_score, occurred_at, score, level, verdict, contributions, rules, features, rule_version, decided_at)
		SELECT 'card_payment', 'hist-' || g, 'cus-' || (g % $2), 1000 + (g::bigint * 7919) % 50000, 'USD', 'fp-' || (g % ($2 * 2)),
			'10.' || (g % 200) || '.' || (g / 200 % 250) || '.1', 'dev-' || (g % ($2 + 20000)), 'c' || (g % $2) || '@example.com',
			'US', 'US', g % 100, now() - (g % 7776000) * interval '1 second', g % 400, 'low', 'allow', '[]', '{}', '{}', 1,
			now() - (g % 7776000) * interval '1 second'
		FROM generate_series(1, $1) g`, n, FraudCustomers); err != nil {
		return err
	}
	_, err := owner.Exec(ctx, `VACUUM ANALYZE fraud_decisions`)
	return err
}

// SeedFraudCases writes n open review cases and their decisions, scores
// spread over the review and block band, one in ten claimed by one of
// seven reviewers rev-0 … rev-6, then vacuums.
func SeedFraudCases(ctx context.Context, owner *pgxpool.Pool, n int) error {
	if _, err := owner.Exec(ctx, `INSERT INTO fraud_decisions (event_type, event_ref, customer, amount, currency, card, device, radar_score,
		occurred_at, score, level, verdict, contributions, rules, features, rule_version, decided_at)
		SELECT 'card_payment', 'case-' || g, 'cus-' || (g % 50000), 5000, 'USD', 'fp-' || (g % 80000), 'dev-' || (g % 60000), 80,
			now() - (g % 604800) * interval '1 second', 550 + g % 450, CASE WHEN g % 450 >= 250 THEN 'critical' ELSE 'high' END,
			CASE WHEN g % 450 >= 250 THEN 'block' ELSE 'review' END, '[]', '{radar}', '{}', 1, now() - (g % 604800) * interval '1 second'
		FROM generate_series(1, $1) g`, n); err != nil {
		return err
	}
	if _, err := owner.Exec(ctx, `INSERT INTO fraud_cases (decision_id, subject, customer, amount, currency, score, level, verdict, status,
		assignee, claimed_at, opened_at, due_at, card, device)
		SELECT id, 'card_payment:' || event_ref, customer, amount, currency, score, level, verdict,
			CASE WHEN id % 10 = 0 THEN 'in_review' ELSE 'open' END, CASE WHEN id % 10 = 0 THEN 'rev-' || (id % 7) ELSE '' END,
			CASE WHEN id % 10 = 0 THEN decided_at END, decided_at, decided_at + interval '4 hours', card, device
		FROM fraud_decisions WHERE event_ref LIKE 'case-%'`); err != nil {
		return err
	}
	_, err := owner.Exec(ctx, `VACUUM ANALYZE fraud_decisions, fraud_cases`)
	return err
}

// BenchSize is the size a benchmark's environment variable name asks for,
// or def when unset.
func BenchSize(tb testing.TB, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		tb.Fatalf("%s=%q is not a size", name, s)
	}
	return n
}

// ReportLatency reports the p50 and p99 of took and, given the wall time
// they took together, the operations per second.
func ReportLatency(b *testing.B, took []time.Duration, elapsed time.Duration) {
	b.StopTimer()
	if len(took) == 0 {
		return
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*50/100].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	if elapsed > 0 {
		b.ReportMetric(float64(len(took))/elapsed.Seconds(), "ops/s")
	}
}
