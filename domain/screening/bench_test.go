package screening

import (
	"slices"
	"testing"
	"time"
)

// BenchmarkSearch screens the labelled set's queries against the real
// 14,965-entry list, one at a time, and reports p50 and p99 per query.
// Targets: p50 ≤ 1 ms, p99 ≤ 5 ms.
//
//	go test -run '^$' -bench Search -benchtime 20000x ./domain/screening/
func BenchmarkSearch(b *testing.B) {
	entries := loadList(b, "sdn-2024-05-03.csv")
	t0 := time.Now()
	ix := NewIndex(entries)
	b.ReportMetric(float64(time.Since(t0).Milliseconds()), "index-build-ms")
	set := labelledSet(b, entries)
	lat := make([]time.Duration, 0, b.N)
	i := 0
	for b.Loop() {
		q := set[i%len(set)].query
		i++
		s := time.Now()
		ix.Search(q, DefaultThreshold)
		lat = append(lat, time.Since(s))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
