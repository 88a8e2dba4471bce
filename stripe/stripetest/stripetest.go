// Package stripetest gives tests a real stripe-mock (one per test process)
// behind a recording proxy of their own, so a test can see every call the
// console made to Stripe (and its idempotency key), or make Stripe
// unreachable for a while.
package stripetest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/paycompliance/console/stripe/stripemock"
)

var (
	shared     *stripemock.Mock
	sharedErr  error
	sharedOnce sync.Once
)

// mock starts stripe-mock once for the process; it dies with the process.
func mock() (*stripemock.Mock, error) {
	sharedOnce.Do(func() {
		var bin string
		if bin, sharedErr = stripemock.Find(os.Getenv("STRIPE_MOCK_BIN")); sharedErr == nil {
			shared, sharedErr = stripemock.Start(context.Background(), bin)
		}
	})
	return shared, sharedErr
}

// Request is one call the console made to Stripe.
type Request struct {
	Method, Path   string
	IdempotencyKey string
	Form           url.Values
	Reached        bool // false: Stripe was down and never saw it
}

// Server is a test's view of Stripe.
type Server struct {
	URL         string
	down        atomic.Bool
	dropAnswers atomic.Bool

	mu       sync.Mutex
	requests []Request
}

// Start returns a recording proxy to stripe-mock for t.
func Start(t testing.TB) *Server {
	t.Helper()
	m, err := mock()
	if err != nil {
		t.Fatalf("stripetest: %v", err)
	}
	target, _ := url.Parse(m.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	s := &Server{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		s.mu.Lock()
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, IdempotencyKey: r.Header.Get("Idempotency-Key"),
			Form: form, Reached: !s.down.Load()})
		s.mu.Unlock()
		if s.down.Load() {
			hangUp(w) // as a dead network looks to the client: no answer at all
			return
		}
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		if s.dropAnswers.Load() {
			proxy.ServeHTTP(httptest.NewRecorder(), r) // Stripe acts on it...
			hangUp(w)                                  // ...and the answer is lost on the way back
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// SetDown makes Stripe unreachable (every connection dropped) or reachable.
// Requests made while down are recorded, as never having reached Stripe.
func (s *Server) SetDown(down bool) { s.down.Store(down) }

// SetDropAnswers makes Stripe act on every request but lose its answer, as
// when a connection or the caller dies after Stripe took the request.
func (s *Server) SetDropAnswers(drop bool) { s.dropAnswers.Store(drop) }

func hangUp(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		conn.Close()
	}
}

// Requests returns the calls made so far to method and path ("" for any path).
func (s *Server) Requests(method, path string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if r.Method == method && (path == "" || r.Path == path) {
			out = append(out, r)
		}
	}
	return out
}

// IdempotencyKeys returns the distinct keys of the calls to method and path.
func (s *Server) IdempotencyKeys(method, path string) map[string]int {
	keys := map[string]int{}
	for _, r := range s.Requests(method, path) {
		keys[r.IdempotencyKey]++
	}
	return keys
}
