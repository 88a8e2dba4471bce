// Package postgres is the PostgreSQL adapter: finding or starting a server,
// the connection pool, schema migrations, transactions with retry, and the
// queries that implement domain ports.
package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// AppRole is the role the running console acts as (see migration 0002):
// its privileges, not the login's, decide what the application may do.
const AppRole = "console_app"

// Connect opens a pool on url and checks that the server answers. With a
// role, every connection runs SET ROLE to it first, so a login that owns the
// schema still acts with the application's narrower privileges.
func Connect(ctx context.Context, url string, maxConns int32, role string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: bad database URL: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "console"
	}
	if role != "" {
		cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
			_, err := c.Exec(ctx, "SET ROLE "+pgx.Identifier{role}.Sanitize())
			return err
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: cannot reach %s:%d as role %q: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, role, err)
	}
	return pool, nil
}
