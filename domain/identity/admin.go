package identity

import (
	"context"
	"strings"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
)

// CreateUser invites someone: the account starts with no roles and a
// temporary password, returned here to be handed over once. It is single
// use, expires after TemporaryPasswordTTL, and forces a change; the first
// sign-in also sets up the authenticator.
func (s *Service) CreateUser(ctx context.Context, actor *Principal, n NewUser) (User, string, error) {
	ctx, err := authorize(ctx, actor, PermUsersManage)
	if err != nil {
		return User{}, "", err
	}
	if err := n.normalize(); err != nil {
		return User{}, "", err
	}
	temp := NewTemporaryPassword()
	now := s.now()
	u := User{Username: n.Username, Email: n.Email, DisplayName: n.DisplayName, Status: Active,
		PasswordHash: HashPassword(temp), PasswordTemporary: true, PasswordExpiresAt: now.Add(s.Policy.TemporaryPasswordTTL),
		LastActivityAt: now, CreatedAt: now, CreatedBy: actor.Username}
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.CreateUser(ctx, &u); err != nil {
			return err
		}
		return s.record(ctx, audit.Event{Action: audit.UserCreated, Target: u.auditTarget(),
			Detail: map[string]string{"email": u.Email, "name": u.DisplayName}})
	})
	return u, temp, err
}

// ResetPassword gives another user a new temporary password (returned, to
// hand over once), clears their lockout and ends their sessions.
func (s *Service) ResetPassword(ctx context.Context, actor *Principal, userID int64) (string, error) {
	temp := NewTemporaryPassword()
	hash := HashPassword(temp)
	err := s.changeOther(ctx, actor, userID, func(ctx context.Context, u User, now time.Time) error {
		if err := s.Store.SetPassword(ctx, u.ID, hash, true, now.Add(s.Policy.TemporaryPasswordTTL), now); err != nil {
			return err
		}
		if err := s.Store.SetFailures(ctx, u.ID, 0, time.Time{}); err != nil {
			return err
		}
		n, err := s.Store.DeleteUserSessions(ctx, u.ID, nil)
		if err != nil {
			return err
		}
		return s.record(ctx, audit.Event{Action: audit.PasswordReset, Target: u.auditTarget(),
			Detail: map[string]string{"sessions_ended": itoa(n)}})
	})
	return temp, err
}

// Disable stops a user signing in and ends their sessions at once.
func (s *Service) Disable(ctx context.Context, actor *Principal, userID int64, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 200 {
		return domain.Errorf(domain.EINVALID, "Give a reason (at most 200 characters); it goes into the audit trail.")
	}
	return s.changeOther(ctx, actor, userID, func(ctx context.Context, u User, now time.Time) error {
		if u.Status == Disabled {
			return domain.Errorf(domain.ECONFLICT, "%s is already disabled.", u.Username)
		}
		if err := s.keepAnAdministrator(ctx, u); err != nil {
			return err
		}
		return s.disable(ctx, u, reason, now)
	})
}

func (s *Service) disable(ctx context.Context, u User, reason string, now time.Time) error {
	if err := s.Store.SetStatus(ctx, u.ID, Disabled, reason, now); err != nil {
		return err
	}
	n, err := s.Store.DeleteUserSessions(ctx, u.ID, nil)
	if err != nil {
		return err
	}
	return s.record(ctx, audit.Event{Action: audit.UserDisabled, Target: u.auditTarget(),
		Detail: map[string]string{"reason": reason, "sessions_ended": itoa(n)}})
}

// Enable lets a disabled user sign in again; the inactivity clock restarts.
func (s *Service) Enable(ctx context.Context, actor *Principal, userID int64) error {
	return s.changeOther(ctx, actor, userID, func(ctx context.Context, u User, now time.Time) error {
		if u.Status == Active {
			return domain.Errorf(domain.ECONFLICT, "%s is already active.", u.Username)
		}
		if err := s.Store.SetStatus(ctx, u.ID, Active, "", now); err != nil {
			return err
		}
		return s.record(ctx, audit.Event{Action: audit.UserEnabled, Target: u.auditTarget()})
	})
}

