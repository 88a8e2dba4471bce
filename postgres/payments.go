package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/payments"
)

// PaymentsChannel is notified with a payment's public id whenever it
// changes, when the change commits: live views on every instance refresh.
const PaymentsChannel = "payments_changed"

// PaymentStore implements payments.Store.
type PaymentStore struct {
	DB *pgxpool.Pool
}

var _ payments.Store = PaymentStore{}

// holdingRefunds are the refund statuses that hold part of a payment.
const holdingRefunds = `status NOT IN ('rejected', 'failed', 'canceled')`

const paymentColumns = `p.id, p.public_id, p.intent_id, p.amount, p.currency, p.customer_ref, p.description, p.metadata,
	p.status, p.status_at, p.failure_code, p.failure_message,
	p.card_brand, p.card_last4, p.card_country, p.card_wallet, p.card_fingerprint,
	p.risk_level, p.risk_score, p.risk_reason, p.risk_message, p.risk_at,
	(SELECT coalesce(sum(r.amount), 0) FROM refunds r WHERE r.payment_id = p.id AND r.` + holdingRefunds + `),
	p.livemode, p.created_at, p.created_by`

func scanPayment(row pgx.CollectableRow) (payments.Payment, error) {
	var p payments.Payment
	var metadata []byte
	var riskAt *time.Time
	err := row.Scan(&p.ID, &p.PublicID, &p.IntentID, &p.Amount.Minor, &p.Amount.Currency, &p.CustomerRef, &p.Description, &metadata,
		&p.Status, &p.StatusAt, &p.FailureCode, &p.FailureMessage,
		&p.Card.Brand, &p.Card.Last4, &p.Card.Country, &p.Card.Wallet, &p.Card.Fingerprint,
		&p.Risk.Level, &p.Risk.Score, &p.Risk.Reason, &p.Risk.Message, &riskAt,
		&p.Refunded, &p.Livemode, &p.CreatedAt, &p.CreatedBy)
	if err == nil && len(metadata) > 2 {
		err = json.Unmarshal(metadata, &p.Metadata)
	}
	p.RiskAt = deref(riskAt)
	return p, err
}

// onePayment reads the payment matching where. To lock it, the row is
// locked by a statement of its own first: under READ COMMITTED the next
// statement then sees what the transaction that held the lock committed
// (the refunds it added), where a locking read's subqueries would not.
func (s PaymentStore) onePayment(ctx context.Context, lock bool, where string, args ...any) (payments.Payment, bool, error) {
	db := Conn(ctx, s.DB)
	if lock {
		if _, err := db.Exec(ctx, `SELECT 1 FROM payments p WHERE `+where+` FOR UPDATE`, args...); err != nil {
			return payments.Payment{}, false, err
		}
	}
	return one(ctx, db, `SELECT `+paymentColumns+` FROM payments p WHERE `+where, scanPayment, args...)
}

// one runs a query for at most one row; false when there is none.
func one[T any](ctx context.Context, db DBTX, sql string, scan pgx.RowToFunc[T], args ...any) (T, bool, error) {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		var zero T
		return zero, false, err
	}
	v, err := pgx.CollectOneRow(rows, scan)
	if errors.Is(err, pgx.ErrNoRows) {
		return v, false, nil
	}
	return v, err == nil, err
}

