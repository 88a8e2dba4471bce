package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paycompliance/console/domain/identity"
)

const sessionColumns = `s.handle, s.user_id, s.stage, s.csrf_token, s.created_at, s.last_seen_at, s.step_up_at, s.ip, s.user_agent`

func scanSession(row pgx.CollectableRow) (identity.Session, error) {
	var s identity.Session
	var stepUp *time.Time
	err := row.Scan(&s.Handle, &s.UserID, &s.Stage, &s.CSRFToken, &s.CreatedAt, &s.LastSeenAt, &stepUp, &s.IP, &s.UserAgent)
	s.StepUpAt = deref(stepUp)
	return s, err
}

// CreateSession implements identity.SessionStore.
func (s IdentityStore) CreateSession(ctx context.Context, idHash []byte, sess identity.Session) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `INSERT INTO sessions (id_hash, handle, user_id, stage, csrf_token,
		created_at, last_seen_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		idHash, sess.Handle, sess.UserID, string(sess.Stage), sess.CSRFToken, sess.CreatedAt, sess.LastSeenAt, sess.IP, sess.UserAgent)
	return err
}

// Principal implements identity.SessionStore: the session and the user's
// status, roles and credential state in one round trip, as every request
// needs them.
func (s IdentityStore) Principal(ctx context.Context, idHash []byte) (identity.Principal, bool, error) {
	var p identity.Principal
	var stepUp *time.Time
	var roles []string
	err := Conn(ctx, s.DB).QueryRow(ctx, `SELECT `+sessionColumns+`,
			u.username, u.display_name, u.status, u.totp_enrolled_at IS NOT NULL, u.password_temporary,
			ARRAY(SELECT role FROM user_roles r WHERE r.user_id = u.id ORDER BY role)
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1`, idHash).Scan(
		&p.Handle, &p.UserID, &p.Stage, &p.CSRFToken, &p.CreatedAt, &p.LastSeenAt, &stepUp, &p.IP, &p.UserAgent,
		&p.Username, &p.DisplayName, &p.UserStatus, &p.MFAEnrolled, &p.MustChangePassword, &roles)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, false, nil
	}
	p.StepUpAt, p.Roles = deref(stepUp), toRoles(roles)
	return p, err == nil, err
}

// TouchSession implements identity.SessionStore.
func (s IdentityStore) TouchSession(ctx context.Context, idHash []byte, at time.Time) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1 AND last_seen_at < $2`, idHash, at)
	return err
}

// RotateSession implements identity.SessionStore.
func (s IdentityStore) RotateSession(ctx context.Context, oldHash, newHash []byte, handle, csrf string, stage identity.Stage, at time.Time) (bool, error) {
	tag, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE sessions SET id_hash = $2, handle = $3, csrf_token = $4, stage = $5,
		last_seen_at = $6 WHERE id_hash = $1`, oldHash, newHash, handle, csrf, string(stage), at)
	return tag.RowsAffected() == 1, err
}

// SetStepUp implements identity.SessionStore.
func (s IdentityStore) SetStepUp(ctx context.Context, idHash []byte, at time.Time) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE sessions SET step_up_at = $2 WHERE id_hash = $1`, idHash, at)
	return err
}

// DeleteSession implements identity.SessionStore.
func (s IdentityStore) DeleteSession(ctx context.Context, idHash []byte) (bool, error) {
	tag, err := Conn(ctx, s.DB).Exec(ctx, `DELETE FROM sessions WHERE id_hash = $1`, idHash)
	return tag.RowsAffected() == 1, err
}

// SessionByHandle implements identity.SessionStore.
func (s IdentityStore) SessionByHandle(ctx context.Context, handle string) (identity.Session, bool, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+sessionColumns+` FROM sessions s WHERE s.handle = $1`, handle)
	if err != nil {
		return identity.Session{}, false, err
	}
	sess, err := pgx.CollectOneRow(rows, scanSession)
	if errors.Is(err, pgx.ErrNoRows) {
		return sess, false, nil
	}
	return sess, err == nil, err
}

// DeleteSessionByHandle implements identity.SessionStore.
func (s IdentityStore) DeleteSessionByHandle(ctx context.Context, handle string) (bool, error) {
	tag, err := Conn(ctx, s.DB).Exec(ctx, `DELETE FROM sessions WHERE handle = $1`, handle)
	return tag.RowsAffected() == 1, err
}

// DeleteUserSessions implements identity.SessionStore.
func (s IdentityStore) DeleteUserSessions(ctx context.Context, userID int64, keep []byte) (int, error) {
	tag, err := Conn(ctx, s.DB).Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND ($2::bytea IS NULL OR id_hash <> $2)`, userID, keep)
	return int(tag.RowsAffected()), err
}

// ListSessions implements identity.SessionStore: most recently used first.
func (s IdentityStore) ListSessions(ctx context.Context, userID int64) ([]identity.Session, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+sessionColumns+` FROM sessions s WHERE s.user_id = $1
		ORDER BY s.last_seen_at DESC LIMIT 100`, userID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanSession)
}

// DeleteStaleSessions implements identity.SessionStore.
func (s IdentityStore) DeleteStaleSessions(ctx context.Context, idleCutoff, ageCutoff time.Time) (int, error) {
	tag, err := Conn(ctx, s.DB).Exec(ctx, `DELETE FROM sessions WHERE last_seen_at <= $1 OR created_at <= $2`, idleCutoff, ageCutoff)
	return int(tag.RowsAffected()), err
}
