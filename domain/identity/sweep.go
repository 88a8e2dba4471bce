package identity

import (
	"context"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
)

// DisableInactive disables every active account unused for InactiveAfter
// (PCI DSS 8.2.6) and ends its sessions; each is recorded. It returns how
// many it disabled. A scheduled job runs it daily.
func (s *Service) DisableInactive(ctx context.Context) (int, error) {
	now := s.now()
	users, err := s.Store.InactiveUsers(ctx, now.Add(-s.Policy.InactiveAfter))
	if err != nil {
		return 0, err
	}
	ctx = audit.WithRequest(ctx, audit.System, audit.Origin{}, "")
	n := 0
	for _, candidate := range users {
		err := s.Tx.InTx(ctx, func(ctx context.Context) error {
			u, found, err := s.Store.User(ctx, candidate.ID, true)
			if err != nil || !found || u.Status != Active || !u.LastActivityAt.Equal(candidate.LastActivityAt) {
				return err // changed since it was listed: leave it to the next run
			}
			return s.disable(ctx, u, "inactive for "+itoa(int(s.Policy.InactiveAfter.Hours()/24))+" days", now)
		})
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// PurgeSessions deletes sessions past their limits. Expired sessions are
// refused on use anyway; this keeps the table and the session lists clean.
func (s *Service) PurgeSessions(ctx context.Context) (int, error) {
	now := s.now()
	return s.Store.DeleteStaleSessions(ctx, now.Add(-s.Policy.IdleTimeout), now.Add(-s.Policy.MaxSessionAge))
}

// Bootstrap creates an administrator from the command line, for a new
// installation: allowed only while fewer than two active administrators
// exist (two, so that four-eyes approvals can begin). The temporary
// password is returned to hand over.
func (s *Service) Bootstrap(ctx context.Context, n NewUser) (User, string, error) {
	if err := n.normalize(); err != nil {
		return User{}, "", err
	}
	temp := NewTemporaryPassword()
	now := s.now()
	u := User{Username: n.Username, Email: n.Email, DisplayName: n.DisplayName, Status: Active, Roles: []Role{Administrator},
		PasswordHash: HashPassword(temp), PasswordTemporary: true, PasswordExpiresAt: now.Add(s.Policy.TemporaryPasswordTTL),
		LastActivityAt: now, CreatedAt: now, CreatedBy: "console users add-admin"}
	ctx = audit.WithRequest(ctx, audit.System, audit.Origin{}, "")
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		admins, err := s.Store.CountActiveWithRole(ctx, Administrator)
		if err != nil {
			return err
		}
		if admins >= 2 {
			return domain.Errorf(domain.ECONFLICT, "there are already %d active administrators: add users in the console, where a second administrator approves", admins)
		}
		if err := s.Store.CreateUser(ctx, &u); err != nil {
			return err
		}
		if err := s.Store.AddRole(ctx, u.ID, Administrator, u.CreatedBy, "", now); err != nil {
			return err
		}
		if err := s.record(ctx, audit.Event{Action: audit.UserCreated, Target: u.auditTarget(),
			Detail: map[string]string{"email": u.Email, "name": u.DisplayName, "via": "command line"}}); err != nil {
			return err
		}
		return s.record(ctx, audit.Event{Action: audit.RoleGranted, Target: u.auditTarget(),
			Detail: map[string]string{"role": string(Administrator), "reason": "bootstrap: fewer than two administrators"}})
	})
	return u, temp, err
}
