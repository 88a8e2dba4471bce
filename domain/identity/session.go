package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"

	"github.com/paycompliance/console/domain/audit"
)

// Stage is how far a session has authenticated.
type Stage string

const (
	// StagePassword: the password was right; the session reaches only the
	// TOTP form (or enrollment) and sign-out.
	StagePassword Stage = "password"
	// StageFull: password and TOTP both passed.
	StageFull Stage = "full"
)

// Session is a server-side session as stored. The id the browser holds is
// never stored; only its hash is, and Handle names the session in lists.
type Session struct {
	Handle     string
	UserID     int64
	Stage      Stage
	CSRFToken  string
	CreatedAt  time.Time // the absolute limit counts from sign-in, across id rotations
	LastSeenAt time.Time
	StepUpAt   time.Time
	IP         string
	UserAgent  string
}

// Principal is who a request acts as: the session and what it needs of
// the user, read together in one query on every request.
type Principal struct {
	Session
	Username           string
	DisplayName        string
	Roles              []Role
	UserStatus         Status
	MFAEnrolled        bool
	MustChangePassword bool
	perms              map[Permission]bool
}

// Can reports whether the principal's roles grant p. A session that has not
// passed MFA, or must change its password first, can do nothing.
func (p *Principal) Can(perm Permission) bool {
	if p.Stage != StageFull || p.MustChangePassword {
		return false
	}
	if p.perms == nil {
		p.perms = Permissions(p.Roles)
	}
	return p.perms[perm]
}

// AuditActor is the principal as the audit trail names them.
func (p *Principal) AuditActor() audit.Actor {
	return audit.Actor{Type: audit.ActorUser, ID: p.Username, Roles: roleNames(p.Roles)}
}

// IdleDeadline is when the session ends unless it is used.
func (p *Principal) IdleDeadline(pol Policy) time.Time {
	d := p.LastSeenAt.Add(pol.IdleTimeout)
	if abs := p.CreatedAt.Add(pol.MaxSessionAge); abs.Before(d) {
		return abs
	}
	return d
}

// SessionID is the secret the browser holds: 256 random bits.
type SessionID string

func newSessionID() SessionID {
	b := make([]byte, 32)
	rand.Read(b)
	return SessionID(base64.RawURLEncoding.EncodeToString(b))
}

// Hash is what is stored and looked up. A malformed id hashes to a value
// no session has, so it simply finds nothing.
func (id SessionID) Hash() []byte {
	sum := sha256.Sum256([]byte(id))
	return sum[:]
}

// handle is the session's public name: part of its hash, so it reveals
// nothing of the id.
func (id SessionID) handle() string { return hex.EncodeToString(id.Hash()[:12]) }

// Valid reports whether id has the shape of an id this package issues.
func (id SessionID) Valid() bool {
	b, err := base64.RawURLEncoding.DecodeString(string(id))
	return err == nil && len(b) == 32
}

func newCSRFToken() string { return randomString(32) }
