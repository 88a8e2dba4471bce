package identity

import (
	"context"
	"time"
)

// Store is what the identity services persist; the PostgreSQL adapter
// implements it. Each method joins the transaction its ctx carries.
type Store interface {
	UserStore
	SessionStore
	RequestStore
	APIKeyStore
}

// UserStore keeps users, their credentials and roles.
type UserStore interface {
	CreateUser(ctx context.Context, u *User) error // sets u.ID; ECONFLICT for a taken username or email
	// User returns a user by id; forUpdate locks the row until the
	// transaction ends, so that counters and checks do not race.
	User(ctx context.Context, id int64, forUpdate bool) (User, bool, error)
	UserByUsername(ctx context.Context, username string) (User, bool, error)
	ListUsers(ctx context.Context, q UserQuery) ([]User, error)
	CountActiveWithRole(ctx context.Context, r Role) (int, error)

	SetPassword(ctx context.Context, id int64, hash string, temporary bool, expires, at time.Time) error
	ConsumeTemporaryPassword(ctx context.Context, id int64) error
	PasswordHistory(ctx context.Context, id int64, n int) ([]string, error)

	SetFailures(ctx context.Context, id int64, attempts int, lockedUntil time.Time) error
	RecordLogin(ctx context.Context, id int64, at time.Time) error

	SetPendingTOTP(ctx context.Context, id int64, ciphertext []byte) error
	ConfirmTOTP(ctx context.Context, id int64, at time.Time, step int64) error
	ClearTOTP(ctx context.Context, id int64) error
	// UseTOTPStep records step as used if it is later than the last used
	// one (compare-and-set); false means the code was already spent.
	UseTOTPStep(ctx context.Context, id int64, step int64) (bool, error)
	ReplaceRecoveryCodes(ctx context.Context, id int64, hashes []string) error
	RecoveryCodeHashes(ctx context.Context, id int64) ([]string, error)
	// DeleteRecoveryCode spends one code; false if another request did first.
	DeleteRecoveryCode(ctx context.Context, id int64, hash string) (bool, error)

	SetStatus(ctx context.Context, id int64, status Status, reason string, at time.Time) error
	AddRole(ctx context.Context, id int64, r Role, grantedBy, approvedBy string, at time.Time) error
	RemoveRole(ctx context.Context, id int64, r Role) (bool, error)
	// InactiveUsers lists active users whose last activity is before cutoff.
	InactiveUsers(ctx context.Context, cutoff time.Time) ([]User, error)
}

// SessionStore keeps sessions by the hash of their id.
type SessionStore interface {
	CreateSession(ctx context.Context, idHash []byte, s Session) error
	// Principal returns the session with idHash and its user.
	Principal(ctx context.Context, idHash []byte) (Principal, bool, error)
	TouchSession(ctx context.Context, idHash []byte, at time.Time) error
	// RotateSession gives a session a new id (and handle and CSRF token),
	// keeping its start time; false if it no longer exists.
	RotateSession(ctx context.Context, oldHash, newHash []byte, handle, csrf string, stage Stage, at time.Time) (bool, error)
	SetStepUp(ctx context.Context, idHash []byte, at time.Time) error
	DeleteSession(ctx context.Context, idHash []byte) (bool, error)
	SessionByHandle(ctx context.Context, handle string) (Session, bool, error)
	DeleteSessionByHandle(ctx context.Context, handle string) (bool, error)
	// DeleteUserSessions ends every session of a user but keep's (nil: all).
	DeleteUserSessions(ctx context.Context, userID int64, keep []byte) (int, error)
	ListSessions(ctx context.Context, userID int64) ([]Session, error)
	// DeleteStaleSessions removes sessions idle since idleCutoff or started
	// before ageCutoff.
	DeleteStaleSessions(ctx context.Context, idleCutoff, ageCutoff time.Time) (int, error)
}

// RequestStore keeps four-eyes requests.
type RequestStore interface {
	CreateRequest(ctx context.Context, r *AccessRequest) error // ECONFLICT if the same one is pending
	Request(ctx context.Context, id int64, forUpdate bool) (AccessRequest, bool, error)
	DecideRequest(ctx context.Context, id int64, status RequestStatus, by int64, at time.Time) error
	ListRequests(ctx context.Context, q RequestQuery) ([]AccessRequest, error)
}

// APIKeyStore keeps API keys and counts their use.
type APIKeyStore interface {
	CreateAPIKey(ctx context.Context, k *APIKey) error
	APIKey(ctx context.Context, id int64) (APIKey, bool, error)
	APIKeyByPrefix(ctx context.Context, prefix string) (APIKey, bool, error)
	// UseAPIKey stamps the key as used at at and counts the call in the
	// rate window starting at window, returning the window's count so far.
	UseAPIKey(ctx context.Context, id int64, at, window time.Time) (int, error)
	RevokeAPIKey(ctx context.Context, id, by int64, at time.Time) (bool, error)
	ListAPIKeys(ctx context.Context) ([]APIKey, error)
}
