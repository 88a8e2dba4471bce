package fraud

import (
	"testing"
	"time"

	"github.com/paycompliance/console/domain/fraud"
)

// Every column of the day chart is as tall as its total to the scale of
// the tallest day, its segments stacked without gaps or overlaps (allow at
// the bottom), and a day without decisions is an empty column in its
// place.
func TestNewDayChart(t *testing.T) {
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	day := func(n int) time.Time { return from.AddDate(0, 0, n) }
	c := NewDayChart([]fraud.DayStats{
		{Day: day(0), Allow: 7, Review: 2, Block: 1}, // the tallest: 10
		{Day: day(2), Allow: 1, Review: 1, Block: 1}, // 3: 48 of 160
	}, from, 7)
	if c.Max != 10 || len(c.Bars) != 7 {
		t.Fatalf("max %d, %d columns", c.Max, len(c.Bars))
	}
	slot := DayChartWidth / 7
	for i, b := range c.Bars {
		if !b.Day.Equal(day(i)) || b.X != i*slot || b.Width != slot-2 {
			t.Errorf("column %d: %s at %d, %d wide", i, b.Day, b.X, b.Width)
		}
	}
	for i, want := range map[int]int{0: DayChartHeight, 1: 0, 2: 48} {
		b := c.Bars[i]
		height, top := 0, DayChartHeight
		for _, s := range b.Segments {
			if s.Y+s.Height != top {
				t.Errorf("day %d: the %s segment ends at %d, the one below starts at %d", i, s.Verdict, s.Y+s.Height, top)
			}
			top, height = s.Y, height+s.Height
		}
		if height != want {
			t.Errorf("day %d is %d high, want %d", i, height, want)
		}
	}
	if s := c.Bars[0].Segments; len(s) != 3 || s[0].Verdict != fraud.Allow || s[0].Height != 112 || s[2].Verdict != fraud.Block || s[2].Height != 16 {
		t.Errorf("the tallest day's segments: %+v", s)
	}
	if empty := NewDayChart(nil, from, 30); empty.Max != 0 || len(empty.Bars) != 30 || len(empty.Bars[29].Segments) != 0 {
		t.Errorf("a period without decisions: max %d, %d columns", empty.Max, len(empty.Bars))
	}
	if narrow := NewDayChart(nil, from, 90); narrow.Bars[89].X+narrow.Bars[89].Width > DayChartWidth || narrow.Bars[1].Width != 6 {
		t.Errorf("90 days overflow the chart: last column at %d, %d wide", narrow.Bars[89].X, narrow.Bars[89].Width)
	}
}

// A rule's bar is its hits to the scale of the rule hit most; one hit
// among thousands still shows.
func TestNewRuleBars(t *testing.T) {
	bars := NewRuleBars([]fraud.RuleStats{{Rule: "radar", Hits: 2000}, {Rule: "geo_mismatch", Hits: 500}, {Rule: "block_list", Hits: 1}, {Rule: "never"}})
	for i, want := range []int{RuleBarWidth, RuleBarWidth / 4, 1, 0} {
		if bars[i].Width != want {
			t.Errorf("%s: %d wide, want %d", bars[i].Rule, bars[i].Width, want)
		}
	}
}

// Contributions are drawn to the scale of the whole score range, the
// allow list's cancellation as a negative bar, and described as the
// version that scored them words the rule.
func TestCasePage_Contributions(t *testing.T) {
	rs := fraud.DefaultRuleSet()
	p := CasePage{View: fraud.CaseView{Rules: rs, Decision: fraud.Decision{Assessment: fraud.Assessment{Contributions: []fraud.Contribution{
		{Rule: "radar", Points: 400}, {Rule: "first_transaction", Points: 100}, {Rule: "allow_list", Points: -500}, {Rule: "retired", Points: 3},
	}}}}}
	got := p.Contributions()
	want := []struct {
		width    int
		negative bool
		describe string
	}{{80, false, "Stripe Radar scored it 65 or more (points scale with the score)"}, {20, false, "The customer's first event"},
		{100, true, "An identifier is on the allow list (and none on the block list): the score is cancelled"}, {1, false, "retired"}}
	for i, w := range want {
		if got[i].Width != w.width || got[i].Negative != w.negative || got[i].Describe != w.describe {
			t.Errorf("%s: %d wide, negative %v, %q", got[i].Rule, got[i].Width, got[i].Negative, got[i].Describe)
		}
	}
}
