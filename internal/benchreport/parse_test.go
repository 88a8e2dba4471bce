package main

import (
	"strings"
	"testing"
)

// Lines as go test printed them here (the last from a dry run).
const output = "goos: linux\n" +
	"BenchmarkStaticFile-2   \t    2000\t     79348 ns/op\t         0.4180 p50-ms\t         4.704 p99-ms\t     12603 views/s\n" +
	"BenchmarkCommit_Insert/Parallel-2       \t    2000\t     91662 ns/op\t     10910 ops/s\t         2.391 p50-ms\t        12.19 p99-ms\n" +
	"BenchmarkSHA256_Entry-2   \t       1\t      2675 ns/op\t 130.47 MB/s\t       0 B/op\t       0 allocs/op\n" +
	"    pci_bench_test.go:48: seeded 1000 audit entries and 100 payments in 0s\n" +
	"BenchmarkPCI_Assessment-2   \t       1\t  40810402 ns/op\t       114.0 first-run-ms\t        40.81 p50-ms\t        40.81 p99-ms\t  374752 B/op\t    6796 allocs/op\n" +
	"BenchmarkRescreen100k/AgainstTheWholeList-2         \t       1\t20709398367 ns/op\t        20.71 s/100k-parties\t      1164 screened\t377649616 B/op\t 4033321 allocs/op\n" +
	"PASS\nok  \tgithub.com/paycompliance/console/postgres\t41.2s\n"

func TestParse_ReadsResultLines(t *testing.T) {
	res := Parse(strings.NewReader(output))
	if len(res) != 5 {
		t.Fatalf("%d results, want 5: %v", len(res), res)
	}
	for _, c := range []struct {
		name, key string
		want      float64
	}{
		{"BenchmarkStaticFile", "views/s", 12603},
		{"BenchmarkStaticFile", "p99-ms", 4.704},
		{"BenchmarkCommit_Insert/Parallel", "ops/s", 10910},
		{"BenchmarkSHA256_Entry", "ns/op", 2675},
		{"BenchmarkSHA256_Entry", "MB/s", 130.47},
		{"BenchmarkPCI_Assessment", "first-run-ms", 114},
		{"BenchmarkPCI_Assessment", "allocs/op", 6796},
		{"BenchmarkRescreen100k/AgainstTheWholeList", "s/100k-parties", 20.71},
		{"BenchmarkStaticFile", "op/s", 1e9 / 79348}, // derived from ns/op
	} {
		r, ok := res[c.name]
		if !ok {
			t.Errorf("no result for %s", c.name)
			continue
		}
		if got := r.Metrics[c.key]; got != c.want {
			t.Errorf("%s %s = %v, want %v", c.name, c.key, got, c.want)
		}
	}
	if n := res["BenchmarkCommit_Insert/Parallel"].Iterations; n != 2000 {
		t.Errorf("iterations %d, want 2000", n)
	}
}

func TestParse_JoinsALineSplitByOutput(t *testing.T) {
	res := Parse(strings.NewReader("BenchmarkSoak-2   \ttime=2026-12-02T19:00:00Z level=INFO msg=\"job done\"\n" +
		"       1\t60012345678 ns/op\t         0 errors\t    301234 views\n"))
	if r := res["BenchmarkSoak"]; r.Iterations != 1 || r.Metrics["views"] != 301234 || r.Metrics["errors"] != 0 {
		t.Fatalf("%+v", res)
	}
}

func TestParseLine_RefusesWhatIsNotAResult(t *testing.T) {
	for _, line := range []string{
		"BenchmarkFraud_Assess-2",
		"--- BENCH: BenchmarkFraud_Assess-2",
		"    fraud_bench_test.go:34: seeded 3000000 decisions in 58s",
		"BenchmarkX-2 \t 10 \t 12 ns/op \t garbage",
		"ok  \tgithub.com/paycompliance/console/web\t3.1s",
	} {
		if r, ok := ParseLine(line); ok {
			t.Errorf("%q parsed as %+v", line, r)
		}
	}
}
