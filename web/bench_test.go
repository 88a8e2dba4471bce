package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkHomePage renders the overview for a signed-in user through the whole middleware stack,
// with its real probes (database, schema version, keyring) on PostgreSQL.
func BenchmarkHomePage(b *testing.B) {
	env := newTestEnv(b)
	c, _ := env.officer(b)
	session := &http.Cookie{Name: SessionCookie, Value: c.Cookies[SessionCookie]}
	h := env.srv.Handler()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.AddCookie(session)
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}
