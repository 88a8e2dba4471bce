package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/paycompliance/console/postgres/pgtest"
)

// Run is one `go test -bench` invocation: a benchmark and its
// sub-benchmarks, at the sizes of the targets.
type Run struct {
	Pkg       string   // ./postgres/
	Bench     string   // BenchmarkFraud_Assess
	Benchtime string   // -benchtime
	Env       []string // size variables (pgtest.BenchSize)
	Load      bool     // on the database `console seed --scale` filled (LOAD_DATABASE_URL, LOAD_DATA_DIR)
	Est       int      // estimated seconds at these sizes, setup included
}

// runs is the whole benchmark run, about 13½ minutes on 2 cores with the
// seed at DefaultSeedScale. Each estimate is the benchmark's seeding,
// timed here at a tenth of the size and scaled (3M fraud decisions ~70 s,
// 1M cases ~65 s, 1M audit entries + 100k payments ~55 s) or at full size
// where a dry run cannot shrink it (1M chained audit entries ~75 s, 100k
// parties re-screened ~30 s), plus its iterations at the rates the README
// reports; the report's run table has what they took. BenchmarkFraud_Queue,
// the store queries under BenchmarkFraudQueuePage, is left out: another
// 1M-case seed for no target of its own; BenchmarkAuditBrowse runs on 200k
// entries for the same reason.
var runs = []Run{
	{Pkg: "./domain/audit/", Bench: "BenchmarkSHA256_Entry", Benchtime: "1s", Est: 3},
	{Pkg: "./domain/audit/", Bench: "BenchmarkVerifier_InMemory", Benchtime: "1s", Est: 5},
	{Pkg: "./domain/ach/", Bench: "BenchmarkBuildFile_100k", Benchtime: "10x", Est: 5},
	{Pkg: "./domain/ach/", Bench: "BenchmarkMoovAlone_BuildFile_100k", Benchtime: "10x", Est: 5},
	{Pkg: "./domain/ach/", Bench: "BenchmarkReadInbound_100k", Benchtime: "10x", Est: 6},
	{Pkg: "./domain/ach/", Bench: "BenchmarkMoovAlone_Read_100k", Benchtime: "10x", Est: 6},
	{Pkg: "./domain/screening/", Bench: "BenchmarkSearch", Benchtime: "10000x", Est: 8},
	{Pkg: "./keyfile/", Bench: "BenchmarkKeyring_Encrypt", Benchtime: "1s", Est: 2},
	{Pkg: "./keyfile/", Bench: "BenchmarkKeyring_Decrypt", Benchtime: "1s", Est: 2},
	{Pkg: "./keyfile/", Bench: "BenchmarkKeyring_Token", Benchtime: "1s", Est: 2},
	{Pkg: "./keyfile/", Bench: "BenchmarkKeyring_Sign", Benchtime: "1s", Est: 2},

	{Pkg: "./postgres/", Bench: "BenchmarkCommit_Insert", Benchtime: "5000x", Est: 5},
	{Pkg: "./postgres/", Bench: "BenchmarkAudit_Append", Benchtime: "20000x", Est: 15},
	{Pkg: "./postgres/", Bench: "BenchmarkAudit_Verify1M", Benchtime: "3x", Est: 75},
	{Pkg: "./postgres/", Bench: "BenchmarkRescreen100k", Benchtime: "1x", Est: 30},
	{Pkg: "./postgres/", Bench: "BenchmarkPCI_Assessment", Benchtime: "10x", Env: []string{"PCI_BENCH_AUDIT=1000000", "PCI_BENCH_PAYMENTS=100000"}, Est: 70},
	{Pkg: "./postgres/", Bench: "BenchmarkFraud_Assess", Benchtime: "3000x", Env: []string{"FRAUD_BENCH_EVENTS=3000000"}, Est: 85},
	{Pkg: "./postgres/", Bench: "BenchmarkEscrow_Approve", Benchtime: "500x", Est: 8},
	{Pkg: "./postgres/", Bench: "BenchmarkLogin", Benchtime: "20x", Est: 6},

	{Pkg: "./web/", Bench: "BenchmarkFraudAPI_Assess", Benchtime: "2000x", Env: []string{"FRAUD_BENCH_EVENTS=3000000"}, Est: 90},
	{Pkg: "./web/", Bench: "BenchmarkFraudQueuePage", Benchtime: "500x", Env: []string{"FRAUD_BENCH_CASES=1000000"}, Est: 70},
	{Pkg: "./web/", Bench: "BenchmarkAuditBrowse", Benchtime: "300x", Env: []string{"AUDIT_BENCH_ROWS=200000"}, Est: 20},
	{Pkg: "./web/", Bench: "BenchmarkPaymentsAPI_Create", Benchtime: "1000x", Est: 12},
	{Pkg: "./web/", Bench: "BenchmarkAuthMiddleware", Benchtime: "5000x", Est: 8},
	{Pkg: "./web/", Bench: "BenchmarkHomePage", Benchtime: "3s", Est: 5},
	{Pkg: "./web/", Bench: "BenchmarkStaticFile", Benchtime: "20000x", Est: 4},

	{Pkg: "./web/", Bench: "BenchmarkPageMix", Benchtime: "60000x", Load: true, Est: 35},
	{Pkg: "./web/", Bench: "BenchmarkAPIMix", Benchtime: "20000x", Load: true, Est: 35},
	{Pkg: "./web/", Bench: "BenchmarkSoak", Benchtime: "1x", Load: true, Est: 90},
}

