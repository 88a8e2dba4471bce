package identity

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/keys"
)

// Origin is where a sign-in comes from, kept with the session so users
// can recognise their sessions in the list.
type Origin struct {
	IP, UserAgent string
}

// Started is a session just created or given a new id: the caller puts ID
// in the cookie, replacing any earlier one.
type Started struct {
	ID        SessionID
	Principal Principal
}

// Login is the password step. It always spends one argon2id verification,
// against a dummy hash for an unknown user, so that every failure takes
// the same time and gives the same answer. On success the session is new
// (a fresh id, whatever the browser held before) and reaches only the TOTP
// step. A temporary password is spent by its first use.
func (s *Service) Login(ctx context.Context, username, password string, from Origin) (Started, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	u, found, err := s.Store.UserByUsername(ctx, username)
	if err != nil {
		return Started{}, err
	}
	hash := dummyHash()
	if found && u.PasswordHash != "" {
		hash = u.PasswordHash
	}
	passwordOK := PasswordMatches(hash, password) && found && u.PasswordHash != ""
	now := s.now()

	var started Started
	err = s.attempt(ctx, func(ctx context.Context) (error, error) {
		if !found {
			return ErrSignInFailed, s.record(ctx, audit.Event{Action: audit.LoginFailed, Outcome: audit.Failure,
				Actor:  audit.Actor{Type: audit.ActorAnonymous, ID: "anonymous"},
				Detail: map[string]string{"username": truncate(username, 64), "reason": "unknown user"}})
		}
		u, _, err := s.Store.User(ctx, u.ID, true)
		if err != nil {
			return nil, err
		}
		reason := ""
		switch {
		case u.Status != Active:
			reason = "account disabled"
		case u.Locked(now):
			reason = "account locked"
		case !passwordOK:
			reason = "wrong password"
		case u.PasswordTemporary && now.After(u.PasswordExpiresAt):
			reason = "temporary password expired"
		}
		if reason != "" {
			if reason == "wrong password" {
				if _, err := s.countFailure(ctx, u, now); err != nil {
					return nil, err
				}
			}
			return ErrSignInFailed, s.record(ctx, audit.Event{Action: audit.LoginFailed, Outcome: audit.Failure, Actor: u.auditActor(),
				Target: u.auditTarget(), Detail: map[string]string{"reason": reason, "step": "password"}})
		}
		if u.PasswordTemporary {
			if err := s.Store.ConsumeTemporaryPassword(ctx, u.ID); err != nil {
				return nil, err
			}
			u.PasswordHash = ""
		}
		started, err = s.startSession(ctx, u, from, now)
		return nil, err
	})
	return started, err
}

func (s *Service) startSession(ctx context.Context, u User, from Origin, now time.Time) (Started, error) {
	id := newSessionID()
	sess := Session{Handle: id.handle(), UserID: u.ID, Stage: StagePassword, CSRFToken: newCSRFToken(),
		CreatedAt: now, LastSeenAt: now, IP: truncate(from.IP, 64), UserAgent: truncate(from.UserAgent, 256)}
	if err := s.Store.CreateSession(ctx, id.Hash(), sess); err != nil {
		return Started{}, err
	}
	return Started{ID: id, Principal: principalOf(sess, u)}, nil
}

func principalOf(sess Session, u User) Principal {
	return Principal{Session: sess, Username: u.Username, DisplayName: u.DisplayName, Roles: u.Roles,
		UserStatus: u.Status, MFAEnrolled: u.MFAEnrolled(), MustChangePassword: u.PasswordTemporary}
}

// VerifyMFA is the TOTP step: a six-digit code (each time step accepted
// once) or a recovery code (each accepted once). Success gives the session
// a new id and full access; a failure counts towards the lockout, and the
// failure that locks the account ends this sign-in.
func (s *Service) VerifyMFA(ctx context.Context, id SessionID, code string) (Started, error) {
	now := s.now()
	var started Started
	err := s.attempt(ctx, func(ctx context.Context) (error, error) {
		p, ok, err := s.Store.Principal(ctx, id.Hash())
		if err != nil || !ok || p.Stage != StagePassword || !p.MFAEnrolled {
			return ErrNoSession, err
		}
		u, _, err := s.Store.User(ctx, p.UserID, true)
		if err != nil {
			return nil, err
		}
		if u.Status != Active || u.Locked(now) {
			_, err := s.Store.DeleteSession(ctx, id.Hash())
			return ErrLocked, err
		}
		method := "totp"
		var accepted bool
		if looksLikeTOTP(code) {
			_, accepted, err = s.useTOTP(ctx, u, code, now)
		} else {
			method = "recovery code"
			accepted, err = s.useRecoveryCode(ctx, u, code)
		}
		if err != nil {
			return nil, err
		}
		if !accepted {
			return s.secondFactorFailed(ctx, id, u, now, "sign-in", method)
		}
		if err := s.Store.RecordLogin(ctx, u.ID, now); err != nil {
			return nil, err
		}
		if started, err = s.rotate(ctx, id, p, StageFull, now); err != nil {
			return nil, err
		}
		return nil, s.record(ctx, audit.Event{Action: audit.LoginSucceeded, Actor: u.auditActor(),
			Target: audit.Target{Type: "session", ID: started.Principal.Handle}, Detail: map[string]string{"method": method}})
	})
	return started, err
}

