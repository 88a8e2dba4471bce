package postgres

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/identity"
)

// IdentityStore implements identity.Store.
type IdentityStore struct {
	DB *pgxpool.Pool
}

var _ identity.Store = IdentityStore{}

const userColumns = `u.id, u.username, u.email, u.display_name, u.status, u.disabled_reason,
	ARRAY(SELECT role FROM user_roles r WHERE r.user_id = u.id ORDER BY role),
	coalesce(u.password_hash, ''), u.password_temporary, u.password_expires_at, u.password_changed_at,
	u.totp_secret, u.totp_pending, u.totp_enrolled_at, coalesce(u.totp_last_step, 0),
	u.failed_attempts, u.locked_until, u.last_login_at, u.last_activity_at, u.created_at, u.created_by`

func scanUser(row pgx.CollectableRow) (identity.User, error) {
	var u identity.User
	var roles []string
	var pwExpires, pwChanged, enrolled, locked, lastLogin *time.Time
	err := row.Scan(&u.ID, &u.Username, &u.Email, &u.DisplayName, &u.Status, &u.DisabledReason, &roles,
		&u.PasswordHash, &u.PasswordTemporary, &pwExpires, &pwChanged,
		&u.TOTPSecret, &u.TOTPPending, &enrolled, &u.TOTPLastStep,
		&u.FailedAttempts, &locked, &lastLogin, &u.LastActivityAt, &u.CreatedAt, &u.CreatedBy)
	u.Roles = toRoles(roles)
	u.PasswordExpiresAt, u.PasswordChangedAt, u.TOTPEnrolledAt = deref(pwExpires), deref(pwChanged), deref(enrolled)
	u.LockedUntil, u.LastLoginAt = deref(locked), deref(lastLogin)
	return u, err
}

func toRoles(names []string) []identity.Role {
	roles := make([]identity.Role, len(names))
	for i, n := range names {
		roles[i] = identity.Role(n)
	}
	return roles
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// optional stores a zero time as NULL.
func optional(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

func (s IdentityStore) oneUser(ctx context.Context, where string, args ...any) (identity.User, bool, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+userColumns+` FROM users u WHERE `+where, args...)
	if err != nil {
		return identity.User{}, false, err
	}
	u, err := pgx.CollectOneRow(rows, scanUser)
	if errors.Is(err, pgx.ErrNoRows) {
		return identity.User{}, false, nil
	}
	return u, err == nil, err
}

// CreateUser implements identity.UserStore.
func (s IdentityStore) CreateUser(ctx context.Context, u *identity.User) error {
	err := Conn(ctx, s.DB).QueryRow(ctx, `INSERT INTO users (username, email, display_name, status, password_hash,
		password_temporary, password_expires_at, last_activity_at, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		u.Username, u.Email, u.DisplayName, u.Status, u.PasswordHash, u.PasswordTemporary, optional(u.PasswordExpiresAt),
		u.LastActivityAt, u.CreatedAt, u.CreatedBy).Scan(&u.ID)
	if isUniqueViolation(err) {
		return domain.Errorf(domain.ECONFLICT, "The username %q or the email %q is already taken.", u.Username, u.Email)
	}
	return err
}

// User implements identity.UserStore.
func (s IdentityStore) User(ctx context.Context, id int64, forUpdate bool) (identity.User, bool, error) {
	lock := ""
	if forUpdate {
		lock = " FOR UPDATE"
	}
	return s.oneUser(ctx, `u.id = $1`+lock, id)
}

// UserByUsername implements identity.UserStore.
func (s IdentityStore) UserByUsername(ctx context.Context, username string) (identity.User, bool, error) {
	return s.oneUser(ctx, `u.username = $1`, username)
}

// ListUsers implements identity.UserStore: by id, after AfterID.
func (s IdentityStore) ListUsers(ctx context.Context, q identity.UserQuery) ([]identity.User, error) {
	search := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q.Search) + "%"
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+userColumns+` FROM users u
		WHERE u.id > $1 AND ($2 = '' OR u.status = $2)
		  AND ($3 = '%%' OR u.username ILIKE $3 OR u.email ILIKE $3 OR u.display_name ILIKE $3)
		ORDER BY u.id LIMIT $4`, q.AfterID, string(q.Status), search, q.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanUser)
}

// CountActiveWithRole implements identity.UserStore.
func (s IdentityStore) CountActiveWithRole(ctx context.Context, r identity.Role) (int, error) {
	var n int
	err := Conn(ctx, s.DB).QueryRow(ctx, `SELECT count(*) FROM users u JOIN user_roles r ON r.user_id = u.id
		WHERE r.role = $1 AND u.status = 'active'`, string(r)).Scan(&n)
	return n, err
}

// SetPassword implements identity.UserStore. A password the user chose
// joins the history; a temporary one does not.
func (s IdentityStore) SetPassword(ctx context.Context, id int64, hash string, temporary bool, expires, at time.Time) error {
	db := Conn(ctx, s.DB)
	if _, err := db.Exec(ctx, `UPDATE users SET password_hash = $2, password_temporary = $3, password_expires_at = $4,
		password_changed_at = $5 WHERE id = $1`, id, hash, temporary, optional(expires), at); err != nil {
		return err
	}
	if temporary {
		return nil
	}
	_, err := db.Exec(ctx, `INSERT INTO password_history (user_id, set_at, hash) VALUES ($1, $2, $3)`, id, at, hash)
	return err
}

// ConsumeTemporaryPassword implements identity.UserStore.
func (s IdentityStore) ConsumeTemporaryPassword(ctx context.Context, id int64) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE users SET password_hash = NULL WHERE id = $1 AND password_temporary`, id)
	return err
}

// PasswordHistory implements identity.UserStore: newest first.
func (s IdentityStore) PasswordHistory(ctx context.Context, id int64, n int) ([]string, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT hash FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2`, id, n)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// SetFailures implements identity.UserStore.
func (s IdentityStore) SetFailures(ctx context.Context, id int64, attempts int, lockedUntil time.Time) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE users SET failed_attempts = $2, locked_until = $3 WHERE id = $1`, id, attempts, optional(lockedUntil))
	return err
}

