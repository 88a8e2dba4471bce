package app

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/paycompliance/console/postgres/pgtest"
)

// TestMain lets a test run the console as a real process: the test binary
// re-executes itself with CONSOLE_TEST_MAIN set to the command line.
func TestMain(m *testing.M) {
	if args := os.Getenv("CONSOLE_TEST_MAIN"); args != "" {
		os.Exit(Main(context.Background(), strings.Fields(args), os.Stdout, os.Stderr, os.Getenv))
	}
	os.Exit(m.Run())
}

func TestServe_NoPostgreSQLExitsWithOneClearMessage(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	cmd := exec.Command(os.Args[0])
	cmd.Env = []string{
		"CONSOLE_TEST_MAIN=serve",
		"PATH=" + empty,       // no initdb or pg_ctl on PATH
		"PG_BIN_DIR=" + empty, // nor where the console looks first
		"PG_LOCAL_ADDR=" + closedAddr(t),
		"DATA_DIR=" + t.TempDir(),
		"ADDR=127.0.0.1:0", "ADMIN_ADDR=127.0.0.1:0",
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	exit, ok := err.(*exec.ExitError)
	if !ok || exit.ExitCode() == 0 {
		t.Fatalf("serve without PostgreSQL: err = %v, want a non-zero exit; stderr:\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	last := lines[len(lines)-1]
	for _, want := range []string{"console: ", "no PostgreSQL", "apt-get install postgresql", "DATABASE_URL"} {
		if !strings.Contains(last, want) {
			t.Errorf("final message %q does not contain %q", last, want)
		}
	}
	if strings.Contains(stdout.String(), "Console ready") {
		t.Error("console claimed to be ready without a database")
	}
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestMain_UsageAndVersion(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if code := Main(context.Background(), []string{"version"}, &out, &errOut, func(string) string { return "" }); code != 0 || !strings.HasPrefix(out.String(), "console ") {
		t.Errorf("version: code %d, output %q", code, out.String())
	}
	for _, args := range [][]string{nil, {"frobnicate"}, {"serve", "--nope"}, {"keys"}} {
		errOut.Reset()
		if code := Main(context.Background(), args, &out, &errOut, func(string) string { return "" }); code != 2 || !strings.Contains(errOut.String(), "usage: console") {
			t.Errorf("%v: code %d, stderr %q; want 2 with usage", args, code, errOut.String())
		}
	}
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	c, err := LoadConfig(env())
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if c.Addr != "127.0.0.1:8080" || c.Keyring != "local" || c.MaxBodyBytes != 1<<20 || !strings.HasSuffix(c.KeyFile, "/var/keys.json") {
		t.Errorf("defaults = %+v", c)
	}
	_, err = LoadConfig(env("DB_MAX_CONNS", "many", "LOG_FORMAT", "xml", "SHUTDOWN_TIMEOUT", "-1s"))
	for _, want := range []string{"DB_MAX_CONNS", "LOG_FORMAT", "SHUTDOWN_TIMEOUT"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad %s not reported: %v", want, err)
		}
	}
	if _, err := LoadConfig(env("KEYRING", "awskms")); err == nil || !strings.Contains(err.Error(), "KMS_ENCRYPT_KEY_ID") {
		t.Errorf("KEYRING=awskms without key ids: err = %v", err)
	}
}

// The README's configuration table must list every setting with its default.
func TestREADMEListsEverySetting(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range settings {
		def := regexp.QuoteMeta(s.def)
		if s.def == "" {
			def = "(|_\\(empty\\)_)"
		}
		row := regexp.MustCompile("(?m)^\\| `" + s.env + "` \\| `?" + def + "`? \\|")
		if !row.Match(readme) {
			t.Errorf("README configuration table has no row for %s with default %q", s.env, s.def)
		}
	}
}

// Demo data fills an empty log once, with entries that verify.
func TestSeed_AuditTrailDemoData(t *testing.T) {
	t.Parallel()
	_, url := pgtest.NewDB(t)
	env := map[string]string{"DATABASE_URL": url, "DATA_DIR": t.TempDir()}
	run := func(args ...string) (int, string) {
		var out, errOut bytes.Buffer
		code := Main(context.Background(), args, &out, &errOut, func(k string) string { return env[k] })
		return code, out.String() + errOut.String()
	}
	for range 2 { // the second run must add nothing
		if code, out := run("seed"); code != 0 {
			t.Fatalf("seed: exit %d\n%s", code, out)
		}
	}
	code, out := run("audit", "verify")
	if code != 0 || !strings.Contains(out, "(400 entries) against 1 signed checkpoints") {
		t.Fatalf("verify after seeding twice: exit %d\n%s", code, out)
	}
}

// With MIGRATE_ON_START=false, serve refuses an out-of-date schema and says
// what to run.
func TestServe_RequiresCurrentSchemaWhenNotMigrating(t *testing.T) {
	t.Parallel()
	_, url := pgtest.NewDB(t)
	admin, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	admin.Exec(context.Background(), `DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)`)
	admin.Close(context.Background())
	env := map[string]string{"DATABASE_URL": url, "DATA_DIR": t.TempDir(), "MIGRATE_ON_START": "false",
		"ADDR": "127.0.0.1:0", "ADMIN_ADDR": "127.0.0.1:0"}
	var out, errOut bytes.Buffer
	code := Main(context.Background(), []string{"serve"}, &out, &errOut, func(k string) string { return env[k] })
	if code == 0 || !strings.Contains(errOut.String(), "run 'console migrate' as the schema owner") {
		t.Fatalf("serve on an old schema: exit %d\n%s", code, errOut.String())
	}
}
