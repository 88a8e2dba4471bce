package identity

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
)

// Status is whether a user may sign in at all.
type Status string

const (
	Active   Status = "active"
	Disabled Status = "disabled"
)

// User is a person with access to the console, as stored.
type User struct {
	ID             int64
	Username       string // the sign-in name; never changes, and names the user in the audit trail
	Email          string
	DisplayName    string
	Status         Status
	DisabledReason string
	Roles          []Role

	PasswordHash      string // argon2id; "" once a temporary password has been used
	PasswordTemporary bool   // set by an administrator: single use, then a change is forced
	PasswordExpiresAt time.Time
	PasswordChangedAt time.Time

	TOTPSecret     []byte // keyring ciphertext bound to the user
	TOTPPending    []byte // an enrollment awaiting its first code
	TOTPEnrolledAt time.Time
	TOTPLastStep   int64

	FailedAttempts int
	LockedUntil    time.Time
	LastLoginAt    time.Time
	LastActivityAt time.Time
	CreatedAt      time.Time
	CreatedBy      string
}

// MFAEnrolled reports whether the user has a confirmed TOTP secret.
func (u User) MFAEnrolled() bool { return !u.TOTPEnrolledAt.IsZero() }

// Locked reports whether sign-in is refused at now for too many failures.
func (u User) Locked(now time.Time) bool { return now.Before(u.LockedUntil) }

// HasRole reports whether the user holds r.
func (u User) HasRole(r Role) bool { return slices.Contains(u.Roles, r) }

// auditActor is the user as the audit trail names them.
func (u User) auditActor() audit.Actor {
	return audit.Actor{Type: audit.ActorUser, ID: u.Username, Roles: roleNames(u.Roles)}
}

func (u User) auditTarget() audit.Target {
	return audit.Target{Type: "user", ID: u.Username}
}

func roleNames(roles []Role) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = string(r)
	}
	return out
}

// NewUser is what an administrator enters to invite someone.
type NewUser struct {
	Username, Email, DisplayName string
}

var (
	usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)
	emailPattern    = regexp.MustCompile(`^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$`)
)

// normalize trims and lowercases what should be, then validates.
func (n *NewUser) normalize() error {
	n.Username = strings.ToLower(strings.TrimSpace(n.Username))
	n.Email = strings.TrimSpace(n.Email)
	n.DisplayName = strings.TrimSpace(n.DisplayName)
	switch {
	case !usernamePattern.MatchString(n.Username):
		return domain.Errorf(domain.EINVALID, "A username is 3 to 64 lowercase letters, digits, dots, dashes or underscores, starting with a letter or digit.")
	case len(n.Email) > 254 || !emailPattern.MatchString(n.Email):
		return domain.Errorf(domain.EINVALID, "%q is not an email address.", n.Email)
	case n.DisplayName == "" || len(n.DisplayName) > 100:
		return domain.Errorf(domain.EINVALID, "Enter the person's name (at most 100 characters).")
	}
	return nil
}

// UserQuery selects users for the administration list.
type UserQuery struct {
	Search  string // in username, email or name
	Status  Status // "" for all
	AfterID int64  // keyset: users with a larger id
	Limit   int
}

// UsersPageSize is how many users a page lists.
const UsersPageSize = 50
