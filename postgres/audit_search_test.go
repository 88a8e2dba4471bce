package postgres_test

import (
	"context"
	"testing"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/postgres/pgtest"
)

// Audit pages are read with generic plans (a custom plan over audit_log's
// partitions costs more to make than the page to read), the setting ends
// with the query whether it succeeds or fails, and an outcome written into
// the query as a literal matches only itself.
func TestAuditStore_SearchPlansAndSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, url := pgtest.NewDB(t)
	one, err := postgres.Connect(ctx, url, 1, postgres.AppRole) // one connection: every statement here runs on it
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(one.Close)
	log := audit.NewLog(postgres.AuditOutbox{DB: one})
	for i := range 30 {
		e := event(i, "search")
		if i%3 == 0 {
			e.Outcome = audit.Failure
		}
		if err := log.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	seq := &postgres.AuditSequencer{DB: one}
	if err := seq.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	store := postgres.AuditStore{DB: one}
	setting := func() string {
		t.Helper()
		var mode string
		if err := one.QueryRow(ctx, `SHOW plan_cache_mode`).Scan(&mode); err != nil {
			t.Fatal(err)
		}
		return mode
	}
	before := setting()

	failures, err := store.Search(ctx, audit.Filter{Outcome: audit.Failure}, audit.Page{Limit: 50})
	if err != nil || len(failures) != 10 {
		t.Fatalf("outcome=failure: %d entries (%v), want 10", len(failures), err)
	}
	var generic, custom int64
	if err := one.QueryRow(ctx, `SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0) FROM pg_prepared_statements
		WHERE statement LIKE 'SELECT seq, occurred_at, prev_hash, hash, entry FROM audit_log%'`).Scan(&generic, &custom); err != nil {
		t.Fatal(err)
	}
	if generic != 1 || custom != 0 {
		t.Errorf("the search ran %d generic and %d custom plans, want one generic", generic, custom)
	}
	if got := setting(); got != before {
		t.Errorf("after a search plan_cache_mode is %q, was %q", got, before)
	}
	if _, err := store.Search(ctx, audit.Filter{}, audit.Page{Limit: -1}); err == nil { // LIMIT -1: PostgreSQL refuses it
		t.Fatal("a negative limit was not refused")
	}
	if got := setting(); got != before {
		t.Errorf("after a failed search plan_cache_mode is %q, was %q", got, before)
	}
	for _, sneaky := range []string{`failure' OR 'a' = 'a`, `failure\' OR true --`, `'`} {
		got, err := store.Search(ctx, audit.Filter{Outcome: audit.Outcome(sneaky)}, audit.Page{Limit: 50})
		if err != nil || len(got) != 0 {
			t.Errorf("outcome %q: %d entries (%v), want none", sneaky, len(got), err)
		}
	}
}