// seedBench names the seed's result.
const (
	seedBench = "console seed"
	buildEst  = 30 // compiling the six test binaries and the console, cache warm
)

// DefaultSeedScale is the seed's --scale in a whole run: a twentieth of
// `--scale large` (500k of its 10M audit entries, 50k payments, 150k fraud
// decisions …). At 0.1 it took 199 s here while other tests ran; the
// large scale itself would take about 25 minutes alone, mostly chaining
// the audit entries.
const DefaultSeedScale = "0.05"

// seedEst estimates the seed at scale from that run: the demo data, and
// ~1,500 s per unit of scale.
func seedEst(scale string) int {
	f, err := strconv.ParseFloat(scale, 64)
	if scale == "large" {
		f, err = 1, nil
	}
	if err != nil {
		return 0
	}
	return 15 + int(1500*f)
}

// drySizes are the sizes of a dry run, which also runs everything once
// (-benchtime 1x) and seeds the demo data only.
var drySizes = map[string]string{"FRAUD_BENCH_EVENTS": "1000", "FRAUD_BENCH_CASES": "1000", "PCI_BENCH_AUDIT": "1000", "PCI_BENCH_PAYMENTS": "100", "AUDIT_BENCH_ROWS": "1000"}

// Outcome is what one invocation gave: its results, or why it gave none.
type Outcome struct {
	Name    string
	Command string
	Took    time.Duration
	Est     int
	Results map[string]Result
	Why     string // empty when it ran
}

// runner runs the benchmarks from the module's root, streaming their
// output to out.
type runner struct {
	dry       bool
	seedScale string
	tmp       string
	bins      map[string]string // package → compiled test binary
	out       io.Writer
}

func (x *runner) benchtime(r Run) string {
	if x.dry {
		return "1x"
	}
	return r.Benchtime
}

func (x *runner) env(r Run) []string {
	if !x.dry {
		return r.Env
	}
	env := make([]string, len(r.Env))
	for i, kv := range r.Env {
		name, _, _ := strings.Cut(kv, "=")
		env[i] = name + "=" + drySizes[name]
	}
	return env
}

// Command is the go test line that reproduces r.
func (x *runner) Command(r Run) string {
	env := strings.Join(x.env(r), " ")
	if r.Load {
		env = strings.TrimSpace("LOAD_DATABASE_URL=… LOAD_DATA_DIR=… " + env)
	}
	if env != "" {
		env += " "
	}
	return fmt.Sprintf("%sgo test -run '^$' -bench '^%s$' -benchtime %s -benchmem -timeout 30m %s", env, r.Bench, x.benchtime(r), r.Pkg)
}

// binary compiles pkg's tests once, so that each invocation costs no link.
func (x *runner) binary(ctx context.Context, pkg string) (string, error) {
	if bin, ok := x.bins[pkg]; ok {
		return bin, nil
	}
	bin := filepath.Join(x.tmp, strings.ReplaceAll(strings.Trim(pkg, "./"), "/", "_")+".test")
	if _, err := x.exec(ctx, "", nil, "go", "test", "-c", "-o", bin, pkg); err != nil {
		return "", fmt.Errorf("compile %s: %w", pkg, err)
	}
	x.bins[pkg] = bin
	return bin, nil
}

