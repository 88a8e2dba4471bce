package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/postgres"
)

// principalCacheTTL bounds how long an instance may serve a session from
// memory should a change notification be lost (see CachedIdentityStore).
const principalCacheTTL = 2 * time.Second

// newIdentity wires the identity service: users, sessions and API keys in
// PostgreSQL, secrets through the keyring, every change in the audit trail.
// The store caches principals: a server runs its Watch.
func newIdentity(db *pgxpool.Pool, ring *keys.Keyring, log *audit.Log, cfg Config) (*identity.Service, *postgres.CachedIdentityStore) {
	store := &postgres.CachedIdentityStore{IdentityStore: postgres.IdentityStore{DB: db}, TTL: principalCacheTTL}
	return &identity.Service{Store: store, Tx: postgres.Transactor{DB: db}, Audit: log, Keys: ring, Policy: cfg.policy()}, store
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
	ident, _ := newIdentity(db.pool, trail.ring, trail.log, cfg)
	u, temp, err := ident.Bootstrap(ctx, n)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "administrator %s created.\ntemporary password (single use, valid 72 hours): %s\n"+
		"At first sign-in they set up an authenticator app and choose their own password.\n", u.Username, temp)
	return nil
}
