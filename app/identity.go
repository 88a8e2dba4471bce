package app

import (
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
