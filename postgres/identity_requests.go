package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/identity"
)

const requestColumns = `r.id, r.kind, r.user_id, r.role, r.reason, r.requested_by, r.requested_at, r.expires_at,
	r.status, coalesce(r.decided_by, 0), r.decided_at, u.username, rb.username, coalesce(db.username, '')`

const requestFrom = ` FROM access_requests r JOIN users u ON u.id = r.user_id JOIN users rb ON rb.id = r.requested_by
	LEFT JOIN users db ON db.id = r.decided_by`

func scanRequest(row pgx.CollectableRow) (identity.AccessRequest, error) {
	var r identity.AccessRequest
	var decided *time.Time
	err := row.Scan(&r.ID, &r.Kind, &r.UserID, &r.Role, &r.Reason, &r.RequestedBy, &r.RequestedAt, &r.ExpiresAt,
		&r.Status, &r.DecidedBy, &decided, &r.Username, &r.RequestedByName, &r.DecidedByName)
	r.DecidedAt = deref(decided)
	return r, err
}

// CreateRequest implements identity.RequestStore.
func (s IdentityStore) CreateRequest(ctx context.Context, r *identity.AccessRequest) error {
	err := Conn(ctx, s.DB).QueryRow(ctx, `INSERT INTO access_requests (kind, user_id, role, reason, requested_by,
		requested_at, expires_at, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		string(r.Kind), r.UserID, string(r.Role), r.Reason, r.RequestedBy, r.RequestedAt, r.ExpiresAt, string(r.Status)).Scan(&r.ID)
	if isUniqueViolation(err) {
		return domain.Errorf(domain.ECONFLICT, "The same request is already waiting for approval.")
	}
	return err
}

// Request implements identity.RequestStore.
func (s IdentityStore) Request(ctx context.Context, id int64, forUpdate bool) (identity.AccessRequest, bool, error) {
	lock := ""
	if forUpdate {
		lock = " FOR UPDATE OF r"
	}
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+requestColumns+requestFrom+` WHERE r.id = $1`+lock, id)
	if err != nil {
		return identity.AccessRequest{}, false, err
	}
	r, err := pgx.CollectOneRow(rows, scanRequest)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, false, nil
	}
	return r, err == nil, err
}

// DecideRequest implements identity.RequestStore.
func (s IdentityStore) DecideRequest(ctx context.Context, id int64, status identity.RequestStatus, by int64, at time.Time) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE access_requests SET status = $2, decided_by = $3, decided_at = $4
		WHERE id = $1 AND status = 'pending'`, id, string(status), by, at)
	return err
}

// ListRequests implements identity.RequestStore: newest first.
func (s IdentityStore) ListRequests(ctx context.Context, q identity.RequestQuery) ([]identity.AccessRequest, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+requestColumns+requestFrom+`
		WHERE ($1 = '' OR r.status = $1) AND ($2 = 0 OR r.user_id = $2) ORDER BY r.id DESC LIMIT $3`,
		string(q.Status), q.UserID, q.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanRequest)
}
