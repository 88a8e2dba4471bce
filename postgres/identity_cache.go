package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paycompliance/console/domain/identity"
)

// IdentityChannel carries a notification whenever a change could alter a
// signed-in principal: a session ended, rotated or stepped up, a user's
// status, roles or credentials changed. Every instance then drops its
// cached principals.
const IdentityChannel = "identity_changed"

// CachedIdentityStore is IdentityStore with the one lookup every request
// makes, the session's principal, served from memory. An entry lives at
// most TTL; any change that could alter one clears this instance's cache
// at once and, through IdentityChannel, every other instance's when the
// change commits, so a revoked session stops working everywhere within
// milliseconds, and within TTL even if a notification is lost.
type CachedIdentityStore struct {
	IdentityStore
	TTL time.Duration

	mu      sync.Mutex
	gen     uint64 // bumped by every clear: a lookup begun before one is not stored
	entries map[string]cachedPrincipal
}

var _ identity.Store = (*CachedIdentityStore)(nil)

type cachedPrincipal struct {
	p      identity.Principal
	loaded time.Time
}

// Principal implements identity.SessionStore. Inside a transaction it
// always reads the database: the sign-in steps decide on fresh state.
func (s *CachedIdentityStore) Principal(ctx context.Context, idHash []byte) (identity.Principal, bool, error) {
	if _, inTx := ctx.Value(txKey{}).(pgx.Tx); inTx {
		return s.IdentityStore.Principal(ctx, idHash)
	}
	key := string(idHash)
	s.mu.Lock()
	e, ok := s.entries[key]
	gen := s.gen
	s.mu.Unlock()
	if ok && time.Since(e.loaded) < s.TTL {
		return e.p, true, nil
	}
	p, found, err := s.IdentityStore.Principal(ctx, idHash)
	if err != nil || !found {
		return p, found, err
	}
	s.mu.Lock()
	if s.gen == gen {
		if s.entries == nil {
			s.entries = map[string]cachedPrincipal{}
		}
		s.entries[key] = cachedPrincipal{p: p, loaded: time.Now()}
	}
	s.mu.Unlock()
	return p, true, nil
}

// Clear drops every cached principal; the identity listener calls it when
// another instance changed something.
func (s *CachedIdentityStore) Clear() {
	s.mu.Lock()
	s.gen++
	clear(s.entries)
	s.mu.Unlock()
}

// changed clears this instance's cache and tells the others, on commit of
// the transaction ctx carries.
func (s *CachedIdentityStore) changed(ctx context.Context, err error) error {
	if err != nil {
		return err
	}
	s.Clear()
	_, err = Conn(ctx, s.DB).Exec(ctx, `SELECT pg_notify($1, '')`, IdentityChannel)
	return err
}

// Watch clears the cache on every notification from listener until ctx ends.
func (s *CachedIdentityStore) Watch(ctx context.Context, listener *Listener) {
	changes, unsubscribe := listener.Subscribe()
	defer unsubscribe()
	for {
		select {
		case <-ctx.Done():
			return
		case <-changes:
			s.Clear()
		}
	}
}

// TouchSession implements identity.SessionStore. Only this session's
// entry goes: other instances' copies are at most TTL old, far within the
// idle limit, and activity is too frequent to announce.
func (s *CachedIdentityStore) TouchSession(ctx context.Context, idHash []byte, at time.Time) error {
	err := s.IdentityStore.TouchSession(ctx, idHash, at)
	s.mu.Lock()
	delete(s.entries, string(idHash))
	s.mu.Unlock()
	return err
}

// RotateSession implements identity.SessionStore.
func (s *CachedIdentityStore) RotateSession(ctx context.Context, oldHash, newHash []byte, handle, csrf string, stage identity.Stage, at time.Time) (bool, error) {
	ok, err := s.IdentityStore.RotateSession(ctx, oldHash, newHash, handle, csrf, stage, at)
	return ok, s.changed(ctx, err)
}

// SetStepUp implements identity.SessionStore.
func (s *CachedIdentityStore) SetStepUp(ctx context.Context, idHash []byte, at time.Time) error {
	return s.changed(ctx, s.IdentityStore.SetStepUp(ctx, idHash, at))
}

// DeleteSession implements identity.SessionStore.
func (s *CachedIdentityStore) DeleteSession(ctx context.Context, idHash []byte) (bool, error) {
	ok, err := s.IdentityStore.DeleteSession(ctx, idHash)
	return ok, s.changed(ctx, err)
}

// DeleteSessionByHandle implements identity.SessionStore.
func (s *CachedIdentityStore) DeleteSessionByHandle(ctx context.Context, handle string) (bool, error) {
	ok, err := s.IdentityStore.DeleteSessionByHandle(ctx, handle)
	return ok, s.changed(ctx, err)
}

// DeleteUserSessions implements identity.SessionStore.
func (s *CachedIdentityStore) DeleteUserSessions(ctx context.Context, userID int64, keep []byte) (int, error) {
	n, err := s.IdentityStore.DeleteUserSessions(ctx, userID, keep)
	return n, s.changed(ctx, err)
}

// SetPassword implements identity.UserStore (a temporary password forces a change).
func (s *CachedIdentityStore) SetPassword(ctx context.Context, id int64, hash string, temporary bool, expires, at time.Time) error {
	return s.changed(ctx, s.IdentityStore.SetPassword(ctx, id, hash, temporary, expires, at))
}

// ConfirmTOTP implements identity.UserStore.
func (s *CachedIdentityStore) ConfirmTOTP(ctx context.Context, id int64, at time.Time, step int64) error {
	return s.changed(ctx, s.IdentityStore.ConfirmTOTP(ctx, id, at, step))
}

// ClearTOTP implements identity.UserStore.
func (s *CachedIdentityStore) ClearTOTP(ctx context.Context, id int64) error {
	return s.changed(ctx, s.IdentityStore.ClearTOTP(ctx, id))
}

// SetStatus implements identity.UserStore.
func (s *CachedIdentityStore) SetStatus(ctx context.Context, id int64, status identity.Status, reason string, at time.Time) error {
	return s.changed(ctx, s.IdentityStore.SetStatus(ctx, id, status, reason, at))
}

// AddRole implements identity.UserStore.
func (s *CachedIdentityStore) AddRole(ctx context.Context, id int64, r identity.Role, grantedBy, approvedBy string, at time.Time) error {
	return s.changed(ctx, s.IdentityStore.AddRole(ctx, id, r, grantedBy, approvedBy, at))
}

// RemoveRole implements identity.UserStore.
func (s *CachedIdentityStore) RemoveRole(ctx context.Context, id int64, r identity.Role) (bool, error) {
	ok, err := s.IdentityStore.RemoveRole(ctx, id, r)
	return ok, s.changed(ctx, err)
}
