package main

import (
	"bufio"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Result is one benchmark's line of `go test -bench` output.
type Result struct {
	Name       string // without the -GOMAXPROCS suffix: BenchmarkFraud_Assess/Serial
	Iterations int64
	Metrics    map[string]float64 // by unit: ns/op, p99-ms, events/s …, and op/s
}

// procsSuffix is the -N that go test appends to a name when GOMAXPROCS > 1.
var procsSuffix = regexp.MustCompile(`-\d+$`)

// ParseLine reads a result line: the name, the iteration count, then value
// and unit pairs. Other lines (logs, PASS, ok …) are not results.
func ParseLine(line string) (Result, bool) {
	f := strings.Fields(line)
	if len(f) < 4 || len(f)%2 != 0 || !strings.HasPrefix(f[0], "Benchmark") {
		return Result{}, false
	}
	n, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return Result{}, false
	}
	r := Result{Name: procsSuffix.ReplaceAllString(f[0], ""), Iterations: n, Metrics: map[string]float64{}}
	for i := 2; i < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return Result{}, false
		}
		r.Metrics[f[i+1]] = v
	}
	// Operations per second from the time per operation: for a parallel
	// benchmark ns/op is wall time, so this is its throughput.
	if ns := r.Metrics["ns/op"]; ns > 0 {
		r.Metrics["op/s"] = 1e9 / ns
	}
	return r, true
}

// Parse collects the results in out by name; a later line for the same
// name replaces an earlier one. A benchmark that prints while it runs
// splits its line: go test has written the name, then the output, then
// the figures on a line of their own, which are joined to that name.
func Parse(out io.Reader) map[string]Result {
	res := map[string]Result{}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	pending := ""
	for sc.Scan() {
		line := sc.Text()
		r, ok := ParseLine(line)
		if !ok && pending != "" {
			r, ok = ParseLine(pending + " " + line)
		}
		switch f := strings.Fields(line); {
		case ok:
			res[r.Name] = r
			pending = ""
		case len(f) > 0 && strings.HasPrefix(f[0], "Benchmark"):
			pending = f[0]
		}
	}
	return res
}
