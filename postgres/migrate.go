package postgres

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Migration is one numbered SQL file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// migrationLock serialises migrators across instances starting together.
const migrationLock = 7_262_001

// LoadMigrations reads NNNN_name.sql files from fsys. Versions must run
// 1, 2, 3, ... with no gap or duplicate, so a bad merge fails loudly.
func LoadMigrations(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migrations: %q is not named NNNN_lowercase_name.sql", e.Name())
		}
		sql, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, err
		}
		version, _ := strconv.Atoi(m[1])
		if version != len(ms)+1 {
			return nil, fmt.Errorf("migrations: %q: expected version %04d next", e.Name(), len(ms)+1)
		}
		ms = append(ms, Migration{Version: version, Name: m[2], SQL: string(sql)})
	}
	return ms, nil
}

// Migrate applies the migrations not yet applied, each in its own
// transaction together with its schema_migrations row, under an advisory lock
// so that concurrent starts apply each migration once. It returns what it applied.
func Migrate(ctx context.Context, pool *pgxpool.Pool, fsys fs.FS) ([]Migration, error) {
	ms, err := LoadMigrations(fsys)
	if err != nil {
		return nil, err
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return nil, err
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return nil, err
	}
	current, err := appliedVersion(ctx, conn)
	if err != nil {
		return nil, err
	}
	if current > len(ms) {
		return nil, fmt.Errorf("migrations: database is at version %d, this binary knows only %d: run the newer binary", current, len(ms))
	}
	var applied []Migration
	for _, m := range ms[current:] {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name)
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
		}
		applied = append(applied, m)
	}
	return applied, nil
}

// MigrationStatus returns the applied version and the newest one fsys holds.
func MigrationStatus(ctx context.Context, db *pgxpool.Pool, fsys fs.FS) (applied, latest int, err error) {
	ms, err := LoadMigrations(fsys)
	if err != nil {
		return 0, 0, err
	}
	conn, err := db.Acquire(ctx)
	if err != nil {
		return 0, len(ms), err
	}
	defer conn.Release()
	applied, err = appliedVersion(ctx, conn)
	return applied, len(ms), err
}

func appliedVersion(ctx context.Context, conn *pgxpool.Conn) (int, error) {
	var v int
	err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v)
	if err != nil && isUndefinedTable(err) {
		return 0, nil
	}
	return v, err
}
