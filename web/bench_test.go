package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkHomePage renders the overview through the whole middleware stack,
// with its real probes (database, schema version, keyring) on PostgreSQL.
func BenchmarkHomePage(b *testing.B) {
	s, _ := newTestServer(b)
	h := s.Handler()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}
