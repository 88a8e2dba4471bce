package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/postgres/pgtest"
)

// BenchmarkCommit_Insert is the floor under every durable write: one
// single-row INSERT committed (WAL flushed to disk), one at a time for the
// latency of a commit, then from 32 writers as BenchmarkAudit_Append has
// them (on as many connections), for how many commits the server groups
// per flush. Compare with
// the audit append's events/s and p99.
//
//	go test -run '^$' -bench Commit_Insert -benchtime 20000x ./postgres/
func BenchmarkCommit_Insert(b *testing.B) {
	owner, url := pgtest.NewDB(b)
	ctx := context.Background()
	db, err := postgres.Connect(ctx, url, 16, "") // the audit fixture's pool size
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(db.Close)
	if _, err := owner.Exec(ctx, `CREATE TABLE bench_commit (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())`); err != nil {
		b.Fatal(err)
	}
	insert := func() (time.Duration, error) {
		t0 := time.Now()
		_, err := db.Exec(ctx, `INSERT INTO bench_commit DEFAULT VALUES`)
		return time.Since(t0), err
	}
	b.Run("Serial", func(b *testing.B) {
		took := make([]time.Duration, 0, b.N)
		for b.Loop() {
			d, err := insert()
			if err != nil {
				b.Fatal(err)
			}
			took = append(took, d)
		}
		pgtest.ReportLatency(b, took, 0)
	})
	b.Run("Parallel", func(b *testing.B) {
		var mu sync.Mutex
		var took []time.Duration
		b.SetParallelism(16)
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			var mine []time.Duration
			for pb.Next() {
				d, err := insert()
				if err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, d)
			}
			mu.Lock()
			took = append(took, mine...)
			mu.Unlock()
		})
		pgtest.ReportLatency(b, took, time.Since(start))
	})
}