// Unlock clears a lockout before it runs out.
func (s *Service) Unlock(ctx context.Context, actor *Principal, userID int64) error {
	return s.changeOther(ctx, actor, userID, func(ctx context.Context, u User, now time.Time) error {
		if err := s.Store.SetFailures(ctx, u.ID, 0, time.Time{}); err != nil {
			return err
		}
		return s.record(ctx, audit.Event{Action: audit.AccountUnlocked, Target: u.auditTarget(),
			Detail: map[string]string{"failed_attempts": itoa(u.FailedAttempts), "was_locked": boolString(u.Locked(now))}})
	})
}

// changeOther runs an administrator's change to another user's account in
// one transaction, with the user's row locked. Administrators change their
// own account through the account pages, where the rules for themselves apply.
func (s *Service) changeOther(ctx context.Context, actor *Principal, userID int64, change func(ctx context.Context, u User, now time.Time) error) error {
	ctx, err := authorize(ctx, actor, PermUsersManage)
	if err != nil {
		return err
	}
	if userID == actor.UserID {
		return domain.Errorf(domain.EFORBIDDEN, "You cannot do this to your own account; another administrator can.")
	}
	return s.Tx.InTx(ctx, func(ctx context.Context) error {
		u, err := s.lockUser(ctx, userID)
		if err != nil {
			return err
		}
		return change(ctx, u, s.now())
	})
}

// lockUser reads a user and locks their row until the transaction ends.
func (s *Service) lockUser(ctx context.Context, id int64) (User, error) {
	u, found, err := s.Store.User(ctx, id, true)
	if err == nil && !found {
		err = notFoundUser()
	}
	return u, err
}

// keepAnAdministrator refuses to take away the last active administrator.
func (s *Service) keepAnAdministrator(ctx context.Context, u User) error {
	if u.Status != Active || !u.HasRole(Administrator) {
		return nil
	}
	n, err := s.Store.CountActiveWithRole(ctx, Administrator)
	if err != nil {
		return err
	}
	if n <= 1 {
		return domain.Errorf(domain.ECONFLICT, "%s is the last active administrator; appoint another first.", u.Username)
	}
	return nil
}

// RequestRole asks for a role for a user. The auditor role, read-only, is
// granted at once; any other waits for a second administrator (four eyes).
// A role that conflicts with one the user holds is refused (7.2.2).
func (s *Service) RequestRole(ctx context.Context, actor *Principal, userID int64, role Role, reason string) (granted bool, err error) {
	ctx, err = authorize(ctx, actor, PermUsersManage)
	if err != nil {
		return false, err
	}
	reason = strings.TrimSpace(reason)
	switch {
	case !role.Valid():
		return false, domain.Errorf(domain.EINVALID, "%q is not a role.", role)
	case reason == "" || len(reason) > 200:
		return false, domain.Errorf(domain.EINVALID, "Give a reason (at most 200 characters); the approver sees it.")
	}
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		u, err := s.lockUser(ctx, userID)
		if err != nil {
			return err
		}
		if err := grantable(u, role); err != nil {
			return err
		}
		now := s.now()
		if !role.Privileged() {
			granted = true
			if err := s.Store.AddRole(ctx, u.ID, role, actor.Username, "", now); err != nil {
				return err
			}
			return s.record(ctx, audit.Event{Action: audit.RoleGranted, Target: u.auditTarget(),
				Detail: map[string]string{"role": string(role), "reason": reason}})
		}
		r := AccessRequest{Kind: GrantRole, UserID: u.ID, Role: role, Reason: reason, RequestedBy: actor.UserID,
			RequestedAt: now, ExpiresAt: now.Add(s.Policy.RequestTTL), Status: RequestPending}
		if err := s.Store.CreateRequest(ctx, &r); err != nil {
			return err
		}
		return s.record(ctx, audit.Event{Action: audit.RoleGrantRequested, Target: u.auditTarget(),
			Detail: map[string]string{"role": string(role), "reason": reason, "request": itoa(int(r.ID))}})
	})
	return granted, err
}

