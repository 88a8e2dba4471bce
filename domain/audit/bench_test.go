package audit

import (
	"context"
	"crypto/sha256"
	"testing"
)

// BenchmarkVerifier_InMemory is verification without the database: the
// chain hashing itself, per entry. Compare with BenchmarkSHA256_Entry, the
// physical limit of hashing the same bytes.
func BenchmarkVerifier_InMemory(b *testing.B) {
	ring := testKeyring(b)
	recs, cps := testChain(b, ring, 10_000, 10_000)
	b.ResetTimer()
	for b.Loop() {
		v := NewVerifier(0, Genesis, []int64{10_000})
		for _, r := range recs {
			v.Add(r)
		}
		if rep := v.Finish(context.Background(), ring, cps); !rep.OK() {
			b.Fatal(rep.Breaks)
		}
	}
	b.ReportMetric(float64(len(recs))*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

func BenchmarkSHA256_Entry(b *testing.B) {
	e, _ := validEvent().Canonical()
	buf := append(make([]byte, 64), e...) // the chain header plus the entry
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		sha256.Sum256(buf)
	}
}
