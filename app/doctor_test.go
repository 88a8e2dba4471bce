package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/keyfile"
	"github.com/paycompliance/console/migrations"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/postgres/pgtest"
)

// Secrets the production-like configuration holds; no output may show them.
const (
	doctorStripeKey     = "sk_live_doctor0secret"
	doctorWebhookSecret = "whsec_doctor0secret"
	doctorDBPassword    = "doctor-db-password"
)

// doctorRun runs `console doctor` with env as the environment and returns
// its exit code, its lines by check name, and the whole output.
func doctorRun(t *testing.T, env map[string]string) (int, map[string]string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), []string{"doctor"}, &out, &errOut, func(k string) string { return env[k] })
	lines := map[string]string{}
	for line := range strings.SplitSeq(strings.TrimSpace(out.String()), "\n") {
		if f := strings.Fields(line); len(f) >= 2 {
			lines[f[1]] = line
		}
	}
	return code, lines, out.String() + errOut.String()
}

// wantLine fails unless the named check printed a line with status and
// every fragment.
func wantLine(t *testing.T, lines map[string]string, name string, status status, fragments ...string) {
	t.Helper()
	line, ok := lines[name]
	if !ok {
		t.Errorf("no %s line; got %v", name, lines)
		return
	}
	if !strings.HasPrefix(line, string(status)+" ") {
		t.Errorf("%s: want %s, got %q", name, status, line)
	}
	for _, f := range fragments {
		if !strings.Contains(line, f) {
			t.Errorf("%s: %q does not contain %q", name, line, f)
		}
	}
}

// newLogin creates a login role on the test server (roles are cluster-wide,
// so it is dropped afterwards) and returns dbURL with it as the user.
func newLogin(t *testing.T, owner *pgxpool.Pool, dbURL, options string) (string, string) {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	name := "doctor_" + hex.EncodeToString(b)
	ctx := context.Background()
	if _, err := owner.Exec(ctx, "CREATE ROLE "+pgx.Identifier{name}.Sanitize()+" LOGIN "+options); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, sql := range []string{"REASSIGN OWNED BY %s TO postgres", "DROP OWNED BY %s", "DROP ROLE %s"} {
			if _, err := owner.Exec(ctx, strings.ReplaceAll(sql, "%s", pgx.Identifier{name}.Sanitize())); err != nil {
				t.Errorf("dropping %s: %v", name, err)
			}
		}
	})
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(name, doctorDBPassword) // trust auth ignores it; the output must not show it
	return name, u.String()
}

// productionEnv is a deployment done as docs/deployment.md says, short of
// the S3 bucket: a least-privilege login that migrations do not use, a key
// file of mode 0600, https at a proxy, live Stripe keys.
func productionEnv(t *testing.T) (map[string]string, *pgxpool.Pool, string) {
	owner, dbURL := pgtest.NewDB(t)
	_, loginURL := newLogin(t, owner, dbURL, "IN ROLE console_app")
	dataDir := t.TempDir()
	if _, err := keyfile.Open(filepath.Join(dataDir, "keys.json")); err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"DATABASE_URL": loginURL, "MIGRATE_ON_START": "false", "DATA_DIR": dataDir,
		"PUBLIC_URL":        "https://pay.example.com",
		"STRIPE_SECRET_KEY": doctorStripeKey, "STRIPE_PUBLISHABLE_KEY": "pk_live_doctor", "STRIPE_WEBHOOK_SECRET": doctorWebhookSecret,
	}, owner, dbURL
}

