package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paycompliance/console/domain/payments"
)

// Disputes and Radar reviews: what the processor opens against a payment.

const disputeColumns = `d.id, d.provider_id, d.payment_id, p.public_id, d.amount, d.currency, d.reason, d.status,
	d.evidence_due_by, d.opened_at, d.updated_at`

func scanDispute(row pgx.CollectableRow) (payments.Dispute, error) {
	var d payments.Dispute
	var currency string
	var due *time.Time
	err := row.Scan(&d.ID, &d.ProviderID, &d.PaymentID, &d.PaymentPublic, &d.Amount.Minor, &currency, &d.Reason, &d.Status,
		&due, &d.OpenedAt, &d.UpdatedAt)
	d.Amount, d.EvidenceDueBy = amountOf(d.Amount.Minor, currency), deref(due)
	return d, err
}

const disputesFrom = ` FROM disputes d JOIN payments p ON p.id = d.payment_id`

// Dispute implements payments.Store.
func (s PaymentStore) Dispute(ctx context.Context, providerID string, lock bool) (payments.Dispute, bool, error) {
	sql := `SELECT ` + disputeColumns + disputesFrom + ` WHERE d.provider_id = $1`
	if lock {
		sql += " FOR UPDATE OF d"
	}
	return one(ctx, Conn(ctx, s.DB), sql, scanDispute, providerID)
}

// SaveDispute implements payments.Store.
func (s PaymentStore) SaveDispute(ctx context.Context, d *payments.Dispute) error {
	return Conn(ctx, s.DB).QueryRow(ctx, `INSERT INTO disputes (provider_id, payment_id, amount, currency, reason, status,
		evidence_due_by, opened_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (provider_id) DO UPDATE SET amount = $3, currency = $4, reason = $5, status = $6, evidence_due_by = $7, updated_at = $9
		RETURNING id`, d.ProviderID, d.PaymentID, d.Amount.Minor, d.Amount.Currency, d.Reason, d.Status,
		optional(d.EvidenceDueBy), d.OpenedAt, d.UpdatedAt).Scan(&d.ID)
}

// ListDisputes implements payments.Store.
func (s PaymentStore) ListDisputes(ctx context.Context, q payments.ListQuery) ([]payments.Dispute, error) {
	w := where{}
	w.onlyIf(q.OpenOnly, "d.status NOT IN ('won', 'lost', 'warning_closed')")
	w.addIf(q.Before > 0, "d.id < ?", q.Before)
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+disputeColumns+disputesFrom+w.sql()+` ORDER BY d.id DESC`+w.limit(q.Limit), w.args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanDispute)
}

// PaymentDisputes implements payments.Store.
func (s PaymentStore) PaymentDisputes(ctx context.Context, paymentID int64) ([]payments.Dispute, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+disputeColumns+disputesFrom+` WHERE d.payment_id = $1 ORDER BY d.id`, paymentID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanDispute)
}

const reviewColumns = `v.id, v.provider_id, v.payment_id, p.public_id, v.reason, v.open, v.closed_reason, v.opened_at, v.updated_at`

const reviewsFrom = ` FROM radar_reviews v JOIN payments p ON p.id = v.payment_id`

func scanReview(row pgx.CollectableRow) (payments.Review, error) {
	return pgx.RowToStructByPos[payments.Review](row)
}

// Review implements payments.Store.
func (s PaymentStore) Review(ctx context.Context, providerID string, lock bool) (payments.Review, bool, error) {
	sql := `SELECT ` + reviewColumns + reviewsFrom + ` WHERE v.provider_id = $1`
	if lock {
		sql += " FOR UPDATE OF v"
	}
	return one(ctx, Conn(ctx, s.DB), sql, scanReview, providerID)
}

// SaveReview implements payments.Store.
func (s PaymentStore) SaveReview(ctx context.Context, r *payments.Review) error {
	return Conn(ctx, s.DB).QueryRow(ctx, `INSERT INTO radar_reviews (provider_id, payment_id, reason, open, closed_reason, opened_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (provider_id) DO UPDATE SET reason = $3, open = $4, closed_reason = $5, updated_at = $7 RETURNING id`,
		r.ProviderID, r.PaymentID, r.Reason, r.Open, r.ClosedReason, r.OpenedAt, r.UpdatedAt).Scan(&r.ID)
}

// ListReviews implements payments.Store.
func (s PaymentStore) ListReviews(ctx context.Context, q payments.ListQuery) ([]payments.Review, error) {
	w := where{}
	w.onlyIf(q.OpenOnly, "v.open")
	w.addIf(q.Before > 0, "v.id < ?", q.Before)
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+reviewColumns+reviewsFrom+w.sql()+` ORDER BY v.id DESC`+w.limit(q.Limit), w.args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanReview)
}

// PaymentReviews implements payments.Store.
func (s PaymentStore) PaymentReviews(ctx context.Context, paymentID int64) ([]payments.Review, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+reviewColumns+reviewsFrom+` WHERE v.payment_id = $1 ORDER BY v.id`, paymentID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanReview)
}

// Summary implements payments.Store: three counts off partial indexes.
func (s PaymentStore) Summary(ctx context.Context) (payments.Summary, error) {
	var sum payments.Summary
	var due *time.Time
	err := Conn(ctx, s.DB).QueryRow(ctx, `SELECT
		(SELECT count(*) FROM refunds WHERE status = 'awaiting_approval'),
		(SELECT count(*) FROM disputes WHERE status IN ('needs_response', 'warning_needs_response')),
		(SELECT min(evidence_due_by) FROM disputes WHERE status IN ('needs_response', 'warning_needs_response')),
		(SELECT count(*) FROM radar_reviews WHERE open)`).Scan(&sum.RefundsAwaitingApproval, &sum.DisputesNeedingResponse, &due, &sum.OpenReviews)
	sum.NextEvidenceDue = deref(due)
	return sum, err
}
