package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paycompliance/console/domain/payments"
)

// InsertEvent implements payments.Store.
func (s PaymentStore) InsertEvent(ctx context.Context, e payments.StoredEvent) (bool, error) {
	tag, err := Conn(ctx, s.DB).Exec(ctx, `INSERT INTO stripe_events (id, type, created, livemode, payload, received_at, state)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
		e.ID, e.Type, e.Created, e.Livemode, e.Payload, e.ReceivedAt, e.State)
	return tag.RowsAffected() == 1, err
}

const eventColumns = `id, type, created, livemode, payload, received_at, state, note, coalesce(payment_id, 0)`

func scanEvent(row pgx.CollectableRow) (payments.StoredEvent, error) {
	var e payments.StoredEvent
	err := row.Scan(&e.ID, &e.Type, &e.Created, &e.Livemode, &e.Payload, &e.ReceivedAt, &e.State, &e.Note, &e.PaymentID)
	return e, err
}

// Event implements payments.Store.
func (s PaymentStore) Event(ctx context.Context, id string, lock bool) (payments.StoredEvent, bool, error) {
	sql := `SELECT ` + eventColumns + ` FROM stripe_events WHERE id = $1`
	if lock {
		sql += " FOR UPDATE"
	}
	return one(ctx, Conn(ctx, s.DB), sql, scanEvent, id)
}

// FinishEvent implements payments.Store.
func (s PaymentStore) FinishEvent(ctx context.Context, id string, state payments.EventState, note string, paymentID int64, at time.Time) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE stripe_events SET state = $2, note = $3, payment_id = nullif($4, 0),
		finished_at = $5, payload = NULL WHERE id = $1`, id, state, note, paymentID, at)
	return err
}

// PaymentEvents implements payments.Store.
func (s PaymentStore) PaymentEvents(ctx context.Context, paymentID int64) ([]payments.StoredEvent, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+eventColumns+` FROM stripe_events WHERE payment_id = $1 ORDER BY created, received_at`, paymentID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanEvent)
}

// CatchUpCursor implements payments.Store.
func (s PaymentStore) CatchUpCursor(ctx context.Context) (time.Time, bool, error) {
	var until time.Time
	err := Conn(ctx, s.DB).QueryRow(ctx, `SELECT listed_until FROM stripe_events_catchup`).Scan(&until)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, false, nil
	}
	return until, err == nil, err
}

// SetCatchUpCursor implements payments.Store. The cursor never moves back:
// a slow run that ends after a later one started leaves the later's.
func (s PaymentStore) SetCatchUpCursor(ctx context.Context, listedUntil, ranAt time.Time) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `INSERT INTO stripe_events_catchup (listed_until, ran_at) VALUES ($1, $2)
		ON CONFLICT (singleton) DO UPDATE SET ran_at = excluded.ran_at,
			listed_until = greatest(stripe_events_catchup.listed_until, excluded.listed_until)`, listedUntil, ranAt)
	return err
}