// bench runs r with env added, and says why if it gave no result.
func (x *runner) bench(ctx context.Context, r Run, env []string) Outcome {
	o := Outcome{Name: r.Bench, Command: x.Command(r), Est: r.Est}
	bin, err := x.binary(ctx, r.Pkg)
	if err != nil {
		o.Why = "not run: " + err.Error()
		return o
	}
	fmt.Fprintf(x.out, "\n# %s\n", o.Command)
	t0 := time.Now()
	out, err := x.exec(ctx, r.Pkg, append(x.env(r), env...), bin, "-test.run", "^$", "-test.bench", "^"+r.Bench+"$",
		"-test.benchtime", x.benchtime(r), "-test.benchmem", "-test.timeout", "30m")
	o.Took = time.Since(t0)
	o.Results = Parse(bytes.NewReader(out))
	switch {
	case err != nil:
		o.Why = fmt.Sprintf("not run: failed (%v; see the raw output)", err)
	case len(o.Results) == 0 && bytes.Contains(out, []byte("--- SKIP")):
		o.Why = "not run: skipped (the raw output says why)"
	case len(o.Results) == 0:
		o.Why = fmt.Sprintf("not run: no %s in %s yet", r.Bench, r.Pkg)
	}
	return o
}

// seed creates a database and fills it with `console seed --scale`
// (the demo data only in a dry run), timed without the build. It returns what
// the load scenarios are given: LOAD_DATABASE_URL, and LOAD_DATA_DIR with
// the keys the seed sealed and signed with; and the database's drop. On
// failure neither, and the outcome says why.
func (x *runner) seed(ctx context.Context) ([]string, func() error, Outcome) {
	args := []string{"seed", "--scale", x.seedScale}
	if x.dry {
		args = args[:1]
	}
	o := Outcome{Name: seedBench, Command: "DATABASE_URL=… go run . " + strings.Join(args, " "), Est: seedEst(x.seedScale)}
	bin := filepath.Join(x.tmp, "console")
	if _, err := x.exec(ctx, "", nil, "go", "build", "-o", bin, "."); err != nil {
		o.Why = fmt.Sprintf("not run: build the console: %v", err)
		return nil, nil, o
	}
	url, drop, err := pgtest.CreateDB(ctx)
	if err != nil {
		o.Why = fmt.Sprintf("not run: create its database: %v", err)
		return nil, nil, o
	}
	dataDir := filepath.Join(x.tmp, "data")
	fmt.Fprintf(x.out, "\n# %s\n", o.Command)
	t0 := time.Now()
	// Its stdout, the progress and then the demo users' passwords, is
	// shown but kept out of the raw output.
	out, err := x.execQuiet(ctx, "", []string{"DATABASE_URL=" + url, "DATA_DIR=" + dataDir, "LOG_FORMAT=text"}, os.Stdout, bin, args...)
	o.Took = time.Since(t0)
	if err != nil {
		drop()
		o.Why = fmt.Sprintf("not run: `console %s` failed (%v): %s", strings.Join(args, " "), err, consoleError(out))
		return nil, nil, o
	}
	o.Results = map[string]Result{seedBench: {Name: seedBench, Iterations: 1, Metrics: map[string]float64{"s": o.Took.Seconds()}}}
	return []string{"LOAD_DATABASE_URL=" + url, "LOAD_DATA_DIR=" + dataDir}, drop, o
}

// exec runs name in dir (the module's root if empty) with env added,
// streams its output and returns it.
func (x *runner) exec(ctx context.Context, dir string, env []string, name string, args ...string) ([]byte, error) {
	return x.execQuiet(ctx, dir, env, x.out, name, args...)
}

// execQuiet is exec streaming only stderr, and stdout to show.
func (x *runner) execQuiet(ctx context.Context, dir string, env []string, show io.Writer, name string, args ...string) ([]byte, error) {
	var buf bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = io.MultiWriter(show, &buf)
	cmd.Stderr = io.MultiWriter(x.out, &buf)
	err := cmd.Run()
	return buf.Bytes(), err
}

// consoleError is what the console said when it failed: its error line,
// or that it printed its usage, not knowing the command.
func consoleError(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "console: ") {
			return l
		}
	}
	if bytes.Contains(out, []byte("usage: console")) {
		return "the console does not know this command yet (it printed its usage)"
	}
	return lines[len(lines)-1]
}
