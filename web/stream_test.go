package web

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paycompliance/console/internal/wait"
	"github.com/paycompliance/console/web/webtest"
)

// followStream opens the live stream at path in c's session, over a real
// connection, once the server listens on channel; next returns the name of
// each event as it comes ("nothing within 10 s" when none does, or within
// the wait given). The stream ends with ctx.
func (env *testEnv) followStream(ctx context.Context, t *testing.T, c *webtest.Client, channel, path string) (next func(wait ...time.Duration) string) {
	t.Helper()
	srv := httptest.NewServer(env.srv.Handler())
	t.Cleanup(srv.Close)
	wait.For(t, "the hub never listened to "+channel, func() bool {
		var listening bool
		env.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%LISTEN "`+channel+`"%')`).Scan(&listening)
		return listening
	})
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
	req.AddCookie(&http.Cookie{Name: SessionCookie, Value: c.Cookies[SessionCookie]})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	events := make(chan string, 16)
	go func() {
		s := bufio.NewScanner(res.Body)
		for s.Scan() {
			if name, ok := strings.CutPrefix(s.Text(), "event: "); ok {
				events <- name
			}
		}
		close(events)
	}()
	return func(wait ...time.Duration) string {
		d := 10 * time.Second
		if len(wait) > 0 {
			d = wait[0]
		}
		select {
		case e := <-events:
			return e
		case <-time.After(d):
			return "nothing within " + d.String()
		}
	}
}
