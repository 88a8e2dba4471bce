package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paycompliance/console/domain/fraud"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/postgres/pgtest"
)

// The fraud engine's benchmarks run on a history the size of the issue's
// target: FRAUD_BENCH_EVENTS decisions (3,000,000 unless set) of 100,000
// customers over 90 days, written by one INSERT … SELECT (about a minute
// here). Each scored event reads its features from that history and keeps
// its decision durably.
//
//	go test -run '^$' -bench Fraud_Assess -benchtime 20000x -timeout 30m ./postgres/

// seedHistory writes n decisions (see postgres.SeedFraudHistory).
func seedHistory(b *testing.B, f *fraudFixture, n int) {
	b.Helper()
	start := time.Now()
	if err := postgres.SeedFraudHistory(context.Background(), f.owner, n); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d decisions in %s", n, time.Since(start).Round(time.Second))
}

// benchEvent is a new event of a known customer, on one of its cards.
func benchEvent(rng *rand.Rand, ref string) fraud.Event {
	c := rng.IntN(postgres.FraudCustomers)
	return fraud.Event{Type: "card_payment", Ref: ref, Customer: "cus-" + strconv.Itoa(c),
		Amount: money.Amount{Minor: int64(1000 + rng.IntN(60000)), Currency: "USD"}, CardFingerprint: "fp-" + strconv.Itoa(c+postgres.FraudCustomers*rng.IntN(2)),
		IP: fmt.Sprintf("10.%d.%d.1", rng.IntN(200), rng.IntN(250)), DeviceID: "dev-" + strconv.Itoa(c), Email: "c" + strconv.Itoa(c) + "@example.com",
		Country: "US", CardCountry: "US", RadarScore: rng.IntN(100)}
}

func BenchmarkFraud_Assess(b *testing.B) {
	f := newFraudFixture(b)
	seedHistory(b, f, pgtest.BenchSize(b, "FRAUD_BENCH_EVENTS", 3_000_000))
	var seq atomic.Int64
	f.assess(b, benchEvent(rand.New(rand.NewPCG(0, 0)), "warm")) // publishes version 1

	// One at a time: the latency of a decision, features to commit.
	b.Run("Serial", func(b *testing.B) {
		rng := rand.New(rand.NewPCG(1, uint64(seq.Add(1))))
		took := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for range b.N {
			e := benchEvent(rng, "s-"+strconv.FormatInt(seq.Add(1), 10))
			t0 := time.Now()
			if _, err := f.fraud.Assess(scorer(), e); err != nil {
				b.Fatal(err)
			}
			took = append(took, time.Since(t0))
		}
		pgtest.ReportLatency(b, took, time.Duration(0))
	})
	// Many at once, as a busy checkout sends them: throughput and the
	// latency each caller sees.
	b.Run("Parallel", func(b *testing.B) {
		var mu sync.Mutex
		var took []time.Duration
		b.SetParallelism(4)
		b.ResetTimer()
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			rng := rand.New(rand.NewPCG(2, uint64(seq.Add(1))))
			var mine []time.Duration
			for pb.Next() {
				e := benchEvent(rng, "p-"+strconv.FormatInt(seq.Add(1), 10))
				t0 := time.Now()
				if _, err := f.fraud.Assess(scorer(), e); err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			took = append(took, mine...)
			mu.Unlock()
		})
		pgtest.ReportLatency(b, took, time.Since(start))
	})
}

func seedCases(b *testing.B, f *fraudFixture, n int) {
	b.Helper()
	start := time.Now()
	if err := postgres.SeedFraudCases(context.Background(), f.owner, n); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d cases in %s", n, time.Since(start).Round(time.Second))
}

// BenchmarkFraud_Queue times what the queue page asks of the store with
// FRAUD_BENCH_CASES open cases (1,000,000 unless set): its first page,
// a page deep in the queue, a level filter, one reviewer's cases, the
// header's counts, and claiming the next case.
//
//	go test -run '^$' -bench Fraud_Queue -benchtime 2000x -timeout 30m ./postgres/
func BenchmarkFraud_Queue(b *testing.B) {
	n := pgtest.BenchSize(b, "FRAUD_BENCH_CASES", 1_000_000)
	f := newFraudFixture(b)
	seedCases(b, f, n)
	st := postgres.FraudStore{DB: f.db}
	ctx := context.Background()
	deep, err := st.Cases(ctx, fraud.CaseQuery{Limit: 1, AfterScore: 700, AfterID: int64(n / 2)})
	if err != nil || len(deep) == 0 {
		b.Fatal(err, len(deep))
	}
	for _, q := range []struct {
		name string
		run  func() error
	}{
		{"FirstPage", func() error { _, err := st.Cases(ctx, fraud.CaseQuery{Limit: fraud.QueuePage + 1}); return err }},
		{"DeepPage", func() error {
			_, err := st.Cases(ctx, fraud.CaseQuery{Limit: fraud.QueuePage + 1, AfterScore: deep[0].Score, AfterID: deep[0].ID})
			return err
		}},
		{"High", func() error { // below every critical case in the queue's order
			_, err := st.Cases(ctx, fraud.CaseQuery{Level: fraud.High, Limit: fraud.QueuePage + 1})
			return err
		}},
		{"Mine", func() error {
			_, err := st.Cases(ctx, fraud.CaseQuery{Assignee: "rev-3", Limit: fraud.QueuePage + 1})
			return err
		}},
		{"Summary", func() error { _, err := st.QueueSummary(ctx, "rev-3"); return err }},
		{"ClaimNext", func() error {
			return f.fraud.Tx.InTx(ctx, func(ctx context.Context) error { _, err := st.ClaimNext(ctx, "bench", time.Now()); return err })
		}},
	} {
		b.Run(q.name, func(b *testing.B) {
			took := make([]time.Duration, 0, b.N)
			for range b.N {
				t0 := time.Now()
				if err := q.run(); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(t0))
			}
			pgtest.ReportLatency(b, took, 0)
		})
	}
}