func grantable(u User, role Role) error {
	switch {
	case u.Status != Active:
		return domain.Errorf(domain.ECONFLICT, "%s is disabled; enable the account first.", u.Username)
	case u.HasRole(role):
		return domain.Errorf(domain.ECONFLICT, "%s already holds %s.", u.Username, role.Label())
	}
	if why := Conflict(u.Roles, role); why != "" {
		return domain.Errorf(domain.EINVALID, "%s cannot be combined with the roles %s holds: %s.", role.Label(), u.Username, why)
	}
	return nil
}

// RevokeRole takes a role away at once: reducing access needs no second
// pair of eyes. The last active administrator keeps theirs.
func (s *Service) RevokeRole(ctx context.Context, actor *Principal, userID int64, role Role) error {
	ctx, err := authorize(ctx, actor, PermUsersManage)
	if err != nil {
		return err
	}
	return s.Tx.InTx(ctx, func(ctx context.Context) error {
		u, err := s.lockUser(ctx, userID)
		if err != nil {
			return err
		}
		if role == Administrator {
			if err := s.keepAnAdministrator(ctx, u); err != nil {
				return err
			}
		}
		removed, err := s.Store.RemoveRole(ctx, u.ID, role)
		if err != nil {
			return err
		}
		if !removed {
			return domain.Errorf(domain.ECONFLICT, "%s does not hold %s.", u.Username, role.Label())
		}
		return s.record(ctx, audit.Event{Action: audit.RoleRevoked, Target: u.auditTarget(), Detail: map[string]string{"role": string(role)}})
	})
}

// RequestMFAReset asks a second administrator to clear a user's
// authenticator (lost phone); the user then sets up a new one at next sign-in.
func (s *Service) RequestMFAReset(ctx context.Context, actor *Principal, userID int64, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 200 {
		return domain.Errorf(domain.EINVALID, "Give a reason (at most 200 characters); the approver sees it.")
	}
	return s.changeOther(ctx, actor, userID, func(ctx context.Context, u User, now time.Time) error {
		if !u.MFAEnrolled() {
			return domain.Errorf(domain.ECONFLICT, "%s has no authenticator set up.", u.Username)
		}
		r := AccessRequest{Kind: ResetMFA, UserID: u.ID, Reason: reason, RequestedBy: actor.UserID,
			RequestedAt: now, ExpiresAt: now.Add(s.Policy.RequestTTL), Status: RequestPending}
		if err := s.Store.CreateRequest(ctx, &r); err != nil {
			return err
		}
		return s.record(ctx, audit.Event{Action: audit.MFAResetRequested, Target: u.auditTarget(),
			Detail: map[string]string{"reason": reason, "request": itoa(int(r.ID))}})
	})
}