// RecordLogin implements identity.UserStore.
func (s IdentityStore) RecordLogin(ctx context.Context, id int64, at time.Time) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE users SET failed_attempts = 0, locked_until = NULL,
		last_login_at = $2, last_activity_at = $2 WHERE id = $1`, id, at)
	return err
}

// SetPendingTOTP implements identity.UserStore.
func (s IdentityStore) SetPendingTOTP(ctx context.Context, id int64, ciphertext []byte) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE users SET totp_pending = $2 WHERE id = $1`, id, ciphertext)
	return err
}

// ConfirmTOTP implements identity.UserStore.
func (s IdentityStore) ConfirmTOTP(ctx context.Context, id int64, at time.Time, step int64) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE users SET totp_secret = totp_pending, totp_pending = NULL,
		totp_enrolled_at = $2, totp_last_step = $3 WHERE id = $1 AND totp_pending IS NOT NULL`, id, at, step)
	return err
}

// ClearTOTP implements identity.UserStore.
func (s IdentityStore) ClearTOTP(ctx context.Context, id int64) error {
	db := Conn(ctx, s.DB)
	if _, err := db.Exec(ctx, `UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_enrolled_at = NULL,
		totp_last_step = NULL WHERE id = $1`, id); err != nil {
		return err
	}
	_, err := db.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, id)
	return err
}

// UseTOTPStep implements identity.UserStore: a compare-and-set in one
// statement, so of two requests with the same code exactly one updates.
func (s IdentityStore) UseTOTPStep(ctx context.Context, id int64, step int64) (bool, error) {
	tag, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE users SET totp_last_step = $2
		WHERE id = $1 AND coalesce(totp_last_step, -1) < $2`, id, step)
	return tag.RowsAffected() == 1, err
}

// ReplaceRecoveryCodes implements identity.UserStore.
func (s IdentityStore) ReplaceRecoveryCodes(ctx context.Context, id int64, hashes []string) error {
	db := Conn(ctx, s.DB)
	if _, err := db.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, id); err != nil {
		return err
	}
	_, err := db.Exec(ctx, `INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, unnest($2::text[])`, id, hashes)
	return err
}

// RecoveryCodeHashes implements identity.UserStore.
func (s IdentityStore) RecoveryCodeHashes(ctx context.Context, id int64) ([]string, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT code_hash FROM recovery_codes WHERE user_id = $1`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// DeleteRecoveryCode implements identity.UserStore.
func (s IdentityStore) DeleteRecoveryCode(ctx context.Context, id int64, hash string) (bool, error) {
	tag, err := Conn(ctx, s.DB).Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1 AND code_hash = $2`, id, hash)
	return tag.RowsAffected() == 1, err
}

// SetStatus implements identity.UserStore; enabling restarts the
// inactivity clock.
func (s IdentityStore) SetStatus(ctx context.Context, id int64, status identity.Status, reason string, at time.Time) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `UPDATE users SET status = $2, disabled_reason = $3,
		last_activity_at = CASE WHEN $2 = 'active' THEN $4 ELSE last_activity_at END WHERE id = $1`, id, string(status), reason, at)
	return err
}

// AddRole implements identity.UserStore.
func (s IdentityStore) AddRole(ctx context.Context, id int64, r identity.Role, grantedBy, approvedBy string, at time.Time) error {
	_, err := Conn(ctx, s.DB).Exec(ctx, `INSERT INTO user_roles (user_id, role, granted_at, granted_by, approved_by)
		VALUES ($1, $2, $3, $4, $5)`, id, string(r), at, grantedBy, approvedBy)
	return err
}

// RemoveRole implements identity.UserStore.
func (s IdentityStore) RemoveRole(ctx context.Context, id int64, r identity.Role) (bool, error) {
	tag, err := Conn(ctx, s.DB).Exec(ctx, `DELETE FROM user_roles WHERE user_id = $1 AND role = $2`, id, string(r))
	return tag.RowsAffected() == 1, err
}

// InactiveUsers implements identity.UserStore.
func (s IdentityStore) InactiveUsers(ctx context.Context, cutoff time.Time) ([]identity.User, error) {
	rows, err := Conn(ctx, s.DB).Query(ctx, `SELECT `+userColumns+` FROM users u
		WHERE u.status = 'active' AND u.last_activity_at < $1 ORDER BY u.id`, cutoff)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanUser)
}
