package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// LocateOptions say where to look; zero values take the defaults.
type LocateOptions struct {
	URL       string   // DATABASE_URL; when set it is used as is, nothing else is tried
	LocalAddr string   // local server to probe; default "127.0.0.1:5432" (user postgres, trust auth)
	Database  string   // database to use/create on the local server or private cluster; default "console"
	BinDirs   []string // where to look for initdb/pg_ctl; default: /usr/lib/postgresql/*/bin (highest version first), then PATH
	DataDir   string   // data directory; a private cluster lives in DataDir/postgres; default "var"
	Logger    *slog.Logger
}

// Located is a usable database.
type Located struct {
	URL    string                          // connection string for pgx
	Source string                          // e.g. "DATABASE_URL", "local server 127.0.0.1:5432", "private cluster in var/postgres"
	Stop   func(ctx context.Context) error // stops a private cluster this call started; no-op otherwise
}

// probeTimeout bounds the local probe: a server on loopback answers in
// milliseconds, and a hung port must not stall startup.
const probeTimeout = 2 * time.Second

// Locate finds a database in order: opts.URL, a server on opts.LocalAddr, a
// private cluster started from the PostgreSQL binaries. It never falls back
// silently: each choice is logged, and if none works the error says what to do.
func Locate(ctx context.Context, opts LocateOptions) (*Located, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	noop := func(context.Context) error { return nil }
	if opts.URL != "" {
		log.Info("postgres: using DATABASE_URL", "url", redactURL(opts.URL))
		return &Located{URL: opts.URL, Source: "DATABASE_URL", Stop: noop}, nil
	}
	addr := cmp.Or(opts.LocalAddr, "127.0.0.1:5432")
	db := cmp.Or(opts.Database, "console")

	admin := (&url.URL{Scheme: "postgres", User: url.User("postgres"), Host: addr, Path: "/postgres", RawQuery: "sslmode=disable"}).String()
	answered, err := prepareDatabase(ctx, admin, db)
	if answered {
		if err != nil {
			return nil, fmt.Errorf("postgres: the server on %s answers but is unusable (set DATABASE_URL to use another): %w", addr, err)
		}
		l := &Located{URL: withDB(admin, db), Source: "local server " + addr, Stop: noop}
		log.Info("postgres: using "+l.Source, "url", l.URL)
		return l, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	log.Info("postgres: no server on "+addr, "err", err)

	dirs, where := opts.BinDirs, strings.Join(opts.BinDirs, ", ")
	if dirs == nil {
		dirs, where = defaultBinDirs(), "/usr/lib/postgresql/*/bin or PATH"
	}
	bin, ok := findBins(dirs)
	if !ok {
		return nil, fmt.Errorf("postgres: no PostgreSQL found: nothing answers on %s and no initdb/pg_ctl in %s. "+
			"Install PostgreSQL (Debian: apt-get install postgresql) or set DATABASE_URL", addr, where)
	}
	display := filepath.Join(cmp.Or(opts.DataDir, "var"), "postgres")
	c, err := newCluster(bin, display)
	if err != nil {
		return nil, err
	}
	started, err := c.ensureRunning(ctx, log)
	if err != nil {
		return nil, err
	}
	stop := noop
	if started {
		stop = c.stop
	}
	if _, err := prepareDatabase(ctx, c.adminURL(), db); err != nil {
		err = fmt.Errorf("postgres: private cluster in %s: %w", display, err)
		if started {
			err = errors.Join(err, c.stop(context.WithoutCancel(ctx)))
		}
		return nil, err
	}
	l := &Located{URL: withDB(c.adminURL(), db), Source: "private cluster in " + display, Stop: stop}
	log.Info("postgres: using "+l.Source, "url", l.URL, "started", started, "bin", bin)
	return l, nil
}

// prepareDatabase connects to adminURL and creates db if missing. answered
// reports whether a PostgreSQL server replied at all, so that a server that
// refuses us is an error rather than a reason to look elsewhere.
func prepareDatabase(ctx context.Context, adminURL, db string) (answered bool, err error) {
	cfg, err := pgx.ParseConfig(adminURL)
	if err != nil {
		return false, err
	}
	cfg.ConnectTimeout = probeTimeout
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		var pgErr *pgconn.PgError
		return errors.As(err, &pgErr), err
	}
	defer conn.Close(context.WithoutCancel(ctx))

	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, db).Scan(&exists); err != nil {
		return true, err
	}
	if exists {
		return true, nil
	}
	_, err = conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{db}.Sanitize())
	var pgErr *pgconn.PgError
	// A concurrent Locate won: duplicate_database, or unique_violation when
	// both passed PostgreSQL's own existence check.
	if errors.As(err, &pgErr) && (pgErr.Code == "42P04" || pgErr.Code == "23505") {
		err = nil
	}
	if err != nil {
		err = fmt.Errorf("create database %s: %w", db, err)
	}
	return true, err
}

// withDB returns the URL u pointing at database db.
func withDB(u, db string) string {
	parsed, err := url.Parse(u)
	if err != nil { // u is built by this package
		panic(err)
	}
	parsed.Path = "/" + db
	return parsed.String()
}

var dsnPassword = regexp.MustCompile(`(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// redactURL hides the password in a URL or keyword/value connection
// string, so connection strings can be logged.
func redactURL(s string) string {
	if !strings.HasPrefix(s, "postgres://") && !strings.HasPrefix(s, "postgresql://") {
		return dsnPassword.ReplaceAllString(s, "${1}xxxxx")
	}
	u, err := url.Parse(s)
	if err != nil {
		return "(unparseable URL)"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
