package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/postgres"
)

// newIdentity wires the identity service: users, sessions and API keys in
// PostgreSQL, secrets through the keyring, every change in the audit trail.
func newIdentity(db *pgxpool.Pool, ring *keys.Keyring, log *audit.Log, cfg Config) *identity.Service {
	return &identity.Service{
		Store:  postgres.IdentityStore{DB: db},
		Tx:     postgres.Transactor{DB: db},
		Audit:  log,
		Keys:   ring,
		Policy: cfg.policy(),
	}
}

// addAdmin is `console users add-admin`: the first administrators of a new
// installation, each with a temporary password to hand over. Two are
// allowed, so that four-eyes approvals can start; after that, people are
// invited in the console.
func addAdmin(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer, n identity.NewUser) error {
	db, trail, err := openTrail(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.cleanup(context.WithoutCancel(ctx))
	u, temp, err := newIdentity(db.pool, trail.ring, trail.log, cfg).Bootstrap(ctx, n)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "administrator %s created.\ntemporary password (single use, valid 72 hours): %s\n"+
		"At first sign-in they set up an authenticator app and choose their own password.\n", u.Username, temp)
	return nil
}
