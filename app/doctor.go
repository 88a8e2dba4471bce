package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/postgres"
)

// status is a check's verdict: OK, worth a look (WARN), or not fit for
// production (FAIL, and `console doctor` exits 1).
type status string

const (
	statusOK   status = "OK"
	statusWarn status = "WARN"
	statusFail status = "FAIL"
)

// result is one line of `console doctor`: what was found and, unless it
// is OK, how to fix it. Neither may hold a secret.
type result struct {
	status      status
	name, found string
	fix         string
}

func pass(name, found string) result      { return result{statusOK, name, found, ""} }
func warn(name, found, fix string) result { return result{statusWarn, name, found, fix} }
func fail(name, found, fix string) result { return result{statusFail, name, found, fix} }

// doctorEnv is what the checks look at: the configuration, its problems,
// and a pool on the database as the login itself (no SET ROLE), so that a
// missing DB_ROLE is reported rather than preventing every other check.
type doctorEnv struct {
	cfg      Config
	problems error // from LoadConfig
	db       *pgxpool.Pool
	dbSource string
	// schemaVersion is the applied migration, 0 for an empty database.
	schemaVersion int
	now           func() time.Time
}

// check is one of the doctor's checks.
type check func(ctx context.Context, env *doctorEnv) result

// configChecks need only the configuration and this host; dbChecks need
// the database and run only once it answers.
var (
	configChecks = []check{checkConfig, checkDataDir, checkKeyring, checkCheckpointSink, checkACHDelivery,
		checkTLS, checkAdminAddr, checkStripe, checkPCISettings}
	dbChecks = []check{checkRoles, checkAppRole, checkClock, checkDemoAccounts}
)

// doctor is `console doctor`: it loads the configuration as serve does,
// checks it against this host, the database and the cloud services it
// names, prints one line per check and returns the exit code.
func doctor(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, problems := LoadConfig(getenv)
	env := &doctorEnv{cfg: cfg, problems: problems, now: time.Now}
	results, closeDB := runDoctor(ctx, env, newLogger(stderr, cfg))
	defer closeDB()
	return printResults(stdout, results)
}

// runDoctor runs every check; the database's first, since the others that
// need it are left out (and said to be) when it does not answer.
func runDoctor(ctx context.Context, env *doctorEnv, log *slog.Logger) ([]result, func()) {
	dbResult, closeDB := openDoctorDatabase(ctx, env, log)
	var results []result
	for _, c := range configChecks {
		results = append(results, c(ctx, env))
	}
	results = append(results, dbResult)
	if env.db != nil {
		for _, c := range dbChecks {
			results = append(results, c(ctx, env))
		}
	}
	return results, closeDB
}

// openDoctorDatabase finds the database as serve does (DATABASE_URL, else
// the local server, else the private cluster) and checks its schema.
func openDoctorDatabase(ctx context.Context, env *doctorEnv, log *slog.Logger) (result, func()) {
	const name = "database"
	noop := func() {}
	cfg := env.cfg
	opts := postgres.LocateOptions{URL: cfg.DatabaseURL, LocalAddr: cfg.PGLocalAddr, Database: cfg.PGDatabase, DataDir: cfg.DataDir, Logger: log}
	if cfg.PGBinDir != "" {
		opts.BinDirs = []string{cfg.PGBinDir}
	}
	located, err := postgres.Locate(ctx, opts)
	if err != nil {
		return fail(name, "not reachable: "+err.Error()+"; the role, clock and demo-account checks did not run",
			"set DATABASE_URL to the production server (postgres://console@db.internal:5432/console?sslmode=verify-full)"), noop
	}
	stop := func() { located.Stop(context.WithoutCancel(ctx)) }
	pool, err := postgres.Connect(ctx, located.URL, 2, "")
	if err != nil {
		stop()
		return fail(name, redactErr(err, located.URL)+"; the role, clock and demo-account checks did not run",
			"check DATABASE_URL's host, database, login and password, and that pg_hba.conf admits this host"), noop
	}
	env.db, env.dbSource = pool, describeDB(located)
	closeDB := func() { pool.Close(); stop() }
	r := checkSchema(ctx, env)
	if r.status == statusOK && cfg.DatabaseURL == "" {
		r = warn(name, r.found+", but DATABASE_URL is empty: this is the development fallback",
			"set DATABASE_URL to the production server, with sslmode=verify-full")
	}
	return r, closeDB
}

// describeDB names a database without its password: the URL's host, port,
// database and login.
func describeDB(l *postgres.Located) string {
	c, err := pgxpool.ParseConfig(l.URL)
	if err != nil {
		return l.Source
	}
	cc := c.ConnConfig
	return fmt.Sprintf("%s (%s:%d/%s as %s)", l.Source, cc.Host, cc.Port, cc.Database, cc.User)
}

// redactErr removes url's password from an error's text, should a driver
// ever quote it.
func redactErr(err error, url string) string {
	msg := err.Error()
	if c, perr := pgxpool.ParseConfig(url); perr == nil && c.ConnConfig.Password != "" {
		msg = strings.ReplaceAll(msg, c.ConnConfig.Password, "xxxxx")
	}
	return msg
}

// printResults writes one line per result and returns 1 if any failed.
func printResults(w io.Writer, results []result) int {
	code, counts := 0, map[status]int{}
	for _, r := range results {
		counts[r.status]++
		line := fmt.Sprintf("%-4s  %-16s  %s", r.status, r.name, r.found)
		if r.fix != "" {
			line += "; fix: " + r.fix
		}
		fmt.Fprintln(w, line)
		if r.status == statusFail {
			code = 1
		}
	}
	fmt.Fprintf(w, "%d OK, %d WARN, %d FAIL\n", counts[statusOK], counts[statusWarn], counts[statusFail])
	return code
}
