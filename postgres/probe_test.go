package postgres_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/paycompliance/console/migrations"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/postgres/pgtest"
)

// TestProbe_ReadyUnlessTheSchemaIsBehind: an instance is ready on its own
// schema and on a newer one (a rolling upgrade migrates before replacing
// the old instances), and not ready on an older one.
func TestProbe_ReadyUnlessTheSchemaIsBehind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := pgtest.NewDB(t) // at the product's latest version
	if c := (postgres.Probe{DB: db, Migrations: migrations.FS}).Check(ctx); !c.OK {
		t.Fatalf("current schema: not ready (%s)", c.Detail)
	}
	older := fstest.MapFS{"0001_first.sql": {Data: []byte("SELECT 1")}}
	if c := (postgres.Probe{DB: db, Migrations: older}).Check(ctx); !c.OK || !strings.Contains(c.Detail, "ahead of this binary") {
		t.Fatalf("an older binary on a newer schema: ok=%v %q, want ready and saying an upgrade is under way", c.OK, c.Detail)
	}
	if _, err := db.Exec(ctx, `DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)`); err != nil {
		t.Fatal(err)
	}
	if c := (postgres.Probe{DB: db, Migrations: migrations.FS}).Check(ctx); c.OK || !strings.Contains(c.Detail, "run migrate") {
		t.Fatalf("a schema behind the binary: ok=%v %q, want not ready", c.OK, c.Detail)
	}
}
