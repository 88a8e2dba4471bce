package web

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/postgres/pgtest"
)

// BenchmarkFraudAPI_Assess measures POST /api/v1/risk/assessments through
// the whole stack (API key, rate limit, idempotency claim and record, the
// call's audit record, features from the history, the durable decision)
// on a history of FRAUD_BENCH_EVENTS decisions (3,000,000 unless set):
// one call at a time for latency, then eight at once for throughput.
// Targets: p99 ≤ 10 ms; ≥ 2,000 decisions/s.
//
//	go test -run '^$' -bench FraudAPI_Assess -benchtime 5000x -timeout 30m ./web/
func BenchmarkFraudAPI_Assess(b *testing.B) {
	env := newTestEnv(b)
	n := pgtest.BenchSize(b, "FRAUD_BENCH_EVENTS", 3_000_000)
	start := time.Now()
	if err := postgres.SeedFraudHistory(context.Background(), env.db, n); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d decisions in %s", n, time.Since(start).Round(time.Second))
	key := env.apiKey(b, "fraud.assess")
	env.identity.Policy.APIRateLimit = 1 << 30
	h := env.srv.Handler()
	var seq atomic.Int64
	call := func(rng *rand.Rand) (time.Duration, error) {
		i, c := seq.Add(1), rng.IntN(postgres.FraudCustomers)
		body := fmt.Sprintf(`{"type": "card_payment", "ref": "http-%d", "amount": %d, "currency": "USD", "customer": "cus-%d",
			"card_fingerprint": "fp-%d", "ip": "10.%d.%d.1", "device_id": "dev-%d", "email": "c%d@example.com",
			"country": "US", "card_country": "US", "radar_score": %d}`, i, 1000+rng.IntN(60000), c, c, rng.IntN(200), rng.IntN(250), c, c, rng.IntN(100))
		req := httptest.NewRequest(http.MethodPost, "/api/v1/risk/assessments", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "bench-"+strconv.FormatInt(i, 10))
		rec := httptest.NewRecorder()
		t0 := time.Now()
		h.ServeHTTP(rec, req)
		took := time.Since(t0)
		if rec.Code != http.StatusOK {
			return took, fmt.Errorf("assess = %d %s", rec.Code, rec.Body)
		}
		return took, nil
	}
	b.Run("Serial", func(b *testing.B) {
		rng := rand.New(rand.NewPCG(1, 1))
		took := make([]time.Duration, 0, b.N)
		for b.Loop() {
			d, err := call(rng)
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
		b.SetParallelism(4) // 8 callers on 2 cores
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			rng := rand.New(rand.NewPCG(2, uint64(seq.Add(1))))
			var mine []time.Duration
			for pb.Next() {
				d, err := call(rng)
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

// BenchmarkFraudQueuePage renders GET /fraud (the queue's first page with
// its counts) and a page deep in the queue for a fraud reviewer with
// FRAUD_BENCH_CASES open cases (1,000,000 unless set). Target: p99 ≤ 10 ms.
//
//	go test -run '^$' -bench FraudQueuePage -benchtime 2000x -timeout 30m ./web/
func BenchmarkFraudQueuePage(b *testing.B) {
	env := newTestEnv(b)
	n := pgtest.BenchSize(b, "FRAUD_BENCH_CASES", 1_000_000)
	start := time.Now()
	if err := postgres.SeedFraudCases(context.Background(), env.db, n); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d cases in %s", n, time.Since(start).Round(time.Second))
	c, _ := env.reviewer(b, "bench.reviewer")
	session := &http.Cookie{Name: SessionCookie, Value: c.Cookies[SessionCookie]}
	h := env.srv.Handler()
	var deep string
	env.db.QueryRow(context.Background(), `SELECT '/fraud?after=' || id || '&after_score=' || score FROM fraud_cases WHERE status <> 'closed'
		ORDER BY -score, id OFFSET $1 LIMIT 1`, n/2).Scan(&deep)
	for _, page := range []struct{ name, path string }{{"First", "/fraud"}, {"Deep", deep}} {
		b.Run(page.name, func(b *testing.B) {
			took := make([]time.Duration, 0, b.N)
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, page.path, nil)
				req.AddCookie(session)
				rec := httptest.NewRecorder()
				t0 := time.Now()
				h.ServeHTTP(rec, req)
				took = append(took, time.Since(t0))
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `data-testid="fraud-case-row"`) {
					b.Fatalf("%s = %d", page.path, rec.Code)
				}
			}
			pgtest.ReportLatency(b, took, 0)
		})
	}
}
