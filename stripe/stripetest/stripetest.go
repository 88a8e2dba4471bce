// Package stripetest gives tests a real stripe-mock (one per test process)
// behind a recording proxy of their own, so a test can see every call the
// console made to Stripe (and its idempotency key), or make Stripe
// unreachable for a while. It keeps what stripe-mock cannot: the events a
// test adds and the transfers made, to list them as Stripe would.
package stripetest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"slices"
	"strconv"
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
	Query          url.Values
	Reached        bool // false: Stripe was down and never saw it
}

// Server is a test's view of Stripe.
type Server struct {
	URL         string
	down        atomic.Bool
	dropAnswers atomic.Bool

	mu        sync.Mutex
	requests  []Request
	events    []json.RawMessage // what GET /v1/events lists, newest first; nil: stripe-mock's canned one
	transfers []json.RawMessage // the transfers made, for GET /v1/transfers?transfer_group=
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
			Form: form, Query: r.URL.Query(), Reached: !s.down.Load()})
		s.mu.Unlock()
		if s.down.Load() {
			hangUp(w) // as a dead network looks to the client: no answer at all
			return
		}
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		if r.Method == http.MethodGet && r.URL.Path == "/v1/events" && s.listEvents(w, r) {
			return
		}
		if r.Method == http.MethodGet && r.URL.Path == "/v1/transfers" && r.URL.Query().Has("transfer_group") {
			s.listTransfers(w, r.URL.Query().Get("transfer_group"))
			return
		}
		answer := httptest.NewRecorder()
		proxy.ServeHTTP(answer, r) // Stripe acts on it...
		if r.Method == http.MethodPost && r.URL.Path == "/v1/transfers" && answer.Code == http.StatusOK {
			s.keepTransfer(answer, form.Get("transfer_group"))
		}
		if s.dropAnswers.Load() {
			hangUp(w) // ...and the answer is lost on the way back
			return
		}
		for k, v := range answer.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(answer.Code)
		w.Write(answer.Body.Bytes())
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

// AddEvents makes GET /v1/events list these events too (stripe-mock keeps
// no state, so it knows of no event a test made): each a JSON event as
// Stripe sends it, newer ones added later.
func (s *Server) AddEvents(events ...[]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range events {
		s.events = append([]json.RawMessage{e}, s.events...)
	}
}

// listEvents answers GET /v1/events from the added events as Stripe does:
// newest first, created[gte], limit and starting_after; false when no
// events were added, for stripe-mock to answer.
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	events := slices.Clone(s.events)
	s.mu.Unlock()
	if events == nil {
		return false
	}
	q := r.URL.Query()
	gte, _ := strconv.ParseInt(q.Get("created[gte]"), 10, 64)
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 {
		limit = 10
	}
	var page []json.RawMessage
	started := q.Get("starting_after") == ""
	hasMore := false
	for _, e := range events {
		var head struct {
			ID      string
			Created int64
		}
		json.Unmarshal(e, &head)
		switch {
		case !started:
			started = head.ID == q.Get("starting_after")
		case head.Created < gte:
		case len(page) == limit:
			hasMore = true
		default:
			page = append(page, e)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"object": "list", "url": "/v1/events", "has_more": hasMore, "data": page})
	return true
}

// keepTransfer remembers a transfer stripe-mock made (its answer, given
// the group asked for), so that listing by group finds it as Stripe would.
func (s *Server) keepTransfer(answer *httptest.ResponseRecorder, group string) {
	var t map[string]any
	if json.Unmarshal(answer.Body.Bytes(), &t) != nil {
		return
	}
	if group != "" {
		t["transfer_group"] = group
	}
	b, _ := json.Marshal(t)
	answer.Body.Reset()
	answer.Body.Write(b)
	s.mu.Lock()
	s.transfers = append(s.transfers, b)
	s.mu.Unlock()
}

// listTransfers answers GET /v1/transfers?transfer_group= from the
// transfers made (stripe-mock would list a canned one, whatever the group).
func (s *Server) listTransfers(w http.ResponseWriter, group string) {
	s.mu.Lock()
	var page []json.RawMessage
	for _, t := range s.transfers {
		var head struct {
			TransferGroup string `json:"transfer_group"`
		}
		if json.Unmarshal(t, &head) == nil && head.TransferGroup == group {
			page = append(page, t)
		}
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"object": "list", "url": "/v1/transfers", "has_more": false, "data": page})
}

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
