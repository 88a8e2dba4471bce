package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/identity"
)

// Idempotency implements identity.IdempotencyStore on api_idempotency.
type Idempotency struct {
	DB *pgxpool.Pool
}

var _ identity.IdempotencyStore = Idempotency{}

// Claim implements identity.IdempotencyStore. Expired and abandoned records are
// cleared first; then the insert either claims the key or, losing a race
// or meeting a live record, the record is read back.
func (s Idempotency) Claim(ctx context.Context, keyID int64, key string, requestHash []byte, now time.Time) (identity.StoredResponse, bool, error) {
	var prior identity.StoredResponse
	var claimed bool
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM api_idempotency WHERE api_key_id = $1 AND idempotency_key = $2
			AND (created_at <= $3 OR (status IS NULL AND created_at <= $4))`, keyID, key, now.Add(-identity.IdempotencyTTL), now.Add(-identity.IdempotencyStale)); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO api_idempotency (api_key_id, idempotency_key, request_hash, created_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, keyID, key, requestHash, now)
		if err != nil || tag.RowsAffected() == 1 {
			claimed = err == nil
			return err
		}
		var status *int
		err = tx.QueryRow(ctx, `SELECT request_hash, status, content_type, coalesce(body, '') FROM api_idempotency
			WHERE api_key_id = $1 AND idempotency_key = $2`, keyID, key).Scan(&prior.RequestHash, &status, &prior.ContentType, &prior.Body)
		if status != nil {
			prior.Status = *status
		}
		return err
	})
	return prior, claimed, err
}

// Complete implements identity.IdempotencyStore.
func (s Idempotency) Complete(ctx context.Context, keyID int64, key string, r identity.StoredResponse) error {
	_, err := s.DB.Exec(ctx, `UPDATE api_idempotency SET status = $3, content_type = $4, body = $5
		WHERE api_key_id = $1 AND idempotency_key = $2`, keyID, key, r.Status, r.ContentType, r.Body)
	return err
}

// Release implements identity.IdempotencyStore.
func (s Idempotency) Release(ctx context.Context, keyID int64, key string) error {
	_, err := s.DB.Exec(ctx, `DELETE FROM api_idempotency WHERE api_key_id = $1 AND idempotency_key = $2 AND status IS NULL`, keyID, key)
	return err
}

// Purge deletes records past IdempotencyTTL.
func (s Idempotency) Purge(ctx context.Context) (int64, error) {
	tag, err := s.DB.Exec(ctx, `DELETE FROM api_idempotency WHERE created_at <= $1`, time.Now().Add(-identity.IdempotencyTTL))
	return tag.RowsAffected(), err
}