// useTOTP accepts code if it matches a time step later than the last one
// used, and marks that step used in the same statement (compare-and-set),
// so that of two requests racing with one code only one succeeds.
func (s *Service) useTOTP(ctx context.Context, u User, code string, now time.Time) (int64, bool, error) {
	secret, err := s.decryptTOTP(ctx, u.ID, u.TOTPSecret)
	if err != nil {
		return 0, false, err
	}
	step, ok := matchStep(secret, code, now)
	if !ok {
		return 0, false, nil
	}
	ok, err = s.Store.UseTOTPStep(ctx, u.ID, step)
	return step, ok, err
}

func (s *Service) decryptTOTP(ctx context.Context, userID int64, ciphertext []byte) (string, error) {
	plain, err := s.Keys.Decrypt(ctx, ciphertext, totpAAD(userID))
	return string(plain), err
}

// useRecoveryCode spends a matching recovery code.
func (s *Service) useRecoveryCode(ctx context.Context, u User, code string) (bool, error) {
	c := normalizeRecoveryCode(code)
	if c == "" {
		return false, nil
	}
	hashes, err := s.Store.RecoveryCodeHashes(ctx, u.ID)
	if err != nil {
		return false, err
	}
	for _, h := range hashes {
		switch err := s.Keys.CheckToken(ctx, recoveryMessage(u.ID, c), h); {
		case err == nil:
			return s.Store.DeleteRecoveryCode(ctx, u.ID, h)
		case !errors.Is(err, keys.ErrAuthentication):
			return false, err
		}
	}
	return false, nil
}

// secondFactorFailed counts a rejected code and records it; the failure
// that locks the account also ends the session it came from.
func (s *Service) secondFactorFailed(ctx context.Context, id SessionID, u User, now time.Time, purpose, method string) (failure, err error) {
	locked, err := s.countFailure(ctx, u, now)
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, audit.Event{Action: audit.MFAFailed, Outcome: audit.Failure, Actor: u.auditActor(),
		Target: u.auditTarget(), Detail: map[string]string{"purpose": purpose, "method": method}}); err != nil {
		return nil, err
	}
	if !locked {
		return ErrCodeRejected, nil
	}
	_, err = s.Store.DeleteSession(ctx, id.Hash())
	return ErrLocked, err
}

// countFailure adds one failed attempt; the MaxFailures-th locks the
// account for LockoutFor (PCI DSS 8.3.4). After a lockout has run out,
// counting starts again from zero.
func (s *Service) countFailure(ctx context.Context, u User, now time.Time) (locked bool, err error) {
	attempts := u.FailedAttempts + 1
	if !u.LockedUntil.IsZero() && !u.Locked(now) {
		attempts = 1
	}
	var until time.Time
	if attempts >= s.Policy.MaxFailures {
		until = now.Add(s.Policy.LockoutFor)
	}
	if err := s.Store.SetFailures(ctx, u.ID, attempts, until); err != nil {
		return false, err
	}
	if until.IsZero() {
		return false, nil
	}
	return true, s.record(ctx, audit.Event{Action: audit.AccountLocked, Outcome: audit.Success, Actor: audit.System,
		Target: u.auditTarget(), Detail: map[string]string{"until": until.Format(time.RFC3339), "failed_attempts": itoa(attempts)}})
}

// rotate gives a session a new id and CSRF token, and sets its stage: the
// old id, which may have been seen before sign-in, opens nothing any more.
func (s *Service) rotate(ctx context.Context, old SessionID, p Principal, stage Stage, now time.Time) (Started, error) {
	id := newSessionID()
	p.Handle, p.CSRFToken, p.Stage, p.LastSeenAt = id.handle(), newCSRFToken(), stage, now
	ok, err := s.Store.RotateSession(ctx, old.Hash(), id.Hash(), p.Handle, p.CSRFToken, stage, now)
	if err != nil {
		return Started{}, err
	}
	if !ok {
		return Started{}, ErrNoSession
	}
	return Started{ID: id, Principal: p}, nil
}
