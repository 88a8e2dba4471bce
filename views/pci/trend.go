package pci

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/paycompliance/console/domain/pci"
)

// RunsDays are the periods the trend chart offers.
var RunsDays = []int{7, 30, 90, 365}

// Trend chart sizes, in SVG user units. The geometry is worked out here,
// in integers, so the template only draws what it is given (and the page
// needs no chart script, which the CSP would refuse).
const (
	TrendWidth  = 720
	TrendHeight = 160
	trendAxis   = 16 // room under the plot for the first and last day
)

// TrendChart is the daily score over a period, as a line over an area.
type TrendChart struct {
	From  time.Time // the first day shown
	Days  int
	Dots  []TrendDot // the days with a run, in order
	Line  string     // the SVG path through the dots
	Area  string     // the same, closed down to 0 %
	Lines []GridLine
}

// TrendDot is one day's score on the chart.
type TrendDot struct {
	pci.TrendPoint
	X, Y int
}

// GridLine is a horizontal line at a percent.
type GridLine struct {
	Percent, Y int
}

// NewTrendChart lays out points (each day's last run) over days from
// from: x by day, evenly from the first day to the last; y by percent,
// 100 % at the top. Points outside the period are left out.
func NewTrendChart(points []pci.TrendPoint, from time.Time, days int) TrendChart {
	start := from.UTC().Truncate(24 * time.Hour)
	c := TrendChart{From: start, Days: days}
	for _, p := range []int{0, 50, 100} {
		c.Lines = append(c.Lines, GridLine{Percent: p, Y: percentY(float64(p))})
	}
	var path []string
	for _, p := range points {
		i := int(p.Day.UTC().Truncate(24*time.Hour).Sub(start) / (24 * time.Hour))
		if i < 0 || i >= days {
			continue
		}
		d := TrendDot{TrendPoint: p, X: dayX(i, days), Y: percentY(p.Score.Percent())}
		c.Dots = append(c.Dots, d)
		path = append(path, strconv.Itoa(d.X)+" "+strconv.Itoa(d.Y))
	}
	if len(path) == 0 {
		return c
	}
	c.Line = "M" + strings.Join(path, " L")
	first, last := c.Dots[0], c.Dots[len(c.Dots)-1]
	base := strconv.Itoa(TrendHeight)
	c.Area = "M" + strconv.Itoa(first.X) + " " + base + " L" + strings.Join(path, " L") + " L" + strconv.Itoa(last.X) + " " + base + " Z"
	return c
}

// dayX places day i of days across the width, the first day at the left
// edge and the last at the right.
func dayX(i, days int) int {
	if days <= 1 {
		return TrendWidth / 2
	}
	return (i*TrendWidth + (days-1)/2) / (days - 1)
}

// percentY is a percent's height on the plot, 100 % at the top.
func percentY(p float64) int {
	return TrendHeight - int(math.Round(p*TrendHeight/100))
}

// Last is the period's last day.
func (c TrendChart) Last() time.Time { return c.From.AddDate(0, 0, c.Days-1) }

// dotLabel names a day's dot for its tooltip.
func dotLabel(d TrendDot) string {
	return d.Day.Format("2006-01-02") + ": " + Percent(d.Score) + " (run #" + itoa(d.RunID) + ")"
}

func trendURL(days int) string { return RunsPath + "?days=" + strconv.Itoa(days) }
