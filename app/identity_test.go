package app

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paycompliance/console/postgres/pgtest"
)

// `console users add-admin` makes the first two administrators of a new
// installation, each with a temporary password, and no more.
func TestUsersAddAdminCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, url := pgtest.NewDB(t)
	env := map[string]string{"DATABASE_URL": url, "DATA_DIR": t.TempDir()}
	getenv := func(k string) string { return env[k] }
	temporary := regexp.MustCompile(`temporary password \(single use, valid 72 hours\): (\S{20})\n`)
	for _, name := range []string{"first.admin", "second.admin"} {
		var out bytes.Buffer
		code := Main(ctx, []string{"users", "add-admin", name, name + "@example.test", "An Administrator"}, &out, &out, getenv)
		if code != 0 || !temporary.MatchString(out.String()) {
			t.Fatalf("add-admin %s: exit %d\n%s", name, code, out.String())
		}
	}
	var out bytes.Buffer
	if code := Main(ctx, []string{"users", "add-admin", "third.admin", "t@example.test", "Third"}, &out, &out, getenv); code != 1 ||
		!strings.Contains(out.String(), "already 2 active administrators") {
		t.Fatalf("a third add-admin: exit %d\n%s", code, out.String())
	}
	var admins, temporaries int
	db.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE u.password_temporary) FROM users u
		JOIN user_roles r ON r.user_id = u.id AND r.role = 'administrator'`).Scan(&admins, &temporaries)
	if admins != 2 || temporaries != 2 {
		t.Fatalf("%d administrators (%d with temporary passwords), want 2 (2)", admins, temporaries)
	}
}

// `console seed` creates a demo user for every role, keeps their
// credentials in DATA_DIR (mode 0600) and prints them; a second run keeps
// the same ones.
func TestSeedDemoUsers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, url := pgtest.NewDB(t)
	dataDir := t.TempDir()
	env := map[string]string{"DATABASE_URL": url, "DATA_DIR": dataDir}
	getenv := func(k string) string { return env[k] }
	var first, second bytes.Buffer
	if code := Main(ctx, []string{"seed"}, &first, &first, getenv); code != 0 {
		t.Fatalf("seed: exit %d\n%s", code, first.String())
	}
	path := filepath.Join(dataDir, DemoCredentialsFile)
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v, mode %v", err, info.Mode())
	}
	var users []DemoUser
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &users); err != nil || len(users) != len(demoUsers) {
		t.Fatalf("credentials file holds %d users (%v), want %d", len(users), err, len(demoUsers))
	}
	for _, u := range users {
		if !strings.Contains(first.String(), u.Password) || !strings.Contains(first.String(), u.TOTPSecret) {
			t.Errorf("seed does not print %s's credentials", u.Username)
		}
	}
	if code := Main(ctx, []string{"seed"}, &second, &second, getenv); code != 0 {
		t.Fatalf("second seed: exit %d", code)
	}
	b2, _ := os.ReadFile(path)
	if !bytes.Equal(b, b2) {
		t.Fatal("a second seed changed the demo credentials")
	}
	var roles int
	db.QueryRow(ctx, `SELECT count(DISTINCT role) FROM user_roles`).Scan(&roles)
	if roles != 6 {
		t.Fatalf("demo users hold %d distinct roles, want all 6", roles)
	}
	// The demo escrow's 2-of-3 policy needs three approvers.
	var approvers int
	db.QueryRow(ctx, `SELECT count(*) FROM user_roles WHERE role = 'escrow_approver'`).Scan(&approvers)
	if approvers != 3 {
		t.Fatalf("%d demo escrow approvers, want 3", approvers)
	}
}

// Session settings weaker than PCI DSS allows are refused at start.
func TestLoadConfig_RefusesAWeakSessionPolicy(t *testing.T) {
	t.Parallel()
	for _, kv := range [][2]string{{"SESSION_IDLE_TIMEOUT", "16m"}, {"SESSION_MAX_AGE", "5m"}} {
		_, err := LoadConfig(func(k string) string {
			if k == kv[0] {
				return kv[1]
			}
			return ""
		})
		if err == nil {
			t.Errorf("%s=%s accepted", kv[0], kv[1])
		}
	}
	if c, err := LoadConfig(func(k string) string { return map[string]string{"SESSION_IDLE_TIMEOUT": "10m"}[k] }); err != nil || c.policy().IdleTimeout != 10*time.Minute {
		t.Errorf("a stricter idle timeout: %v", err)
	}
}