func with(env map[string]string, kv ...string) map[string]string {
	out := maps.Clone(env)
	for i := 0; i < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func TestDoctor_ProductionConfigurationPasses(t *testing.T) {
	t.Parallel()
	env, _, _ := productionEnv(t)
	code, lines, out := doctorRun(t, env)
	if code != 0 {
		t.Errorf("exit %d, want 0:\n%s", code, out)
	}
	for _, name := range []string{"configuration", "data-dir", "keyring", "ach-delivery", "tls", "admin-addr", "stripe", "pci-settings",
		"database", "db-privileges", "db-role", "clock", "demo-data"} {
		wantLine(t, lines, name, statusOK)
	}
	wantLine(t, lines, "audit-sink", statusWarn, "AUDIT_CHECKPOINT_S3_BUCKET")
	wantLine(t, lines, "pci-settings", statusOK, "idle timeout 15m0s")
	for _, secret := range []string{doctorStripeKey, doctorWebhookSecret, doctorDBPassword} {
		if strings.Contains(out, secret) {
			t.Errorf("the output shows a secret (%s):\n%s", secret, out)
		}
	}
}

func TestDoctor_DatabaseRoles(t *testing.T) {
	t.Parallel()
	env, owner, dbURL := productionEnv(t)
	ctx := context.Background()

	// The login pgtest uses is a superuser: whatever DB_ROLE says, it could RESET ROLE.
	code, lines, _ := doctorRun(t, with(env, "DATABASE_URL", dbURL))
	wantLine(t, lines, "db-privileges", statusFail, "superuser")
	if code != 1 {
		t.Errorf("superuser login: exit %d, want 1", code)
	}

	// A login that owns the schema and migrates with it: fine for a trial,
	// not how production should run.
	ownerName, ownerURL := newLogin(t, owner, dbURL, "IN ROLE console_app")
	if _, err := owner.Exec(ctx, "ALTER TABLE schema_migrations OWNER TO "+pgx.Identifier{ownerName}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	code, lines, _ = doctorRun(t, with(env, "DATABASE_URL", ownerURL, "MIGRATE_ON_START", "true"))
	wantLine(t, lines, "db-privileges", statusWarn, "owns the schema", "production should split the roles", "Database roles")
	if code != 0 {
		t.Errorf("owner login with MIGRATE_ON_START=true: exit %d, want 0 (a warning)", code)
	}
	// The same login acting as itself acts as the owner.
	_, lines, _ = doctorRun(t, with(env, "DATABASE_URL", ownerURL, "MIGRATE_ON_START", "true", "DB_ROLE", ownerName))
	wantLine(t, lines, "db-privileges", statusFail, "owns the schema", "set DB_ROLE=console_app")

	// The least-privilege login passes.
	_, lines, _ = doctorRun(t, env)
	wantLine(t, lines, "db-privileges", statusOK, "not a superuser", `acts as "console_app"`)
	// An empty DB_ROLE (LoadConfig gives the default for an empty
	// variable, so only a Config can say it) acts as the login.
	cfg, err := LoadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBRole = ""
	if r := checkAppRole(ctx, &doctorEnv{cfg: cfg, db: owner}); r.status != statusWarn || !strings.Contains(r.found, "DB_ROLE is empty") {
		t.Errorf("empty DB_ROLE: %+v", r)
	}

	// DB_ROLE must exist and the login must be a member.
	code, lines, _ = doctorRun(t, with(env, "DB_ROLE", "no_such_role"))
	wantLine(t, lines, "db-role", statusFail, `"no_such_role" does not exist`)
	if code != 1 {
		t.Errorf("missing DB_ROLE: exit %d, want 1", code)
	}
	_, outsiderURL := newLogin(t, owner, dbURL, "")
	_, lines, _ = doctorRun(t, with(env, "DATABASE_URL", outsiderURL))
	wantLine(t, lines, "db-role", statusFail, "not a member", "GRANT console_app")
}

func TestDoctor_Schema(t *testing.T) {
	t.Parallel()
	env, owner, _ := productionEnv(t)
	ctx := context.Background()
	_, latest, err := postgres.MigrationStatus(ctx, owner, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	_, lines, _ := doctorRun(t, env)
	wantLine(t, lines, "database", statusOK, "current")
	// Without DATABASE_URL, serve's development fallback: the local server.
	u, err := url.Parse(env["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	_, lines, _ = doctorRun(t, with(env, "DATABASE_URL", "", "PG_LOCAL_ADDR", u.Host, "PG_DATABASE", strings.TrimPrefix(u.Path, "/")))
	wantLine(t, lines, "database", statusWarn, "local server", "development fallback")

	// A pending migration: serve refuses to start without MIGRATE_ON_START.
	if _, err := owner.Exec(ctx, `DELETE FROM schema_migrations WHERE version = $1`, latest); err != nil {
		t.Fatal(err)
	}
	code, lines, _ := doctorRun(t, env)
	wantLine(t, lines, "database", statusFail, "MIGRATE_ON_START=false", "console migrate")
	if code != 1 {
		t.Errorf("pending migration: exit %d, want 1", code)
	}
	_, lines, _ = doctorRun(t, with(env, "MIGRATE_ON_START", "true"))
	wantLine(t, lines, "database", statusWarn, "serve migrates first")

	// A database newer than this binary.
	if _, err := owner.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, 'current'), ($2, 'from_the_future')`, latest, latest+1); err != nil {
		t.Fatal(err)
	}
	code, lines, _ = doctorRun(t, env)
	wantLine(t, lines, "database", statusFail, "older than the database")
	if code != 1 {
		t.Errorf("newer database: exit %d, want 1", code)
	}
}

func TestDoctor_DataDirAndKeyFile(t *testing.T) {
	t.Parallel()
	env, _, _ := productionEnv(t)
	keyFile := filepath.Join(env["DATA_DIR"], "keys.json")
	_, lines, _ := doctorRun(t, env)
	wantLine(t, lines, "keyring", statusOK, "mode 0600")

	// Tests run as root, so permission bits cannot make a directory
	// unwritable: a path under a regular file, or under /proc, is.
	for _, dir := range []string{filepath.Join(keyFile, "sub"), "/proc/console-doctor"} {
		code, lines, _ := doctorRun(t, with(env, "DATA_DIR", dir))
		wantLine(t, lines, "data-dir", statusFail, dir)
		if code != 1 {
			t.Errorf("DATA_DIR=%s: exit %d, want 1", dir, code)
		}
	}

	if err := os.Chmod(keyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	code, lines, _ := doctorRun(t, env)
	wantLine(t, lines, "keyring", statusFail, "mode 0644", "chmod 600")
	if code != 1 {
		t.Errorf("key file 0644: exit %d, want 1", code)
	}

	// A missing key file is created at first start: worth a warning, since
	// on an existing database it means the keys were lost.
	code, lines, _ = doctorRun(t, with(env, "DATA_DIR", filepath.Join(t.TempDir(), "new")))
	wantLine(t, lines, "keyring", statusWarn, "does not exist", "restore the key file")
	wantLine(t, lines, "data-dir", statusOK, "does not exist yet")
	if code != 0 {
		t.Errorf("new data dir: exit %d, want 0", code)
	}

	// A keyring LoadConfig refuses is reported, and no key file is made for it.
	fresh := t.TempDir()
	_, lines, _ = doctorRun(t, with(env, "DATA_DIR", fresh, "KEYRING", "hsm"))
	wantLine(t, lines, "configuration", statusFail, "KEYRING")
	wantLine(t, lines, "keyring", statusFail, "neither local nor awskms")
	if _, err := os.Stat(filepath.Join(fresh, "keys.json")); err == nil {
		t.Error("console doctor created a key file")
	}
}

func TestDoctor_SettingsOnTheirOwn(t *testing.T) {
	t.Parallel()
	env, _, _ := productionEnv(t)
	for _, tc := range []struct {
		env    []string
		check  string
		status status
		want   string
	}{
		{[]string{"PUBLIC_URL", "http://pay.example.com"}, "tls", statusFail, "cannot work over http"},
		{[]string{"PUBLIC_URL", ""}, "tls", statusWarn, "PUBLIC_URL is empty"},
		{[]string{"ADMIN_ADDR", "0.0.0.0:9090"}, "admin-addr", statusWarn, "not a loopback address"},
		{[]string{"ADMIN_ADDR", ":9090"}, "admin-addr", statusWarn, "not a loopback address"},
		{[]string{"ADMIN_ADDR", "[::1]:9090"}, "admin-addr", statusOK, "loopback only"},
		{[]string{"STRIPE_PUBLISHABLE_KEY", "pk_test_doctor"}, "stripe", statusFail, "live key but STRIPE_PUBLISHABLE_KEY is test"},
		{[]string{"STRIPE_SECRET_KEY", "sk_test_doctor", "STRIPE_PUBLISHABLE_KEY", "pk_test_doctor"}, "stripe", statusWarn, "no money moves"},
		{[]string{"STRIPE_SECRET_KEY", "", "STRIPE_PUBLISHABLE_KEY", "", "STRIPE_WEBHOOK_SECRET", ""}, "stripe", statusWarn, "test mode"},
		{[]string{"STRIPE_WEBHOOK_SECRET", ""}, "stripe", statusFail, "webhooks cannot be verified"},
		{[]string{"STRIPE_WEBHOOK_SECRET", ""}, "configuration", statusFail, "STRIPE_SECRET_KEY needs STRIPE_WEBHOOK_SECRET"},
		{[]string{"STRIPE_API_URL", "http://127.0.0.1:12111"}, "stripe", statusWarn, "instead of api.stripe.com"},
		{[]string{"SESSION_IDLE_TIMEOUT", "30m"}, "pci-settings", statusFail, "SESSION_IDLE_TIMEOUT=30m0s is above 15m0s"},
		{[]string{"SESSION_IDLE_TIMEOUT", "30m"}, "configuration", statusFail, "PCI DSS 8.2.8"},
	} {
		t.Run(strings.Join(tc.env, "="), func(t *testing.T) {
			t.Parallel()
			code, lines, out := doctorRun(t, with(env, tc.env...))
			wantLine(t, lines, tc.check, tc.status, tc.want)
			if want := map[bool]int{true: 1, false: 0}[tc.status == statusFail]; code != want {
				t.Errorf("exit %d, want %d:\n%s", code, want, out)
			}
			if strings.Contains(out, doctorStripeKey) || strings.Contains(out, doctorWebhookSecret) {
				t.Errorf("the output shows a Stripe secret:\n%s", out)
			}
		})
	}
}

func TestDoctor_DemoAccounts(t *testing.T) {
	t.Parallel()
	env, owner, _ := productionEnv(t)
	if _, err := owner.Exec(context.Background(), `INSERT INTO users (username, email, display_name, last_activity_at, created_at, created_by)
		VALUES ('erin.hale', 'erin.hale@demo.example', 'Erin Hale', now(), now(), 'seed')`); err != nil {
		t.Fatal(err)
	}
	code, lines, _ := doctorRun(t, env)
	wantLine(t, lines, "demo-data", statusFail, "1 enabled demo accounts", "Stripe key")
	if code != 1 {
		t.Errorf("demo accounts with live keys: exit %d, want 1", code)
	}
	_, lines, _ = doctorRun(t, with(env, "STRIPE_SECRET_KEY", "", "STRIPE_PUBLISHABLE_KEY", "", "STRIPE_WEBHOOK_SECRET", ""))
	wantLine(t, lines, "demo-data", statusWarn, "not for production")
}

func TestDoctor_UnreachableDatabase(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATA_DIR": t.TempDir(),
		"DATABASE_URL": "postgres://console:" + doctorDBPassword + "@" + closedAddr(t) + "/console?sslmode=disable"}
	code, lines, out := doctorRun(t, env)
	wantLine(t, lines, "database", statusFail, "did not run")
	for _, name := range []string{"db-privileges", "db-role", "clock", "demo-data"} {
		if _, ok := lines[name]; ok {
			t.Errorf("%s ran without a database", name)
		}
	}
	if code != 1 || strings.Contains(out, doctorDBPassword) {
		t.Errorf("exit %d (want 1); the output must not show the password:\n%s", code, out)
	}
}

func TestDoctor_ClockSkew(t *testing.T) {
	t.Parallel()
	pool, _ := pgtest.NewDB(t)
	ctx := context.Background()
	if r := checkClock(ctx, &doctorEnv{db: pool, now: time.Now}); r.status != statusOK {
		t.Errorf("same clock: %+v", r)
	}
	// This host's clock five seconds behind the database's, then ahead.
	for _, tc := range []struct {
		offset time.Duration
		want   string
	}{{-5 * time.Second, "ahead of this host's"}, {5 * time.Second, "behind this host's"}} {
		now := func() time.Time { return time.Now().Add(tc.offset) }
		if r := checkClock(ctx, &doctorEnv{db: pool, now: now}); r.status != statusWarn || !strings.Contains(r.found, tc.want) {
			t.Errorf("host clock off by %s: %+v", tc.offset, r)
		}
	}
}

// The AWS checks set the AWS SDK's environment, so they run on their own.
func TestDoctor_AWS(t *testing.T) {
	isolateAWS(t)
	env, _, _ := productionEnv(t)
	s3 := newFakeS3Locks(t)
	kms := newFakeKMS(t)
	s3.set("audit-locked", "COMPLIANCE")
	s3.set("audit-plain", "")
	s3.set("ach-plain", "")
	aws := with(env, "AWS_REGION", fakeAWSRegion, "S3_ENDPOINT", s3.srv.URL, "S3_USE_PATH_STYLE", "true",
		"AUDIT_CHECKPOINT_S3_BUCKET", "audit-locked",
		"KEYRING", "awskms", "KMS_ENDPOINT", kms.srv.URL,
		"KMS_ENCRYPT_KEY_ID", "alias/enc", "KMS_MAC_KEY_ID", "mac", "KMS_SIGN_KEY_ID", fakeKeyARN("sign"))

	code, lines, out := doctorRun(t, aws)
	wantLine(t, lines, "audit-sink", statusOK, "s3://audit-locked has Object Lock", "COMPLIANCE mode for 120 months", "default rule: COMPLIANCE, 3650 days")
	wantLine(t, lines, "keyring", statusOK, "AWS KMS")
	if code != 0 {
		t.Errorf("exit %d, want 0:\n%s", code, out)
	}

	code, lines, _ = doctorRun(t, with(aws, "AUDIT_CHECKPOINT_S3_BUCKET", "audit-plain"))
	wantLine(t, lines, "audit-sink", statusFail, "s3://audit-plain does not have Object Lock")
	if code != 1 {
		t.Errorf("bucket without Object Lock: exit %d, want 1", code)
	}
	_, lines, _ = doctorRun(t, with(aws, "AUDIT_CHECKPOINT_S3_MODE", "GOVERNANCE"))
	wantLine(t, lines, "audit-sink", statusWarn, "GOVERNANCE")
	_, lines, _ = doctorRun(t, with(aws, "AUDIT_CHECKPOINT_S3_BUCKET", "no-such-bucket"))
	wantLine(t, lines, "audit-sink", statusFail, "NoSuchBucket")

	_, lines, _ = doctorRun(t, with(aws, "ACH_S3_BUCKET", "ach-plain"))
	wantLine(t, lines, "ach-delivery", statusWarn, "s3://ach-plain does not have Object Lock")
	_, lines, _ = doctorRun(t, with(aws, "ACH_S3_BUCKET", "audit-locked"))
	wantLine(t, lines, "ach-delivery", statusOK, "has Object Lock")

	// A disabled MAC key fails the keyring, naming the key's purpose.
	kms.disable("mac")
	code, lines, _ = doctorRun(t, aws)
	wantLine(t, lines, "keyring", statusFail, "MAC key", "DisabledException")
	if code != 1 {
		t.Errorf("disabled KMS key: exit %d, want 1", code)
	}
}
