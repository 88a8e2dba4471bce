package postgres_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/postgres/pgtest"
)

// Two serializable transactions both read the counter before either writes
// (a barrier holds their first attempts), so one must fail with 40001.
// Transact must retry it: both increments land, in exactly three attempts.
func TestTransact_RetriesSerializationFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := pgtest.NewDB(t)
	if _, err := db.Exec(ctx, `CREATE TABLE counter (n int); INSERT INTO counter VALUES (0)`); err != nil {
		t.Fatal(err)
	}
	var attempts atomic.Int32
	var bothRead sync.WaitGroup
	bothRead.Add(2)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			first := true
			err := postgres.Transact(ctx, db, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(tx pgx.Tx) error {
				attempts.Add(1)
				var n int
				if err := tx.QueryRow(ctx, `SELECT n FROM counter`).Scan(&n); err != nil {
					return err
				}
				if first {
					first = false
					bothRead.Done()
					bothRead.Wait()
				}
				_, err := tx.Exec(ctx, `UPDATE counter SET n = $1`, n+1)
				return err
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var n int
	db.QueryRow(ctx, `SELECT n FROM counter`).Scan(&n)
	if n != 2 || attempts.Load() != 3 {
		t.Fatalf("counter = %d after %d attempts; want 2 after 3 (one retry)", n, attempts.Load())
	}
}

func TestTransact_RollsBackOnError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := pgtest.NewDB(t)
	db.Exec(ctx, `CREATE TABLE things (id int)`)
	err := postgres.Transact(ctx, db, pgx.TxOptions{}, func(tx pgx.Tx) error {
		tx.Exec(ctx, `INSERT INTO things VALUES (1)`)
		_, err := tx.Exec(ctx, `INSERT INTO no_such_table VALUES (1)`)
		return err
	})
	if err == nil {
		t.Fatal("want the error from fn")
	}
	var count int
	db.QueryRow(ctx, `SELECT count(*) FROM things`).Scan(&count)
	if count != 0 {
		t.Fatalf("rows after a failed transaction = %d, want 0", count)
	}
}
