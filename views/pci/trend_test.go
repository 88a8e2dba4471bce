package pci

import (
	"testing"
	"time"

	"github.com/paycompliance/console/domain/pci"
)

// Each day's score is a dot at its day (the first day at the left edge,
// the last at the right) and its percent (100 % at the top); the line
// runs through the dots in order and the area closes it down to 0 %;
// points outside the period are left out.
func TestNewTrendChart(t *testing.T) {
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	day := func(n int) time.Time { return from.AddDate(0, 0, n) }
	c := NewTrendChart([]pci.TrendPoint{
		{Day: day(-1), Score: pci.Score{Passed: 1}, RunID: 1},                              // before the period
		{Day: day(0), Score: pci.Score{Passed: 4}, RunID: 2},                               // 100 %
		{Day: day(10), Score: pci.Score{Passed: 3, Failed: 1, NotApplicable: 5}, RunID: 3}, // 75 %: not-applicable results do not count
		{Day: day(29), Score: pci.Score{Passed: 1, Failed: 1}, RunID: 4},                   // 50 %
		{Day: day(30), Score: pci.Score{Passed: 1}, RunID: 5},                              // after it
	}, from.Add(5*time.Hour), 30)
	if !c.From.Equal(from) || !c.Last().Equal(day(29)) || len(c.Dots) != 3 {
		t.Fatalf("from %s to %s, %d dots", c.From, c.Last(), len(c.Dots))
	}
	want := []struct{ x, y int }{{0, 0}, {(10*TrendWidth + 14) / 29, TrendHeight / 4}, {TrendWidth, TrendHeight / 2}}
	for i, w := range want {
		if d := c.Dots[i]; d.X != w.x || d.Y != w.y || d.RunID != int64(i+2) {
			t.Errorf("dot %d (run %d) at %d,%d, want %d,%d", i, d.RunID, d.X, d.Y, w.x, w.y)
		}
	}
	if c.Line != "M0 0 L248 40 L720 80" {
		t.Errorf("line %q", c.Line)
	}
	if c.Area != "M0 160 L0 0 L248 40 L720 80 L720 160 Z" {
		t.Errorf("area %q", c.Area)
	}
	if len(c.Lines) != 3 || c.Lines[0].Y != TrendHeight || c.Lines[2].Y != 0 {
		t.Errorf("grid lines %+v", c.Lines)
	}
	for _, days := range RunsDays {
		c := NewTrendChart([]pci.TrendPoint{{Day: day(days - 1), Score: pci.Score{Failed: 1}}}, from, days)
		if len(c.Dots) != 1 || c.Dots[0].X != TrendWidth || c.Dots[0].Y != TrendHeight {
			t.Errorf("%d days: the last day at %+v", days, c.Dots)
		}
	}
	if empty := NewTrendChart(nil, from, 7); len(empty.Dots) != 0 || empty.Line != "" || empty.Area != "" {
		t.Errorf("no runs: %+v", empty)
	}
}
