package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paycompliance/console/domain/payments"
)

// BenchmarkPaymentsAPI_Create measures POST /api/v1/payments through the
// whole stack (API key, rate limit, idempotency claim and record, audit of
// the call, the payment and its audit record in one transaction) against
// stripe-mock, one call at a time for latency. It reports the Stripe
// round trip alone and each call's time without it. Target: p99 ≤ 10 ms
// excluding the Stripe round trip.
//
//	go test -run '^$' -bench PaymentsAPI_Create -benchtime 2000x ./web/
func BenchmarkPaymentsAPI_Create(b *testing.B) {
	env := newTestEnv(b)
	timed := &timedGateway{Gateway: env.payments.Gateway}
	env.payments.Gateway = timed
	key := env.apiKey(b, "payments.write")
	env.identity.Policy.APIRateLimit = 1 << 30
	h := env.srv.Handler()
	body := `{"amount": 12500, "currency": "USD", "customer": "cus-bench", "description": "Benchmark order", "metadata": {"order": "1"}}`
	total := make([]time.Duration, 0, b.N)
	i := 0
	for b.Loop() {
		i++
		req := httptest.NewRequest(http.MethodPost, "/api/v1/payments", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "bench-"+strconv.Itoa(i))
		rec := httptest.NewRecorder()
		t0 := time.Now()
		h.ServeHTTP(rec, req)
		total = append(total, time.Since(t0))
		if rec.Code != http.StatusCreated {
			b.Fatalf("create = %d %s", rec.Code, rec.Body)
		}
	}
	stripe := timed.durations()
	own := make([]time.Duration, len(total))
	for i := range total {
		own[i] = total[i] - stripe[i]
	}
	q := func(lat []time.Duration, p int) float64 {
		lat = slices.Clone(lat)
		slices.Sort(lat)
		return float64(lat[min(len(lat)-1, len(lat)*p/100)].Microseconds()) / 1000
	}
	b.ReportMetric(q(total, 50), "total-p50-ms")
	b.ReportMetric(q(total, 99), "total-p99-ms")
	b.ReportMetric(q(stripe, 99), "stripe-p99-ms")
	b.ReportMetric(q(own, 50), "own-p50-ms")
	b.ReportMetric(q(own, 99), "own-p99-ms")
}

// timedGateway records how long each PaymentIntent creation took.
type timedGateway struct {
	payments.Gateway
	mu  sync.Mutex
	got []time.Duration
}

func (g *timedGateway) CreateIntent(ctx context.Context, key string, in payments.IntentRequest) (payments.Intent, error) {
	t0 := time.Now()
	pi, err := g.Gateway.CreateIntent(ctx, key, in)
	g.mu.Lock()
	g.got = append(g.got, time.Since(t0))
	g.mu.Unlock()
	return pi, err
}

func (g *timedGateway) durations() []time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.got)
}
