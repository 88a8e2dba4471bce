package identity

import (
	"context"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
)

// Keyring is what identity needs of the keys: TOTP secrets are encrypted
// bound to their user, recovery codes kept as keyed hashes.
type Keyring interface {
	Encrypt(ctx context.Context, plaintext, aad []byte) ([]byte, error)
	Decrypt(ctx context.Context, ciphertext, aad []byte) ([]byte, error)
	Token(ctx context.Context, msg []byte) (string, error)
	CheckToken(ctx context.Context, msg []byte, token string) error
}

// Service holds the identity use cases: signing in, sessions, account
// changes, administration, API keys. Every change is recorded in the audit
// trail in the transaction that makes it.
type Service struct {
	Store  Store
	Tx     domain.Transactor
	Audit  *audit.Log
	Keys   Keyring
	Policy Policy
	Now    func() time.Time // injectable for tests of timeouts
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// record appends an audit event; callers are inside the change's transaction.
func (s *Service) record(ctx context.Context, e audit.Event) error {
	if e.Outcome == "" {
		e.Outcome = audit.Success
	}
	return s.Audit.Record(ctx, e)
}

// attempt runs fn in a transaction that commits even when fn turns the
// caller away: a failed sign-in's counter and audit record must be kept,
// while the caller still gets the failure. fn returns (failure, err); err
// rolls everything back.
func (s *Service) attempt(ctx context.Context, fn func(ctx context.Context) (failure, err error)) error {
	var failure error
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		failure, err = fn(ctx)
		return err
	})
	if err != nil {
		return err
	}
	return failure
}

// totpAAD binds a TOTP secret's ciphertext to its user: copied to another
// user's row, it does not decrypt.
func totpAAD(userID int64) []byte { return []byte("user:" + strconv.FormatInt(userID, 10) + ":totp") }

// recoveryMessage is what a recovery code's keyed hash covers: the code and
// its user, so a hash is worthless for anyone else.
func recoveryMessage(userID int64, code string) []byte {
	return []byte("recovery:" + strconv.FormatInt(userID, 10) + ":" + code)
}

// authorize refuses an actor who lacks perm (routes check first; services
// check again so that no other caller can skip it), and returns ctx with
// the actor named for the audit records the action makes.
func authorize(ctx context.Context, actor *Principal, perm Permission) (context.Context, error) {
	if actor == nil || !actor.Can(perm) {
		return ctx, domain.Errorf(domain.EFORBIDDEN, "You do not have permission to do this.")
	}
	return audit.WithActor(ctx, actor.AuditActor()), nil
}

func notFoundUser() error { return domain.Errorf(domain.ENOTFOUND, "There is no such user.") }
