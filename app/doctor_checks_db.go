package app

import (
	"context"
	"fmt"
	"time"

	"github.com/paycompliance/console/migrations"
	"github.com/paycompliance/console/postgres"
)

// checkSchema: serve needs the schema at exactly this binary's version.
func checkSchema(ctx context.Context, env *doctorEnv) result {
	const name = "database"
	applied, latest, err := postgres.MigrationStatus(ctx, env.db, migrations.FS)
	env.schemaVersion = applied
	switch {
	case err != nil:
		return fail(name, env.dbSource+": reading the schema version: "+err.Error(), "check that the login may read schema_migrations")
	case applied > latest:
		return fail(name, fmt.Sprintf("%s is at schema version %d, this binary knows only %d: it is older than the database", env.dbSource, applied, latest),
			"deploy the newer binary; never run an older one against a migrated database")
	case applied < latest && env.cfg.MigrateOnStart:
		return warn(name, fmt.Sprintf("%s is at schema version %d of %d: serve migrates first (MIGRATE_ON_START=true)", env.dbSource, applied, latest),
			"run 'console migrate' as the schema owner as a deploy step, before the new instances start")
	case applied < latest:
		return fail(name, fmt.Sprintf("%s is at schema version %d of %d, and MIGRATE_ON_START=false: serve refuses to start", env.dbSource, applied, latest),
			"run 'console migrate' with the schema owner's DATABASE_URL")
	}
	return pass(name, fmt.Sprintf("%s answers; schema version %d, current", env.dbSource, latest))
}

// checkRoles: least privilege. The login must not be a superuser (it could
// RESET ROLE and do anything), the role the console acts as must not own
// the schema (an owner can drop the audit log's triggers), and in
// production the login should not own it either: migrations run as a
// separate owner login at deploy.
func checkRoles(ctx context.Context, env *doctorEnv) result {
	const name = "db-privileges"
	if env.schemaVersion == 0 {
		return warn(name, "the database has no schema yet, so there is no owner to compare the login with", "run 'console migrate' as the schema owner, then console doctor again")
	}
	var login, owner string
	var super, loginOwns, actingOwns bool
	err := env.db.QueryRow(ctx, `
		SELECT session_user, r.rolsuper, t.tableowner,
			pg_has_role(session_user, t.tableowner, 'USAGE'),
			CASE WHEN $1::text = '' THEN pg_has_role(session_user, t.tableowner, 'USAGE')
			     WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1::text) THEN pg_has_role($1::text::name, t.tableowner, 'USAGE')
			     ELSE false END
		FROM pg_roles r, pg_tables t
		WHERE r.rolname = session_user AND t.tablename = 'schema_migrations' AND t.schemaname = current_schema()`,
		env.cfg.DBRole).Scan(&login, &super, &owner, &loginOwns, &actingOwns)
	if err != nil {
		return fail(name, "reading the roles: "+err.Error(), "run 'console migrate' first, then check again")
	}
	const split = "give the console a login that is only a member of DB_ROLE, set MIGRATE_ON_START=false and run 'console migrate' as the owner at deploy (README, Database roles; docs/deployment.md)"
	acting := env.cfg.DBRole
	if acting == "" {
		acting = login
	}
	switch {
	case super:
		return fail(name, fmt.Sprintf("the login %q is a superuser: whatever DB_ROLE says, the console could do anything", login), split)
	case actingOwns:
		return fail(name, fmt.Sprintf("the console acts as %q, which owns the schema (owner %q): it could drop the audit log's protections", acting, owner),
			"set DB_ROLE=console_app; "+split)
	case loginOwns && env.cfg.MigrateOnStart:
		return warn(name, fmt.Sprintf("the login %q owns the schema and serve migrates with it (MIGRATE_ON_START=true); it acts as %q", login, acting),
			"production should split the roles: "+split)
	case loginOwns:
		return warn(name, fmt.Sprintf("the login %q owns the schema though MIGRATE_ON_START=false", login), split)
	}
	return pass(name, fmt.Sprintf("the login %q is not a superuser and does not own the schema (owner %q); the console acts as %q", login, owner, acting))
}

