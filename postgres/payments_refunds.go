package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/paycompliance/console/domain"

	"github.com/paycompliance/console/domain/payments"
)

const refundColumns = `r.id, r.payment_id, p.public_id, coalesce(r.provider_id, ''), r.amount, r.currency, r.reason,
	r.status, r.status_at, r.failure_reason, r.requested_by, r.decided_by, coalesce(r.request_ref, ''), r.created_at`

func scanRefund(row pgx.CollectableRow) (payments.Refund, error) {
	var r payments.Refund
	var currency string
	err := row.Scan(&r.ID, &r.PaymentID, &r.PaymentPublic, &r.ProviderID, &r.Amount.Minor, &currency, &r.Reason,
		&r.Status, &r.StatusAt, &r.FailureReason, &r.RequestedBy, &r.DecidedBy, &r.RequestRef, &r.CreatedAt)
	r.Amount = amountOf(r.Amount.Minor, currency)
	return r, err
}

func (s PaymentStore) refunds(ctx context.Context, where string, args ...any) ([]payments.Refund, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+refundColumns+` FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanRefund)
}

func (s PaymentStore) oneRefund(ctx context.Context, where string, lock bool, args ...any) (payments.Refund, bool, error) {
	if lock {
		where += " FOR UPDATE OF r"
	}
	return one(ctx, Conn(ctx, s.DB), `SELECT `+refundColumns+` FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE `+where, scanRefund, args...)
}

// InsertRefund implements payments.Store.
func (s PaymentStore) InsertRefund(ctx context.Context, r *payments.Refund) error {
	err := Conn(ctx, s.DB).QueryRow(ctx, `INSERT INTO refunds (payment_id, provider_id, amount, currency, reason, status, status_at,
		failure_reason, requested_by, decided_by, request_ref, created_at)
		VALUES ($1, nullif($2, ''), $3, $4, $5, $6, $7, $8, $9, $10, nullif($11, ''), $12) RETURNING id`,
		r.PaymentID, r.ProviderID, r.Amount.Minor, r.Amount.Currency, r.Reason, r.Status, r.StatusAt, r.FailureReason,
		r.RequestedBy, r.DecidedBy, r.RequestRef, r.CreatedAt).Scan(&r.ID)
	return refundConflict(err)
}

// refundConflict turns the database's refusals of a refund into the
// caller's: its request ref taken, or the payment over-refunded.
func refundConflict(err error) error {
	var pgErr *pgconn.PgError
	switch {
	case !errors.As(err, &pgErr):
		return err
	case pgErr.Code == "23505":
		return domain.Errorf(domain.ECONFLICT, "A refund was asked for under this request already.")
	case pgErr.Code == "23514" && pgErr.ConstraintName == "refunds_within_amount":
		return domain.Errorf(domain.ECONFLICT, "Refunds would add up to more than the payment.")
	}
	return err
}

// RefundByRef implements payments.Store.
func (s PaymentStore) RefundByRef(ctx context.Context, ref string) (payments.Refund, bool, error) {
	return s.oneRefund(ctx, "r.request_ref = $1", false, ref)
}

// Refund implements payments.Store.
func (s PaymentStore) Refund(ctx context.Context, id int64, lock bool) (payments.Refund, bool, error) {
	return s.oneRefund(ctx, "r.id = $1", lock, id)
}

// RefundByProviderID implements payments.Store.
func (s PaymentStore) RefundByProviderID(ctx context.Context, providerID string, lock bool) (payments.Refund, bool, error) {
	return s.oneRefund(ctx, "r.provider_id = $1", lock, providerID)
}

// UpdateRefund implements payments.Store.
func (s PaymentStore) UpdateRefund(ctx context.Context, r payments.Refund) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE refunds SET provider_id = nullif($2, ''), status = $3, status_at = $4,
		failure_reason = $5, decided_by = $6 WHERE id = $1`, r.ID, r.ProviderID, r.Status, r.StatusAt, r.FailureReason, r.DecidedBy)
	return refundConflict(err)
}

// Refunds implements payments.Store.
func (s PaymentStore) Refunds(ctx context.Context, paymentID int64) ([]payments.Refund, error) {
	return s.refunds(ctx, "r.payment_id = $1 ORDER BY r.id", paymentID)
}

// RefundsAwaitingApproval implements payments.Store.
func (s PaymentStore) RefundsAwaitingApproval(ctx context.Context, limit int) ([]payments.Refund, error) {
	return s.refunds(ctx, "r.status = 'awaiting_approval' ORDER BY r.created_at LIMIT $1", limit)
}
