package fraud

import (
	"time"

	"github.com/paycompliance/console/domain/fraud"
)

// The charts are inline SVG drawn from these view-models: the geometry is
// worked out here, in integers, so the templates only place rectangles
// (and the page needs no chart script, which the CSP would refuse).

// scale is n of max drawn on full units, rounded.
func scale(n, of, full int) int {
	if n <= 0 || of <= 0 {
		return 0
	}
	return min(full, (n*full+of/2)/of)
}

// bar is a bar's length for n of max: as scale, but at least one unit for
// anything above zero, so that a rule that fired once still shows.
func bar(n, of, full int) int {
	if n <= 0 {
		return 0
	}
	return max(1, scale(n, of, full))
}

// Chart sizes, in SVG user units.
const (
	DayChartWidth  = 720
	DayChartHeight = 160
	RuleBarWidth   = 320
)

// DayChart is the decisions per day, stacked by verdict.
type DayChart struct {
	Bars []DayBar
	Max  int // the tallest day's decisions: the top of the scale
}

// DayBar is one day's column.
type DayBar struct {
	Day      time.Time
	X, Width int
	Segments []Segment // allow at the bottom, then review, then block
	Total    int
}

// Segment is one verdict's part of a day's column.
type Segment struct {
	Verdict   fraud.Verdict
	Count     int
	Y, Height int
}

// NewDayChart lays out every day of the period from from, days long,
// with a zero column for days without decisions.
func NewDayChart(stats []fraud.DayStats, from time.Time, days int) DayChart {
	byDay := map[time.Time]fraud.DayStats{}
	var c DayChart
	for _, d := range stats {
		byDay[d.Day.UTC().Truncate(24*time.Hour)] = d
		c.Max = max(c.Max, d.Total())
	}
	if days <= 0 {
		return c
	}
	slot := DayChartWidth / days
	gap := min(2, slot/4)
	start := from.UTC().Truncate(24 * time.Hour)
	for i := range days {
		day := start.AddDate(0, 0, i)
		d := byDay[day]
		bar := DayBar{Day: day, X: i * slot, Width: max(1, slot-gap), Total: d.Total()}
		// Each segment spans from the top of the counts below it to the top
		// of its own, so the column's height is its total's, exactly.
		below := 0
		for _, v := range []struct {
			verdict fraud.Verdict
			n       int
		}{{fraud.Allow, d.Allow}, {fraud.Review, d.Review}, {fraud.Block, d.Block}} {
			if v.n == 0 {
				continue
			}
			bottom, top := scale(below, c.Max, DayChartHeight), scale(below+v.n, c.Max, DayChartHeight)
			bar.Segments = append(bar.Segments, Segment{Verdict: v.verdict, Count: v.n, Y: DayChartHeight - top, Height: top - bottom})
			below += v.n
		}
		c.Bars = append(c.Bars, bar)
	}
	return c
}

// RuleBar is one rule's hits, drawn against the rule hit most.
type RuleBar struct {
	fraud.RuleStats
	Width int // of RuleBarWidth
}

// NewRuleBars scales each rule's hits; rules come most hit first.
func NewRuleBars(rules []fraud.RuleStats) []RuleBar {
	most := 0
	for _, r := range rules {
		most = max(most, r.Hits)
	}
	out := make([]RuleBar, len(rules))
	for i, r := range rules {
		out[i] = RuleBar{RuleStats: r, Width: bar(r.Hits, most, RuleBarWidth)}
	}
	return out
}
