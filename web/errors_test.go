package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestErrors_DatabaseUnavailableIs503: a request that fails because the
// database cannot be reached is answered 503 with Retry-After and a
// message that says to try again, as a page and as API JSON, without the
// driver's error (it names the database's address); any other unknown
// error stays a 500.
func TestErrors_DatabaseUnavailableIs503(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c, _ := env.officer(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	_, refused := pgx.Connect(context.Background(), "postgres://postgres@"+closed+"/postgres?sslmode=disable&connect_timeout=2")
	if refused == nil {
		t.Fatal("a connection to a closed port succeeded")
	}
	env.srv.mux.Handle("GET /test/dbdown", env.srv.handle(func(http.ResponseWriter, *http.Request) error { return refused }))
	env.srv.mux.Handle("GET /test/bug", env.srv.handle(func(http.ResponseWriter, *http.Request) error { return errors.New("a bug") }))

	for _, accept := range []string{"text/html", "application/json"} {
		res := c.Get("/test/dbdown", "Accept", accept)
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != retryUnavailableAfter {
			t.Errorf("%s: database down answered %d, Retry-After %q; want 503 with Retry-After %s", accept, res.StatusCode, res.Header.Get("Retry-After"), retryUnavailableAfter)
		}
		if !strings.Contains(res.Body, "cannot reach its database") || strings.Contains(res.Body, closed) {
			t.Errorf("%s: the answer should say to try again and not name the address: %.400s", accept, res.Body)
		}
	}
	if res := c.Get("/test/bug"); res.StatusCode != http.StatusInternalServerError || res.Header.Get("Retry-After") != "" {
		t.Errorf("an unknown error answered %d, Retry-After %q; want a plain 500", res.StatusCode, res.Header.Get("Retry-After"))
	}
}
