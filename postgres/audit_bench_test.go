package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/paycompliance/console/domain/audit"
)

// BenchmarkAudit_Append: each operation durably records one event, from
// many goroutines, while the sequencer chains concurrently: InTransaction
// inside its own transaction (as an area's change does: BEGIN, INSERT,
// COMMIT), Standalone on its own (as a failed login does: one autocommit
// INSERT). Reports events/s and p99 commit latency, then checks the
// sequencer kept up and the chain verifies.
//
//	go test -run '^$' -bench Audit_Append -benchtime 20000x ./postgres/
func BenchmarkAudit_Append(b *testing.B) {
	b.Run("InTransaction", func(b *testing.B) {
		benchmarkAppend(b, func(f *auditFixture, ctx context.Context, e audit.Event) error {
			return f.tx.InTx(ctx, func(ctx context.Context) error { return f.log.Record(ctx, e) })
		})
	})
	b.Run("Standalone", func(b *testing.B) {
		benchmarkAppend(b, func(f *auditFixture, ctx context.Context, e audit.Event) error {
			return f.log.Record(ctx, e)
		})
	})
}

func benchmarkAppend(b *testing.B, appendOne func(*auditFixture, context.Context, audit.Event) error) {
	ctx := context.Background()
	f := newAuditFixture(b)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { f.seq.Run(runCtx); close(done) }()

	var mu sync.Mutex
	var latencies []time.Duration
	b.SetParallelism(16) // 32 writers on 2 cores: many concurrent requests
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		i := 0
		for pb.Next() {
			t0 := time.Now()
			if err := appendOne(f, ctx, event(i, "bench")); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t0))
			i++
		}
		mu.Lock()
		latencies = append(latencies, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(latencies)
	b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")

	lagStart := time.Now()
	for { // how long until the sequencer has chained everything
		var left int
		f.owner.QueryRow(ctx, `SELECT count(*) FROM audit_outbox`).Scan(&left)
		if left == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.ReportMetric(float64(time.Since(lagStart).Milliseconds()), "chain-lag-ms")
	stop()
	<-done
	if rep := f.verify(b); !rep.OK() || rep.Entries != int64(len(latencies)) {
		b.Fatalf("after the run: %+v, want %d entries", rep, len(latencies))
	}
}

// BenchmarkAudit_Verify1M verifies a chain of 1,000,000 entries read from
// PostgreSQL. Target: ≤ 2 s.
//
//	go test -run '^$' -bench Audit_Verify1M -benchtime 3x ./postgres/
func BenchmarkAudit_Verify1M(b *testing.B) {
	const n = 1_000_000
	ctx := context.Background()
	f := newAuditFixture(b)
	seedChain(b, f, n)
	if _, err := f.seq.Checkpoint(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		rep, err := audit.Verify(ctx, f.store, f.sink, f.ring)
		if err != nil || !rep.OK() || rep.Entries != n {
			b.Fatalf("%+v, %v", rep, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// seedChain chains n realistic entries with Import.
func seedChain(b *testing.B, f *auditFixture, n int) {
	base := time.Now().UTC().Add(-time.Hour)
	err := f.seq.Import(context.Background(), n, func(i int) (time.Time, audit.Event) {
		e := event(i, "seeded")
		e.Origin = audit.Origin{IP: "203.0.113.9", UserAgent: "Mozilla/5.0 (X11; Linux x86_64)"}
		e.RequestID = fmt.Sprintf("req%012d", i)
		return base.Add(time.Duration(i) * time.Microsecond), e
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := f.owner.Exec(context.Background(), `ANALYZE audit_log`); err != nil {
		b.Fatal(err)
	}
}
