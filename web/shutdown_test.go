package web

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"
)

// On SIGTERM (ctx cancelled) the server stops accepting, but a request
// already being served still gets its full answer.
func TestServer_ShutdownFinishesInFlightRequests(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t)
	started := make(chan struct{})
	s.mux.HandleFunc("GET /test/slow", func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		io.WriteString(w, "finished")
	})
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, func(a string) { addr <- a }) }()
	base := "http://" + <-addr

	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		res, err := http.Get(base + "/test/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		got <- result{string(b), err}
	}()
	<-started
	cancel() // as SIGTERM does

	if r := <-got; r.err != nil || r.body != "finished" {
		t.Fatalf("in-flight request during shutdown = %q, %v; want it finished", r.body, r.err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Run returned %v after a clean shutdown", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("server still accepts connections after shutdown")
	}
}
