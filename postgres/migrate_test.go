package postgres_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/postgres/pgtest"
)

func TestLoadMigrations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		files   fstest.MapFS
		wantErr string
	}{
		{"InOrder", fstest.MapFS{"0001_a.sql": {Data: []byte("SELECT 1")}, "0002_b.sql": {Data: []byte("SELECT 2")}}, ""},
		{"Gap", fstest.MapFS{"0001_a.sql": {}, "0003_c.sql": {}}, "expected version 0002"},
		{"Duplicate", fstest.MapFS{"0001_a.sql": {}, "0001_b.sql": {}}, "expected version 0002"},
		{"BadName", fstest.MapFS{"1_a.sql": {}}, "not named NNNN_lowercase_name.sql"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := postgres.LoadMigrations(tt.files)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestMigrate_AppliesOnceEachInItsOwnTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	owner, url := pgtest.NewDB(t)
	good := fstest.MapFS{
		"0001_one.sql": {Data: []byte(`CREATE TABLE m_one (id int)`)},
		"0002_two.sql": {Data: []byte(`CREATE TABLE m_two (id int)`)},
	}
	// The harness database already has the product's migrations recorded;
	// this test's own sequence lives in a schema of its own.
	if _, err := owner.Exec(ctx, `CREATE SCHEMA m`); err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Connect(ctx, url+"&search_path=m", 8, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// Several instances starting at once apply each migration once.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := postgres.Migrate(ctx, db, good); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	applied, latest, err := postgres.MigrationStatus(ctx, db, good)
	if err != nil || applied != 2 || latest != 2 {
		t.Fatalf("status = %d/%d, %v; want 2/2", applied, latest, err)
	}

	// A failing migration leaves nothing of itself behind and stops there.
	bad := fstest.MapFS{
		"0001_one.sql":   good["0001_one.sql"],
		"0002_two.sql":   good["0002_two.sql"],
		"0003_half.sql":  {Data: []byte(`CREATE TABLE m_half (id int); SELECT 1/0`)},
		"0004_after.sql": {Data: []byte(`CREATE TABLE m_after (id int)`)},
	}
	if _, err := postgres.Migrate(ctx, db, bad); err == nil || !strings.Contains(err.Error(), "0003_half") {
		t.Fatalf("Migrate with a failing file: err = %v, want it to name 0003_half", err)
	}
	var halfExists bool
	db.QueryRow(ctx, `SELECT to_regclass('m.m_half') IS NOT NULL`).Scan(&halfExists)
	if halfExists {
		t.Fatal("a failed migration left its table behind: not transactional")
	}
	if applied, _, _ := postgres.MigrationStatus(ctx, db, bad); applied != 2 {
		t.Fatalf("after failure applied = %d, want 2", applied)
	}
}

func TestMigrate_RefusesDatabaseNewerThanBinary(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := pgtest.NewDB(t) // at the product's latest version
	older := fstest.MapFS{}
	if _, err := postgres.Migrate(ctx, db, older); err == nil || !strings.Contains(err.Error(), "newer binary") {
		t.Fatalf("err = %v, want a refusal naming the newer binary", err)
	}
}
