package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/aml"
)

// AMLStore implements aml.Store and aml.Activity: what the monitor reads
// is the console's own payments (USD), refunds and ACH transfers.
type AMLStore struct {
	DB *pgxpool.Pool
}

var (
	_ aml.Store    = AMLStore{}
	_ aml.Activity = AMLStore{}
)

// Raise implements aml.Store: a finding whose transactions overlap an
// earlier one's of the same rule (a structuring window sliding on, money
// out counted against two payments in) is that one again.
func (s AMLStore) Raise(ctx context.Context, f aml.Finding, at time.Time) (bool, error) {
	tag, err := Conn(ctx, s.DB).Exec(ctx, `INSERT INTO aml_alerts (rule, customer, window_key, summary, total, refs, raised_at)
		SELECT $1, $2, $3, $4, $5, $6, $7 WHERE NOT EXISTS (SELECT 1 FROM aml_alerts WHERE rule = $1 AND customer = $2 AND refs && $6)
		ON CONFLICT DO NOTHING`, f.Rule, f.Customer, f.Window, f.Summary, f.Total, f.Refs, at)
	return tag.RowsAffected() == 1, err
}

// Linked implements aml.Store.
func (s AMLStore) Linked(ctx context.Context, f aml.Finding, caseID int64) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE aml_alerts SET case_id = $4 WHERE rule = $1 AND customer = $2 AND window_key = $3`,
		f.Rule, f.Customer, f.Window, caseID)
	return err
}

// movements is every money movement with a customer: succeeded card
// payments in, refunds out, ACH debits in and credits out (not canceled
// or returned), in US cents.
const movements = `
	SELECT customer_ref, public_id, 'card', 'in', amount, status_at FROM payments WHERE status = 'succeeded' AND currency = 'USD'
	UNION ALL
	SELECT p.customer_ref, p.public_id, 'card', 'out', r.amount, r.status_at FROM refunds r JOIN payments p ON p.id = r.payment_id
		WHERE r.status = 'succeeded' AND r.currency = 'USD'
	UNION ALL
	SELECT customer_ref, public_id, 'ach', CASE direction WHEN 'debit' THEN 'in' ELSE 'out' END, amount, created_at FROM ach_transfers
		WHERE purpose = 'payment' AND status NOT IN ('canceled', 'returned')`

// ActiveCustomers implements aml.Activity.
func (s AMLStore) ActiveCustomers(ctx context.Context, since time.Time) ([]string, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT DISTINCT customer_ref FROM (`+movements+`) m(customer_ref, ref, rail, dir, amount, at)
		WHERE at >= $1 ORDER BY 1`, since)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// History implements aml.Activity.
func (s AMLStore) History(ctx context.Context, customer string, since time.Time) ([]aml.Txn, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT customer_ref, ref, rail, dir, amount, at FROM (`+movements+`) m(customer_ref, ref, rail, dir, amount, at)
		WHERE customer_ref = $1 AND at >= $2 ORDER BY at`, customer, since)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[aml.Txn])
}
