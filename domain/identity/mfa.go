package identity

import (
	"context"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
)

// BeginEnrollment creates a new TOTP secret for the principal, kept
// encrypted as pending until a code from it is entered. The secret is
// returned for display this once; starting again replaces it. It serves a
// first sign-in (no authenticator yet) and a signed-in user replacing theirs.
func (s *Service) BeginEnrollment(ctx context.Context, p *Principal) (Enrollment, error) {
	if err := canEnroll(p); err != nil {
		return Enrollment{}, err
	}
	if p.Stage == StageFull && !s.SteppedUp(p) {
		return Enrollment{}, ErrStepUpRequired // replacing an authenticator is sensitive, whichever route asks
	}
	e, err := newEnrollment(p.Username)
	if err != nil {
		return Enrollment{}, err
	}
	ct, err := s.Keys.Encrypt(ctx, []byte(e.Secret), totpAAD(p.UserID))
	if err != nil {
		return Enrollment{}, err
	}
	return e, s.Store.SetPendingTOTP(ctx, p.UserID, ct)
}

func canEnroll(p *Principal) error {
	if p.Stage == StageFull || (p.Stage == StagePassword && !p.MFAEnrolled) {
		return nil
	}
	return domain.Errorf(domain.EFORBIDDEN, "Enter a code from your authenticator app first.")
}

// EnrollmentQRCode renders the pending secret as a QR code PNG.
func (s *Service) EnrollmentQRCode(ctx context.Context, p *Principal) ([]byte, error) {
	if err := canEnroll(p); err != nil {
		return nil, err
	}
	u, found, err := s.Store.User(ctx, p.UserID, false)
	if err != nil || !found || u.TOTPPending == nil {
		if err == nil {
			err = domain.Errorf(domain.ENOTFOUND, "There is no authenticator set-up in progress.")
		}
		return nil, err
	}
	secret, err := s.decryptTOTP(ctx, u.ID, u.TOTPPending)
	if err != nil {
		return nil, err
	}
	return QRCode(enrollmentURL(u.Username, secret))
}

// ConfirmEnrollment makes the pending secret the user's once a code from
// it is entered: that code's time step is recorded as used, so it cannot
// sign in later. Ten new recovery codes are returned for display, once.
// At first sign-in this completes it; for a signed-in user replacing an
// authenticator, every other session of theirs ends.
func (s *Service) ConfirmEnrollment(ctx context.Context, id SessionID, p *Principal, code string) (Started, []string, error) {
	if err := canEnroll(p); err != nil {
		return Started{}, nil, err
	}
	now := s.now()
	var started Started
	var codes []string
	err := s.attempt(ctx, func(ctx context.Context) (error, error) {
		u, found, err := s.Store.User(ctx, p.UserID, true)
		if err != nil || !found {
			return ErrNoSession, err
		}
		if u.TOTPPending == nil {
			return domain.Errorf(domain.ECONFLICT, "There is no authenticator set-up in progress: start again."), nil
		}
		secret, err := s.decryptTOTP(ctx, u.ID, u.TOTPPending)
		if err != nil {
			return nil, err
		}
		step, ok := matchStep(secret, code, now)
		if !ok {
			return s.secondFactorFailed(ctx, id, u, now, "enrollment", "totp")
		}
		if err := s.Store.ConfirmTOTP(ctx, u.ID, now, step); err != nil {
			return nil, err
		}
		if codes, err = s.issueRecoveryCodes(ctx, u.ID); err != nil {
			return nil, err
		}
		detail := map[string]string{"codes_issued": itoa(len(codes))}
		if p.Stage == StageFull {
			detail["replaced"] = "true"
			if _, err := s.Store.DeleteUserSessions(ctx, u.ID, id.Hash()); err != nil {
				return nil, err
			}
		} else if err := s.Store.RecordLogin(ctx, u.ID, now); err != nil {
			return nil, err
		}
		q := *p
		q.MFAEnrolled = true
		if started, err = s.rotate(ctx, id, q, StageFull, now); err != nil {
			return nil, err
		}
		if err := s.record(ctx, audit.Event{Action: audit.MFAEnrolled, Actor: u.auditActor(), Target: u.auditTarget(), Detail: detail}); err != nil {
			return nil, err
		}
		if p.Stage == StageFull {
			return nil, nil
		}
		return nil, s.record(ctx, audit.Event{Action: audit.LoginSucceeded, Actor: u.auditActor(),
			Target: audit.Target{Type: "session", ID: started.Principal.Handle}, Detail: map[string]string{"method": "totp enrollment"}})
	})
	if err != nil {
		return Started{}, nil, err
	}
	return started, codes, nil
}

func (s *Service) issueRecoveryCodes(ctx context.Context, userID int64) ([]string, error) {
	codes := newRecoveryCodes()
	hashes := make([]string, len(codes))
	for i, c := range codes {
		h, err := s.Keys.Token(ctx, recoveryMessage(userID, normalizeRecoveryCode(c)))
		if err != nil {
			return nil, err
		}
		hashes[i] = h
	}
	return codes, s.Store.ReplaceRecoveryCodes(ctx, userID, hashes)
}

// StepUp re-checks a TOTP code inside a signed-in session, so that
// sensitive actions in the next StepUpFor minutes are known to be made by
// the person holding the authenticator, not just the session.
func (s *Service) StepUp(ctx context.Context, id SessionID, p *Principal, code string) error {
	_, err := s.stepUp(ctx, id, p, code)
	return err
}

// Countersign is a step-up whose proof goes into the action it allows (an
// escrow approval signs the time step): it checks and spends a TOTP code
// of the principal signed in on ctx and returns the code's time step.
func (s *Service) Countersign(ctx context.Context, code string) (int64, error) {
	p, id := PrincipalFrom(ctx)
	if p == nil {
		return 0, ErrNoSession
	}
	return s.stepUp(ctx, id, p, code)
}

func (s *Service) stepUp(ctx context.Context, id SessionID, p *Principal, code string) (int64, error) {
	if p.Stage != StageFull {
		return 0, ErrNoSession
	}
	now := s.now()
	var step int64
	err := s.attempt(ctx, func(ctx context.Context) (error, error) {
		u, found, err := s.Store.User(ctx, p.UserID, true)
		if err != nil || !found {
			return ErrNoSession, err
		}
		if u.Locked(now) {
			return ErrLocked, nil
		}
		used, ok, err := s.useTOTP(ctx, u, code, now)
		step = used
		if err != nil {
			return nil, err
		}
		if !ok {
			return s.secondFactorFailed(ctx, id, u, now, "step-up", "totp")
		}
		if err := s.Store.SetStepUp(ctx, id.Hash(), now); err != nil {
			return nil, err
		}
		return nil, s.record(ctx, audit.Event{Action: audit.StepUpSucceeded, Actor: u.auditActor(),
			Target: audit.Target{Type: "session", ID: p.Handle}})
	})
	if err == nil {
		p.StepUpAt = now
	}
	return step, err
}

// SteppedUp reports whether the principal passed a step-up recently enough
// for a sensitive action now.
func (s *Service) SteppedUp(p *Principal) bool {
	return !p.StepUpAt.IsZero() && s.now().Sub(p.StepUpAt) < s.Policy.StepUpFor
}