// InsertPayment implements payments.Store.
// Its unique keys all derive from the request reference, so a conflict on
// any of them (two racing retries) means the same request: nothing inserted.
func (s PaymentStore) InsertPayment(ctx context.Context, p *payments.Payment, requestRef string, clientSecret []byte) (bool, error) {
	metadata, err := json.Marshal(p.Metadata)
	if err != nil {
		return false, err
	}
	err = Conn(ctx, s.DB).QueryRow(ctx, `INSERT INTO payments (public_id, request_ref, intent_id, amount, currency, customer_ref,
		description, metadata, status, status_at, client_secret, livemode, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT DO NOTHING RETURNING id`,
		p.PublicID, requestRef, p.IntentID, p.Amount.Minor, p.Amount.Currency, p.CustomerRef, p.Description, metadata,
		p.Status, p.StatusAt, clientSecret, p.Livemode, p.CreatedAt, p.CreatedBy).Scan(&p.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// PaymentByRef implements payments.Store.
func (s PaymentStore) PaymentByRef(ctx context.Context, ref string) (payments.Payment, bool, error) {
	return s.onePayment(ctx, false, `p.request_ref = $1`, ref)
}

// Payment implements payments.Store.
func (s PaymentStore) Payment(ctx context.Context, publicID string, lock bool) (payments.Payment, bool, error) {
	return s.onePayment(ctx, lock, `p.public_id = $1`, publicID)
}

// PaymentByIntent implements payments.Store.
func (s PaymentStore) PaymentByIntent(ctx context.Context, intentID string, lock bool) (payments.Payment, bool, error) {
	return s.onePayment(ctx, lock, `p.intent_id = $1`, intentID)
}

// ClientSecret implements payments.Store.
func (s PaymentStore) ClientSecret(ctx context.Context, paymentID int64) ([]byte, error) {
	var ct []byte
	err := Conn(ctx, s.DB).QueryRow(ctx, `SELECT client_secret FROM payments WHERE id = $1`, paymentID).Scan(&ct)
	return ct, err
}

// UpdatePayment implements payments.Store.
func (s PaymentStore) UpdatePayment(ctx context.Context, p payments.Payment) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE payments SET status = $2, status_at = $3, failure_code = $4, failure_message = $5,
		card_brand = $6, card_last4 = $7, card_country = $8, card_wallet = $9, card_fingerprint = $10,
		risk_level = $11, risk_score = $12, risk_reason = $13, risk_message = $14, risk_at = $15 WHERE id = $1`,
		p.ID, p.Status, p.StatusAt, p.FailureCode, p.FailureMessage,
		p.Card.Brand, p.Card.Last4, p.Card.Country, p.Card.Wallet, p.Card.Fingerprint,
		p.Risk.Level, p.Risk.Score, p.Risk.Reason, p.Risk.Message, optional(p.RiskAt))
	return err
}

// AddHistory implements payments.Store.
func (s PaymentStore) AddHistory(ctx context.Context, paymentID int64, h payments.HistoryEntry) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `INSERT INTO payment_history (payment_id, status, at, source) VALUES ($1, $2, $3, $4)`,
		paymentID, h.Status, h.At, h.Source)
	return err
}

// History implements payments.Store.
func (s PaymentStore) History(ctx context.Context, paymentID int64) ([]payments.HistoryEntry, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT status, at, source FROM payment_history WHERE payment_id = $1 ORDER BY id`, paymentID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[payments.HistoryEntry])
}

// ListPayments implements payments.Store. Only the filters that are set
// become predicates, so each query can walk the index for its filter.
func (s PaymentStore) ListPayments(ctx context.Context, q payments.Query) ([]payments.Payment, error) {
	w := where{}
	w.addIf(q.Status != "", "p.status = ?", q.Status)
	w.addIf(q.RiskLevel != "", "p.risk_level = ?", q.RiskLevel)
	w.addIf(q.Customer != "", "p.customer_ref = ?", q.Customer)
	w.addIf(q.Currency != "", "p.currency = ?", q.Currency)
	w.addIf(q.MinAmount > 0, "p.amount >= ?", q.MinAmount)
	w.addIf(q.MaxAmount > 0, "p.amount <= ?", q.MaxAmount)
	w.addIf(!q.From.IsZero(), "p.created_at >= ?", q.From)
	w.addIf(!q.To.IsZero(), "p.created_at < ?", q.To)
	w.addIf(q.After != "", "(p.created_at, p.id) < (SELECT created_at, id FROM payments WHERE public_id = ?)", q.After)
	sql := `SELECT ` + paymentColumns + ` FROM payments p` + w.sql() + ` ORDER BY p.created_at DESC, p.id DESC` + w.limit(q.Limit)
	rows, err := Conn(ctx, s.DB).Query(ctx, sql, w.args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanPayment)
}

// Changed implements payments.Store.
func (s PaymentStore) Changed(ctx context.Context, publicID string) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `SELECT pg_notify($1, $2)`, PaymentsChannel, publicID)
	return err
}

func amountOf(minor int64, currency string) money.Amount {
	return money.Amount{Minor: minor, Currency: money.Currency(currency)}
}
