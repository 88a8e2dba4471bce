package pgtest

import (
	"os"
	"slices"
	"strconv"
	"testing"
	"time"
)

// BenchSize is the size a benchmark's environment variable name asks for,
// or def when unset.
func BenchSize(tb testing.TB, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		tb.Fatalf("%s=%q is not a size", name, s)
	}
	return n
}

// ReportLatency reports the p50 and p99 of took and, given the wall time
// they took together, the operations per second.
func ReportLatency(b *testing.B, took []time.Duration, elapsed time.Duration) {
	b.StopTimer()
	if len(took) == 0 {
		return
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*50/100].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	if elapsed > 0 {
		b.ReportMetric(float64(len(took))/elapsed.Seconds(), "ops/s")
	}
}
