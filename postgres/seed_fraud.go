package postgres

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
)

// FraudCustomers is how many customers SeedFraudHistory spreads its events
// over: customer c has cards fp-c and fp-(c+FraudCustomers), device dev-c
// and email c<c>@example.com.
const FraudCustomers = 100_000

// SeedFraudHistory writes n past decisions with one INSERT … SELECT, over
// the last 90 days, then vacuums (as autovacuum would have by then:
// statistics, and the visibility map that lets the velocity scans read
// their index only), for the benchmarks and the large demo dataset. owner
// is the schema's owner.
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
