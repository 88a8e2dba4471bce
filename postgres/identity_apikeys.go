package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paycompliance/console/domain/identity"
)

const apiKeyColumns = `k.id, k.prefix, k.secret_hash, k.name, k.scopes, k.created_by, u.username, k.created_at,
	k.expires_at, k.revoked_at, k.last_used_at`

func scanAPIKey(row pgx.CollectableRow) (identity.APIKey, error) {
	var k identity.APIKey
	var scopes []string
	var revoked, used *time.Time
	err := row.Scan(&k.ID, &k.Prefix, &k.SecretHash, &k.Name, &scopes, &k.CreatedBy, &k.CreatedByName, &k.CreatedAt,
		&k.ExpiresAt, &revoked, &used)
	k.RevokedAt, k.LastUsedAt = deref(revoked), deref(used)
	for _, s := range scopes {
		k.Scopes = append(k.Scopes, identity.Permission(s))
	}
	return k, err
}

func (s IdentityStore) oneAPIKey(ctx context.Context, where string, arg any) (identity.APIKey, bool, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys k JOIN users u ON u.id = k.created_by WHERE `+where, arg)
	if err != nil {
		return identity.APIKey{}, false, err
	}
	k, err := pgx.CollectOneRow(rows, scanAPIKey)
	if errors.Is(err, pgx.ErrNoRows) {
		return k, false, nil
	}
	return k, err == nil, err
}

// CreateAPIKey implements identity.APIKeyStore.
func (s IdentityStore) CreateAPIKey(ctx context.Context, k *identity.APIKey) error {
	scopes := make([]string, len(k.Scopes))
	for i, sc := range k.Scopes {
		scopes[i] = string(sc)
	}
	return Conn(ctx, s.DB).QueryRow(ctx, `INSERT INTO api_keys (prefix, secret_hash, name, scopes, created_by, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		k.Prefix, k.SecretHash, k.Name, scopes, k.CreatedBy, k.CreatedAt, k.ExpiresAt).Scan(&k.ID)
}

// APIKey implements identity.APIKeyStore.
func (s IdentityStore) APIKey(ctx context.Context, id int64) (identity.APIKey, bool, error) {
	return s.oneAPIKey(ctx, `k.id = $1`, id)
}

// APIKeyByPrefix implements identity.APIKeyStore.
func (s IdentityStore) APIKeyByPrefix(ctx context.Context, prefix string) (identity.APIKey, bool, error) {
	return s.oneAPIKey(ctx, `k.prefix = $1`, prefix)
}

// UseAPIKey implements identity.APIKeyStore: one statement stamps the key
// and counts the call in its window, so concurrent calls on any instance
// are each counted once.
func (s IdentityStore) UseAPIKey(ctx context.Context, id int64, at, window time.Time) (int, error) {
	var n int
	err := Conn(ctx, s.DB).QueryRow(ctx, `UPDATE api_keys SET last_used_at = $2,
			rate_window_count = CASE WHEN rate_window_start = $3 THEN rate_window_count + 1 ELSE 1 END,
			rate_window_start = $3
		WHERE id = $1 RETURNING rate_window_count`, id, at, window).Scan(&n)
	return n, err
}

// RevokeAPIKey implements identity.APIKeyStore.
func (s IdentityStore) RevokeAPIKey(ctx context.Context, id, by int64, at time.Time) (bool, error) {
	tag, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE api_keys SET revoked_at = $3, revoked_by = $2 WHERE id = $1 AND revoked_at IS NULL`, id, by, at)
	return tag.RowsAffected() == 1, err
}

// ListAPIKeys implements identity.APIKeyStore.
func (s IdentityStore) ListAPIKeys(ctx context.Context) ([]identity.APIKey, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys k JOIN users u ON u.id = k.created_by
		ORDER BY k.id DESC LIMIT 500`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanAPIKey)
}