// checkAppRole: serve runs SET ROLE DB_ROLE on every connection.
func checkAppRole(ctx context.Context, env *doctorEnv) result {
	const name = "db-role"
	role := env.cfg.DBRole
	if role == "" {
		return warn(name, "DB_ROLE is empty: the console acts as its login, with all the login's privileges",
			"set DB_ROLE=console_app (the role migrations grant the application's privileges to)")
	}
	var exists, member bool
	err := env.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1::text),
		CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1::text) THEN pg_has_role(session_user, $1::text::name, 'MEMBER') ELSE false END`, role).Scan(&exists, &member)
	switch {
	case err != nil:
		return fail(name, "reading the roles: "+err.Error(), "check the database")
	case !exists:
		return fail(name, fmt.Sprintf("DB_ROLE %q does not exist", role), "run 'console migrate' (it creates console_app), or set DB_ROLE to the application's role")
	case !member:
		return fail(name, fmt.Sprintf("the login is not a member of DB_ROLE %q: SET ROLE fails and serve cannot connect", role),
			fmt.Sprintf("as the owner: GRANT %s TO <the login>", role))
	}
	return pass(name, fmt.Sprintf("DB_ROLE %q exists and the login is a member of it", role))
}

// maxClockSkew is how far this host's clock may be from the database's:
// sessions, TOTP steps, cutoffs and audit times mix the two.
const maxClockSkew = time.Second

// checkClock compares this host's clock with the database's, allowing for
// the round trip.
func checkClock(ctx context.Context, env *doctorEnv) result {
	const name = "clock"
	before := env.now()
	var dbNow time.Time
	if err := env.db.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&dbNow); err != nil {
		return fail(name, "reading the database's clock: "+err.Error(), "check the database")
	}
	after := env.now()
	rtt := after.Sub(before)
	skew := dbNow.Sub(before.Add(rtt / 2)).Round(time.Millisecond)
	if skew.Abs() > maxClockSkew {
		direction := "ahead of"
		if skew < 0 {
			direction = "behind"
		}
		return warn(name, fmt.Sprintf("the database's clock is %s %s this host's (round trip %s)", skew.Abs(), direction, rtt.Round(time.Millisecond)),
			"run NTP (chrony or systemd-timesyncd) on both hosts, against the same source")
	}
	return pass(name, fmt.Sprintf("within %s of the database's clock (%s)", maxClockSkew, skew))
}

// checkDemoAccounts: demo users have published credentials (`serve --demo`
// prints them), so they have no place next to real money.
func checkDemoAccounts(ctx context.Context, env *doctorEnv) result {
	const name = "demo-data"
	var n int
	var users *string
	if err := env.db.QueryRow(ctx, `SELECT to_regclass('users')::text`).Scan(&users); err != nil {
		return fail(name, "looking for the users table: "+err.Error(), "check the database")
	} else if users == nil {
		return pass(name, "no accounts yet")
	}
	if err := env.db.QueryRow(ctx, `SELECT count(*) FROM users WHERE lower(email) LIKE '%@demo.example' AND status = 'active'`).Scan(&n); err != nil {
		return fail(name, "counting demo accounts: "+err.Error(), "check the database")
	}
	switch {
	case n == 0:
		return pass(name, "no enabled demo accounts")
	case !env.cfg.testMode():
		return fail(name, fmt.Sprintf("%d enabled demo accounts (…@demo.example) with a Stripe key set: their passwords are in DATA_DIR/%s", n, DemoCredentialsFile),
			"disable them in the console (Users), and never run serve --demo or console seed against this database")
	}
	return warn(name, fmt.Sprintf("%d enabled demo accounts (…@demo.example): fine for a trial, not for production", n),
		"use a fresh database for production: create the first administrators with 'console users add-admin'")
}
