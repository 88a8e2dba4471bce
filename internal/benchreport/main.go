// Command benchreport runs every area's benchmarks at the sizes of the
// performance targets, the load scenarios on a seeded database, and the
// physical limits to read them by, streams their output, and writes
// docs/benchmarks.md: each target met or missed. A missed target is a
// finding, not a failure: it exits non-zero only when it cannot run.
//
//	go run ./internal/benchreport            # make bench, about 13½ minutes
//	go run ./internal/benchreport -dry-run   # everything once, tiny sizes
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paycompliance/console/postgres/pgtest"
)

func main() {
	dry := flag.Bool("dry-run", false, "run each benchmark once (-benchtime 1x) at tiny sizes, on the demo seed: a smoke test, its numbers mean nothing")
	md := flag.String("md", "docs/benchmarks.md", "the report to write")
	raw := flag.String("raw", "docs/benchmarks.txt", "where to keep the benchmarks' raw output")
	only := flag.String("only", "", "run only the benchmarks this regular expression matches (the others are reported not run)")
	seedScale := flag.String("seed-scale", DefaultSeedScale, "the seed's --scale for the load scenarios: large, or a factor of it")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *dry, *seedScale, *md, *raw, *only); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dry bool, seedScale, mdPath, rawPath, only string) error {
	if _, err := os.Stat("go.mod"); err != nil {
		return fmt.Errorf("run it from the module's root (make bench does): %w", err)
	}
	selected, err := regexp.Compile(only)
	if err != nil {
		return fmt.Errorf("-only: %w", err)
	}
	tmp, err := os.MkdirTemp("", "benchreport-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	rawFile, err := os.Create(rawPath)
	if err != nil {
		return err
	}
	defer rawFile.Close()
	x := &runner{dry: dry, seedScale: seedScale, tmp: tmp, bins: map[string]string{}, out: io.MultiWriter(os.Stdout, rawFile)}

	rep := Report{Host: describeHost(ctx), Dry: dry, Started: time.Now()}
	est := buildEst + seedEst(seedScale)
	for _, r := range runs {
		est += r.Est
	}
	fmt.Fprintf(x.out, "benchreport: %d benchmarks, estimated %s at full size\n", len(runs), time.Duration(est)*time.Second)

	var loadEnv []string // the seeded database, once seeded
	seeded := false
	for _, r := range runs {
		if !selected.MatchString(r.Bench) {
			continue
		}
		var env []string
		if r.Load {
			if !seeded {
				seeded = true
				var drop func() error
				var o Outcome
				loadEnv, drop, o = x.seed(ctx)
				rep.Outcomes = append(rep.Outcomes, o)
				if drop != nil {
					defer func() {
						if err := drop(); err != nil {
							fmt.Fprintln(os.Stderr, "benchreport: drop the seeded database:", err)
						}
					}()
				}
			}
			if loadEnv == nil {
				rep.Outcomes = append(rep.Outcomes, Outcome{Name: r.Bench, Command: x.Command(r), Est: r.Est, Why: "not run: no seeded database (see the seed's row)"})
				continue
			}
			env = loadEnv
		}
		rep.Outcomes = append(rep.Outcomes, x.bench(ctx, r, env))
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	rep.Took = time.Since(rep.Started)
	f, err := os.Create(mdPath)
	if err != nil {
		return err
	}
	if err := Render(f, rep); err != nil {
		f.Close()
		return err
	}
	fmt.Fprintf(x.out, "\nbenchreport: %s in %s; raw output in %s\n", mdPath, rep.Took.Round(time.Second), rawPath)
	return f.Close()
}

// Host is where and when the benchmarks ran.
type Host struct {
	Date, CPU, Go, PostgreSQL, Commit string
	Cores                             int
}

// describeHost reads what it can; what it cannot read it says so.
func describeHost(ctx context.Context) Host {
	h := Host{Date: time.Now().UTC().Format("2006-01-02 15:04 MST"), Cores: runtime.NumCPU(), Go: runtime.Version(), CPU: runtime.GOARCH}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				h.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	h.PostgreSQL = "unknown"
	if c, err := pgx.Connect(ctx, pgtest.AdminURL()); err == nil {
		var version, fsync, sync string
		if err := c.QueryRow(ctx, `SELECT current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit')`).Scan(&version, &fsync, &sync); err == nil {
			h.PostgreSQL = fmt.Sprintf("%s (fsync %s, synchronous_commit %s)", version, fsync, sync)
		}
		c.Close(ctx)
	}
	h.Commit = "unknown"
	if out, err := exec.CommandContext(ctx, "git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		h.Commit = strings.TrimSpace(string(out))
		if st, _ := exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=no").Output(); len(st) > 0 {
			h.Commit += " with uncommitted changes"
		}
	}
	return h
}
