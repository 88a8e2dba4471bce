package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Report is one run of everything.
type Report struct {
	Host     Host
	Dry      bool
	Started  time.Time
	Took     time.Duration
	Outcomes []Outcome
}

// Render writes the report as markdown: the targets met or missed, then
// what each invocation took.
func Render(w io.Writer, rep Report) error {
	var b strings.Builder
	h := rep.Host
	b.WriteString("# Benchmarks\n\n")
	if rep.Dry {
		b.WriteString("**Dry run** (`-dry-run`): every benchmark once at tiny sizes, as a smoke test of the tool. These numbers mean nothing.\n\n")
	}
	fmt.Fprintf(&b, "Run %s on %s, %d cores; %s; PostgreSQL %s; commit %s. The whole run took %s.\n\n",
		h.Date, h.CPU, h.Cores, h.Go, h.PostgreSQL, h.Commit, rep.Took.Round(time.Second))
	b.WriteString("`make bench` (`go run ./internal/benchreport`) writes this file and the raw output, docs/benchmarks.txt. " +
		"Rows marked ↳ are physical limits measured in the same run, to read the row above by; rows without a target are recorded only.\n\n")

	b.WriteString("| metric | target | measured | | command |\n|---|---|---|---|---|\n")
	for _, t := range targets {
		metric, target, measured, mark, command := rowCells(t, rep.Outcomes)
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", metric, target, measured, mark, command)
	}

	b.WriteString("\n## Runs\n\nEach invocation, setup included, against its estimate in internal/benchreport/run.go " +
		"(the rest of the whole run is compiling the test binaries).\n\n| run | estimated | took | |\n|---|---|---|---|\n")
	for _, o := range rep.Outcomes {
		status := "ok"
		if o.Why != "" {
			status = cell(o.Why)
		}
		took := "—"
		if o.Took > 0 {
			took = o.Took.Round(time.Second).String()
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", o.Name, time.Duration(o.Est)*time.Second, took, status)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// rowCells are t's cells: its result, or why there is none.
func rowCells(t Target, outcomes []Outcome) (metric, target, measured, mark, command string) {
	metric, target = cell(t.Metric), "—"
	if t.Limit {
		metric = "↳ " + metric
	}
	if t.Cmp != Record {
		target = string(t.Cmp) + " " + withUnit(t.Value, t.Unit)
	}
	top, _, _ := strings.Cut(t.Bench, "/")
	measured, command = "not run: not selected (-only)", "—"
	for _, o := range outcomes {
		if o.Name != top {
			continue
		}
		command = "`" + o.Command + "`"
		r, ok := o.Results[t.Bench]
		v, reported := t.Measured(r)
		switch { // a run that failed part-way keeps the results it printed
		case ok && !reported:
			measured = "not run: " + t.Bench + " reports no " + t.Key
		case !ok && o.Why != "":
			measured = cell(o.Why)
		case !ok:
			measured = "not run: no result for " + t.Bench
		default:
			measured = withUnit(v, t.Unit)
			if met, judged := t.Met(v); judged && met {
				mark = "met"
			} else if judged {
				mark = "**missed**"
			}
		}
	}
	return
}

func withUnit(v float64, unit string) string {
	return strings.TrimSpace(num(v) + " " + unit)
}

// num prints v with three or so significant digits, thousands grouped,
// no trailing zeros.
func num(v float64) string {
	s := digits(v)
	if strings.Contains(s, ".") && !strings.Contains(s, "e") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func digits(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1000:
		s := strconv.FormatInt(int64(math.Round(a)), 10)
		for i := len(s) - 3; i > 0; i -= 3 {
			s = s[:i] + "," + s[i:]
		}
		if v < 0 {
			s = "-" + s
		}
		return s
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// cell keeps text from breaking the table.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
