package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/paycompliance/console/postgres/pgtest"
	"github.com/paycompliance/console/static"
)

// BenchmarkStaticFile fetches the stylesheet over loopback through the
// whole server stack, from eight callers: the ceiling for page views on
// this machine, with no session, query or template. Compare with the
// page benchmarks' views/s and p99-ms.
//
//	go test -run '^$' -bench StaticFile -benchtime 20000x ./web/
func BenchmarkStaticFile(b *testing.B) {
	env := newTestEnv(b)
	srv := httptest.NewServer(env.srv.Handler())
	b.Cleanup(srv.Close)
	b.SetParallelism(4) // 8 callers on 2 cores
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4 * runtime.GOMAXPROCS(0)}}
	url := srv.URL + static.URL("css/app.css")
	var mu sync.Mutex
	var took []time.Duration
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			t0 := time.Now()
			resp, err := client.Get(url)
			if err != nil {
				b.Error(err)
				return
			}
			_, err = io.Copy(io.Discard, resp.Body) // read to the end so the connection is reused
			resp.Body.Close()
			mine = append(mine, time.Since(t0))
			if err != nil || resp.StatusCode != http.StatusOK {
				b.Errorf("%s: %d %v", url, resp.StatusCode, err)
				return
			}
		}
		mu.Lock()
		took = append(took, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	pgtest.ReportLatency(b, took, 0)
	b.ReportMetric(float64(len(took))/elapsed.Seconds(), "views/s")
}
