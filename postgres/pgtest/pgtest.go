// Package pgtest gives tests their own migrated PostgreSQL database, cloned
// from a template database that is migrated once per schema version, so a
// new database costs a file copy rather than a migration run.
//
// It uses PGTEST_URL (default postgres://postgres@127.0.0.1:5432/postgres),
// an account allowed to create databases.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime/debug"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/jobs"
	"github.com/paycompliance/console/migrations"
	"github.com/paycompliance/console/postgres"
)

// AdminURL is the server tests create their databases on.
func AdminURL() string {
	if u := os.Getenv("PGTEST_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// templateLock serialises template builds across test binaries run in parallel.
const templateLock = 7_262_002

// NewDB creates a fresh, migrated database, returns a pool on it and its URL,
// and drops it when the test ends.
func NewDB(t testing.TB) (*pgxpool.Pool, string) {
	t.Helper()
	ctx := context.Background()
	url, drop, err := CreateDB(ctx)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	pool, err := postgres.Connect(ctx, url, 0, "")
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		pool.Close()
		if err := drop(); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return pool, url
}

// CreateDB creates a fresh migrated database and returns its URL and a
// function that drops it. For use in TestMain; tests use NewDB.
func CreateDB(ctx context.Context) (url string, drop func() error, err error) {
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return "", nil, fmt.Errorf("cannot reach the test server (PGTEST_URL): %w", err)
	}
	defer admin.Close(ctx)
	template, err := ensureTemplate(ctx, admin)
	if err != nil {
		return "", nil, err
	}
	name := "test_" + randomHex(8)
	if _, err := admin.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, ident(name), ident(template))); err != nil {
		return "", nil, fmt.Errorf("create %s: %w", name, err)
	}
	drop = func() error {
		c, err := pgx.Connect(context.Background(), AdminURL())
		if err != nil {
			return err
		}
		defer c.Close(context.Background())
		_, err = c.Exec(context.Background(), fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, ident(name)))
		return err
	}
	return withDatabase(admin.Config(), name), drop, nil
}

// ensureTemplate returns the name of the template database for the current
// schema, building it first if no test run has.
func ensureTemplate(ctx context.Context, admin *pgx.Conn) (string, error) {
	name := "pgtest_tmpl_" + schemaHash()
	if _, err := admin.Exec(ctx, `SELECT pg_advisory_lock($1)`, templateLock); err != nil {
		return "", err
	}
	defer admin.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, templateLock)

	defer dropStaleTemplates(ctx, admin, name)
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)`, name).Scan(&exists); err != nil || exists {
		return name, err
	}
	build := name + "_build"
	for _, sql := range []string{
		fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, ident(build)), // a run that died mid-build
		fmt.Sprintf(`CREATE DATABASE %s`, ident(build)),
	} {
		if _, err := admin.Exec(ctx, sql); err != nil {
			return "", err
		}
	}
	pool, err := postgres.Connect(ctx, withDatabase(admin.Config(), build), 2, "")
	if err != nil {
		return "", err
	}
	_, err = postgres.Migrate(ctx, pool, migrations.FS)
	if err == nil {
		err = jobs.Migrate(ctx, pool)
	}
	pool.Close()
	if err != nil {
		return "", fmt.Errorf("migrate template: %w", err)
	}
	for _, sql := range []string{
		fmt.Sprintf(`ALTER DATABASE %s RENAME TO %s`, ident(build), ident(name)),
		fmt.Sprintf(`ALTER DATABASE %s IS_TEMPLATE true`, ident(name)),
	} {
		if _, err := admin.Exec(ctx, sql); err != nil {
			return "", err
		}
	}
	return name, nil
}

// dropStaleTemplates removes templates of earlier schemas, so they do not
// pile up on a shared server. A plain DROP fails, and is let fail, while
// another checkout still clones one.
func dropStaleTemplates(ctx context.Context, admin *pgx.Conn, current string) {
	rows, err := admin.Query(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'pgtest\_tmpl\_%' AND datname NOT LIKE '%\_build' AND datname <> $1`, current)
	if err != nil {
		return
	}
	stale, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return
	}
	for _, name := range stale {
		admin.Exec(ctx, fmt.Sprintf(`ALTER DATABASE %s IS_TEMPLATE false`, ident(name)))
		admin.Exec(ctx, fmt.Sprintf(`DROP DATABASE %s`, ident(name)))
	}
}

// schemaHash names the schema: our migration files plus River's version.
func schemaHash() string {
	h := sha256.New()
	entries, _ := fs.ReadDir(migrations.FS, ".")
	for _, e := range entries {
		b, _ := fs.ReadFile(migrations.FS, e.Name())
		fmt.Fprintf(h, "%s %d\n", e.Name(), len(b))
		h.Write(b)
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			if d.Path == "github.com/riverqueue/river" {
				h.Write([]byte(d.Version))
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func withDatabase(cfg *pgx.ConnConfig, db string) string {
	u := url.URL{Scheme: "postgres", User: url.User(cfg.User), Host: fmt.Sprintf("%s:%d", cfg.Host, cfg.Port), Path: db, RawQuery: "sslmode=disable"}
	if cfg.Password != "" {
		u.User = url.UserPassword(cfg.User, cfg.Password)
	}
	return u.String()
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
