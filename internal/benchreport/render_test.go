package main

import (
	"strings"
	"testing"
)

func TestMet_AtMostAndAtLeast(t *testing.T) {
	p99 := Target{Cmp: AtMost, Value: 10}
	rate := Target{Cmp: AtLeast, Value: 2000}
	for _, c := range []struct {
		t    Target
		v    float64
		want bool
	}{
		{p99, 9.99, true}, {p99, 10, true}, {p99, 10.01, false},
		{rate, 2000, true}, {rate, 2500, true}, {rate, 1999.9, false},
	} {
		if met, judged := c.t.Met(c.v); !judged || met != c.want {
			t.Errorf("%s %v, measured %v: met %v judged %v, want met %v", c.t.Cmp, c.t.Value, c.v, met, judged, c.want)
		}
	}
	if _, judged := (Target{Cmp: Record}).Met(1); judged {
		t.Error("a record-only row was judged")
	}
}

// row is the report's line for the target named metric.
func row(t *testing.T, rep Report, metric string) string {
	t.Helper()
	var b strings.Builder
	if err := Render(&b, rep); err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(l, "| "+metric+" |") || strings.HasPrefix(l, "| ↳ "+metric+" |") {
			return l
		}
	}
	t.Fatalf("no row %q in\n%s", metric, b.String())
	return ""
}

func TestRender_MarksEachRow(t *testing.T) {
	rep := Report{Outcomes: []Outcome{
		{Name: "BenchmarkAudit_Verify1M", Command: "go test -bench '^BenchmarkAudit_Verify1M$' ./postgres/",
			Results: map[string]Result{"BenchmarkAudit_Verify1M": {Metrics: map[string]float64{"ns/op": 1.07e9}}}},
		{Name: "BenchmarkFraud_Assess", Command: "go test -bench '^BenchmarkFraud_Assess$' ./postgres/",
			Results: map[string]Result{"BenchmarkFraud_Assess/Parallel": {Metrics: map[string]float64{"ops/s": 1043}}}},
		{Name: "BenchmarkSHA256_Entry", Results: map[string]Result{"BenchmarkSHA256_Entry": {Metrics: map[string]float64{"ns/op": 312}}}},
	}}
	if l := row(t, rep, "audit verify, 1M entries from PostgreSQL"); !strings.Contains(l, "| ≤ 2 s | 1.07 s | met | `go test -bench '^BenchmarkAudit_Verify1M$' ./postgres/` |") {
		t.Errorf("verify row: %s", l)
	}
	if l := row(t, rep, "fraud score + durable decision, in process, 3M history, 8 callers"); !strings.Contains(l, "| ≥ 2,000 decisions/s | 1,043 decisions/s | **missed** |") {
		t.Errorf("throughput row: %s", l)
	}
	if l := row(t, rep, "SHA-256 of 1M entries' bytes, one core"); !strings.Contains(l, "| — | 0.312 s |  |") {
		t.Errorf("limit row: %s", l)
	}
}

func TestRender_AMissingBenchmarkIsNotRun(t *testing.T) {
	rep := Report{Outcomes: []Outcome{
		{Name: "BenchmarkPageMix", Command: "go test -bench '^BenchmarkPageMix$' ./web/", Why: "not run: no BenchmarkPageMix in ./web/ yet"},
		{Name: "BenchmarkFraud_Assess", Results: map[string]Result{}}, // ran, but printed no Serial line
		{Name: "BenchmarkRescreen100k", Why: "not run: failed (exit status 1; see the raw output)", // after its first half
			Results: map[string]Result{"BenchmarkRescreen100k/AgainstTheWholeList": {Metrics: map[string]float64{"s/100k-parties": 10.4}}}},
	}}
	if l := row(t, rep, "re-screen 100k parties against the whole list"); !strings.Contains(l, "| ≤ 120 s | 10.4 s | met |") {
		t.Errorf("the half that ran: %s", l)
	}
	if l := row(t, rep, "re-screen 100k parties against a list version's changes"); !strings.Contains(l, "| not run: failed (exit status 1; see the raw output) |  |") {
		t.Errorf("the half that failed: %s", l)
	}
	if l := row(t, rep, "page mix: p99"); !strings.Contains(l, "| ≤ 10 ms | not run: no BenchmarkPageMix in ./web/ yet |  | `go test") {
		t.Errorf("page mix row: %s", l)
	}
	if l := row(t, rep, "fraud score + durable decision, in process, 3M history: p99"); !strings.Contains(l, "not run: no result for BenchmarkFraud_Assess/Serial |  |") {
		t.Errorf("fraud row: %s", l)
	}
	if l := row(t, rep, "audit verify, 1M entries from PostgreSQL"); !strings.Contains(l, "not run: not selected") {
		t.Errorf("verify row, not in the run: %s", l)
	}
}
