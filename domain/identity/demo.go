package identity

import (
	"context"
	"strings"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
)

// DemoCredentials are a demo account's password and TOTP secret, known to
// whoever runs the console in development mode.
type DemoCredentials struct {
	Password   string `json:"password"`
	TOTPSecret string `json:"totp_secret"`
}

// NewDemoCredentials makes a policy-compliant password and a TOTP secret.
func NewDemoCredentials(username string) (DemoCredentials, error) {
	e, err := newEnrollment(username)
	return DemoCredentials{Password: NewTemporaryPassword(), TOTPSecret: e.Secret}, err
}

// EnsureDemoAccount creates a ready-to-use account for development, past
// invitation and enrollment and holding roles, bypassing the four-eyes
// rule that real accounts go through. An existing account is left as it
// is unless reset, which sets its password and TOTP secret to c. It
// reports whether it created the account.
func (s *Service) EnsureDemoAccount(ctx context.Context, n NewUser, roles []Role, c DemoCredentials, reset bool) (bool, error) {
	if err := n.normalize(); err != nil {
		return false, err
	}
	if err := CheckPassword(c.Password, n.Username); err != nil {
		return false, err
	}
	ctx = audit.WithRequest(ctx, audit.System, audit.Origin{}, "")
	now := s.now()
	created := false
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		u, found, err := s.Store.UserByUsername(ctx, n.Username)
		if err != nil || (found && !reset) {
			return err
		}
		if !found {
			created = true
			u = User{Username: n.Username, Email: n.Email, DisplayName: n.DisplayName, Status: Active,
				LastActivityAt: now, CreatedAt: now, CreatedBy: "demo data"}
			if err := s.Store.CreateUser(ctx, &u); err != nil {
				return err
			}
			for _, r := range roles {
				if why := Conflict(roles, r); why != "" {
					return domain.Errorf(domain.EINVALID, "demo user %s: %s", n.Username, why)
				}
				if err := s.Store.AddRole(ctx, u.ID, r, "demo data", "demo data", now); err != nil {
					return err
				}
			}
			if err := s.record(ctx, audit.Event{Action: audit.UserCreated, Target: u.auditTarget(),
				Detail: map[string]string{"via": "demo data", "roles": strings.Join(roleNames(roles), " ")}}); err != nil {
				return err
			}
		}
		if err := s.Store.SetPassword(ctx, u.ID, HashPassword(c.Password), false, time.Time{}, now); err != nil {
			return err
		}
		ct, err := s.Keys.Encrypt(ctx, []byte(c.TOTPSecret), totpAAD(u.ID))
		if err != nil {
			return err
		}
		if err := s.Store.SetPendingTOTP(ctx, u.ID, ct); err != nil {
			return err
		}
		return s.Store.ConfirmTOTP(ctx, u.ID, now, TOTPStep(now)-2)
	})
	return created, err
}