// Decide approves or rejects a pending request. The decider must be
// another administrator than the requester, and not the user concerned.
// Approval applies the change in the same transaction.
func (s *Service) Decide(ctx context.Context, actor *Principal, requestID int64, approve bool) error {
	ctx, err := authorize(ctx, actor, PermUsersApprove)
	if err != nil {
		return err
	}
	return s.Tx.InTx(ctx, func(ctx context.Context) error {
		r, found, err := s.Store.Request(ctx, requestID, true)
		if err != nil {
			return err
		}
		now := s.now()
		switch {
		case !found:
			return domain.Errorf(domain.ENOTFOUND, "There is no such request.")
		case r.Status != RequestPending:
			return domain.Errorf(domain.ECONFLICT, "This request was already %s.", r.Status)
		case r.Expired(now):
			return domain.Errorf(domain.ECONFLICT, "This request expired undecided; ask for it again if it is still needed.")
		case r.RequestedBy == actor.UserID:
			return domain.Errorf(domain.EFORBIDDEN, "You made this request: a second administrator must decide it.")
		case r.UserID == actor.UserID:
			return domain.Errorf(domain.EFORBIDDEN, "This request concerns your own account: another administrator must decide it.")
		}
		u, _, err := s.Store.User(ctx, r.UserID, true)
		if err != nil {
			return err
		}
		detail := map[string]string{"request": itoa(int(r.ID)), "requested_by": r.RequestedByName}
		if !approve {
			if err := s.Store.DecideRequest(ctx, r.ID, RequestRejected, actor.UserID, now); err != nil {
				return err
			}
			detail["kind"] = string(r.Kind)
			return s.record(ctx, audit.Event{Action: audit.AccessRequestRejected, Target: u.auditTarget(), Detail: detail})
		}
		if err := s.Store.DecideRequest(ctx, r.ID, RequestApproved, actor.UserID, now); err != nil {
			return err
		}
		if r.Kind == ResetMFA {
			return s.resetMFA(ctx, u, detail)
		}
		if err := grantable(u, r.Role); err != nil {
			return err
		}
		if err := s.Store.AddRole(ctx, u.ID, r.Role, r.RequestedByName, actor.Username, now); err != nil {
			return err
		}
		detail["role"] = string(r.Role)
		return s.record(ctx, audit.Event{Action: audit.RoleGranted, Target: u.auditTarget(), Detail: detail})
	})
}

func (s *Service) resetMFA(ctx context.Context, u User, detail map[string]string) error {
	if err := s.Store.ClearTOTP(ctx, u.ID); err != nil {
		return err
	}
	n, err := s.Store.DeleteUserSessions(ctx, u.ID, nil)
	if err != nil {
		return err
	}
	detail["sessions_ended"] = itoa(n)
	return s.record(ctx, audit.Event{Action: audit.MFAReset, Target: u.auditTarget(), Detail: detail})
}

// Users lists users for those who may read them.
func (s *Service) Users(ctx context.Context, actor *Principal, q UserQuery) ([]User, error) {
	ctx, err := authorize(ctx, actor, PermUsersRead)
	if err != nil {
		return nil, err
	}
	if q.Limit <= 0 || q.Limit > UsersPageSize {
		q.Limit = UsersPageSize
	}
	if len(q.Search) > 100 {
		return nil, domain.Errorf(domain.EINVALID, "The search is too long.")
	}
	return s.Store.ListUsers(ctx, q)
}

// UserDetail is one user with their sessions and requests.
type UserDetail struct {
	User     User
	Sessions []Session
	Requests []AccessRequest
}

// User returns one user's detail for those who may read users.
func (s *Service) User(ctx context.Context, actor *Principal, id int64) (UserDetail, error) {
	ctx, err := authorize(ctx, actor, PermUsersRead)
	if err != nil {
		return UserDetail{}, err
	}
	u, found, err := s.Store.User(ctx, id, false)
	if err != nil || !found {
		if err == nil {
			err = notFoundUser()
		}
		return UserDetail{}, err
	}
	d := UserDetail{User: u}
	if d.Sessions, err = s.Store.ListSessions(ctx, id); err != nil {
		return d, err
	}
	d.Requests, err = s.Store.ListRequests(ctx, RequestQuery{UserID: id, Limit: 20})
	return d, err
}

// Requests lists four-eyes requests for those who may read users.
func (s *Service) Requests(ctx context.Context, actor *Principal, q RequestQuery) ([]AccessRequest, error) {
	ctx, err := authorize(ctx, actor, PermUsersRead)
	if err != nil {
		return nil, err
	}
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 200
	}
	return s.Store.ListRequests(ctx, q)
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// Holds reports whether username is an active user whose roles grant p:
// who a piece of work may be handed to.
func (s *Service) Holds(ctx context.Context, username string, p Permission) (bool, error) {
	u, found, err := s.Store.UserByUsername(ctx, username)
	if err != nil || !found {
		return false, err
	}
	return u.Status == Active && Permissions(u.Roles)[p], nil
}
