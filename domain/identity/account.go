package identity

import (
	"context"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
)

// touchEvery spaces out last-seen writes: a session used continuously is
// written at most this often. Expiry is measured from the last write, so
// it can only come early, by at most this much, never late.
const touchEvery = 15 * time.Second

// Resume finds the session behind id and enforces its limits on the server:
// idle for IdleTimeout, older than MaxSessionAge, or its user disabled, and
// it is deleted and refused.
func (s *Service) Resume(ctx context.Context, id SessionID) (Principal, error) {
	if !id.Valid() {
		return Principal{}, ErrNoSession
	}
	p, ok, err := s.Store.Principal(ctx, id.Hash())
	if err != nil {
		return Principal{}, err
	}
	if !ok {
		return Principal{}, ErrSessionExpired
	}
	now := s.now()
	if p.UserStatus != Active || now.Sub(p.LastSeenAt) >= s.Policy.IdleTimeout || now.Sub(p.CreatedAt) >= s.Policy.MaxSessionAge {
		if _, err := s.Store.DeleteSession(ctx, id.Hash()); err != nil {
			return Principal{}, err
		}
		return Principal{}, ErrSessionExpired
	}
	return p, nil
}

// Touch records activity on the session, at most every touchEvery unless
// force (the "stay signed in" button).
func (s *Service) Touch(ctx context.Context, id SessionID, p *Principal, force bool) error {
	now := s.now()
	if !force && now.Sub(p.LastSeenAt) < touchEvery {
		return nil
	}
	if err := s.Store.TouchSession(ctx, id.Hash(), now); err != nil {
		return err
	}
	p.LastSeenAt = now
	return nil
}

// IdleDeadline is when p's session ends unless it is used.
func (s *Service) IdleDeadline(p *Principal) time.Time { return p.IdleDeadline(s.Policy) }

// Logout ends the session.
func (s *Service) Logout(ctx context.Context, id SessionID, p *Principal) error {
	return s.Tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.Store.DeleteSession(ctx, id.Hash()); err != nil {
			return err
		}
		return s.record(ctx, audit.Event{Action: audit.Logout, Actor: p.AuditActor(), Target: audit.Target{Type: "session", ID: p.Handle}})
	})
}

// ChangePassword sets a new password for the signed-in user. The current
// one is asked for unless the session began with a temporary password
// (already spent). The new one must meet the policy and differ from the
// last PasswordHistory. Every other session of the user ends, and this one
// gets a new id.
func (s *Service) ChangePassword(ctx context.Context, id SessionID, p *Principal, current, next string) (Started, error) {
	if p.Stage != StageFull {
		return Started{}, ErrNoSession
	}
	u, found, err := s.Store.User(ctx, p.UserID, false)
	if err != nil || !found {
		return Started{}, err
	}
	now := s.now()
	if !u.PasswordTemporary && !PasswordMatches(u.PasswordHash, current) {
		return Started{}, s.attempt(ctx, func(ctx context.Context) (error, error) {
			u, _, err := s.Store.User(ctx, u.ID, true)
			if err != nil {
				return nil, err
			}
			if _, err := s.countFailure(ctx, u, now); err != nil {
				return nil, err
			}
			return domain.Errorf(domain.EINVALID, "The current password is not right."), s.record(ctx, audit.Event{
				Action: audit.PasswordChanged, Outcome: audit.Failure, Actor: u.auditActor(),
				Target: u.auditTarget(), Detail: map[string]string{"reason": "current password wrong"}})
		})
	}
	if err := CheckPassword(next, u.Username); err != nil {
		return Started{}, err
	}
	history, err := s.Store.PasswordHistory(ctx, u.ID, s.Policy.PasswordHistory)
	if err != nil {
		return Started{}, err
	}
	for _, h := range history {
		if PasswordMatches(h, next) {
			return Started{}, domain.Errorf(domain.EINVALID, "Choose a password you have not used for your last %d.", s.Policy.PasswordHistory)
		}
	}
	hash := HashPassword(next)
	var started Started
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.SetPassword(ctx, u.ID, hash, false, time.Time{}, now); err != nil {
			return err
		}
		n, err := s.Store.DeleteUserSessions(ctx, u.ID, id.Hash())
		if err != nil {
			return err
		}
		q := *p
		q.MustChangePassword = false
		if started, err = s.rotate(ctx, id, q, StageFull, now); err != nil {
			return err
		}
		return s.record(ctx, audit.Event{Action: audit.PasswordChanged, Actor: u.auditActor(), Target: u.auditTarget(),
			Detail: map[string]string{"other_sessions_ended": itoa(n)}})
	})
	return started, err
}

// Sessions lists a user's sessions: one's own, or anyone's for those who
// may read users.
func (s *Service) Sessions(ctx context.Context, actor *Principal, userID int64) ([]Session, error) {
	if userID != actor.UserID {
		if _, err := authorize(ctx, actor, PermUsersRead); err != nil {
			return nil, err
		}
	}
	return s.Store.ListSessions(ctx, userID)
}

// EndSession ends a session by its handle: one's own, or anyone's for
// administrators. Someone else's session is "not found" to anyone else.
func (s *Service) EndSession(ctx context.Context, actor *Principal, handle string) error {
	ctx = audit.WithActor(ctx, actor.AuditActor())
	return s.Tx.InTx(ctx, func(ctx context.Context) error {
		sess, found, err := s.Store.SessionByHandle(ctx, handle)
		if err != nil {
			return err
		}
		if !found || (sess.UserID != actor.UserID && !actor.Can(PermUsersManage)) {
			return domain.Errorf(domain.ENOTFOUND, "There is no such session; it may have ended already.")
		}
		owner, _, err := s.Store.User(ctx, sess.UserID, false)
		if err != nil {
			return err
		}
		if _, err := s.Store.DeleteSessionByHandle(ctx, handle); err != nil {
			return err
		}
		return s.record(ctx, audit.Event{Action: audit.SessionRevoked, Target: audit.Target{Type: "session", ID: handle},
			Detail: map[string]string{"user": owner.Username}})
	})
}
