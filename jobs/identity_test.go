package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/jobs"
	"github.com/paycompliance/console/keyfile"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/postgres/pgtest"
)

// The queue runs identity's upkeep on its own: an account unused for 90
// days is disabled, and expired sessions and idempotency records go.
func TestIdentityJobs_RunOnTheQueue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := pgtest.NewDB(t)
	p, err := keyfile.Open(filepath.Join(t.TempDir(), "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	svc := &identity.Service{Store: postgres.IdentityStore{DB: db}, Tx: postgres.Transactor{DB: db},
		Audit: audit.NewLog(postgres.AuditOutbox{DB: db}), Keys: keys.New(p, keys.Options{}), Policy: identity.DefaultPolicy()}
	creds, _ := identity.NewDemoCredentials("dormant")
	if _, err := svc.EnsureDemoAccount(ctx, identity.NewUser{Username: "dormant", Email: "d@example.test", DisplayName: "Dormant"}, nil, creds, false); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-100 * 24 * time.Hour)
	for _, sql := range []string{
		`UPDATE users SET last_activity_at = $1`,
		`INSERT INTO sessions (id_hash, handle, user_id, stage, csrf_token, created_at, last_seen_at)
			SELECT 'x', 'stale', id, 'full', 't', $1, $1 FROM users`,
		`INSERT INTO api_keys (prefix, secret_hash, name, scopes, created_by, created_at, expires_at)
			SELECT 'abcd1234', 'x', 'k', '{audit.read}', id, $1, $1 FROM users`,
		`INSERT INTO api_idempotency (api_key_id, idempotency_key, request_hash, created_at, status)
			SELECT id, 'old', 'x', $1, 201 FROM api_keys`,
	} {
		if _, err := db.Exec(ctx, sql, old); err != nil {
			t.Fatal(err)
		}
	}
	opts := jobs.Options{}
	jobs.AddIdentityJobs(&opts, svc, postgres.Idempotency{DB: db})
	q, err := jobs.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer q.Stop(ctx)
	deadline := time.Now().Add(20 * time.Second)
	for {
		var status string
		var sessions, records int
		db.QueryRow(ctx, `SELECT status, (SELECT count(*) FROM sessions), (SELECT count(*) FROM api_idempotency) FROM users`).Scan(&status, &sessions, &records)
		if status == "disabled" && sessions == 0 && records == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("20 s after start: account %s, %d sessions, %d idempotency records; want disabled, 0, 0", status, sessions, records)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
