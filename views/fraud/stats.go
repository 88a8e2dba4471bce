package fraud

import (
	"strconv"
	"time"

	"github.com/paycompliance/console/domain/fraud"
	"github.com/paycompliance/console/views/format"
)

// StatsDays are the periods the statistics page offers.
var StatsDays = []int{7, 30, 90}

// StatsPage is the engine's and the reviewers' numbers over the last days.
type StatsPage struct {
	Stats fraud.Stats
	Days  int
	Chart DayChart
	Rules []RuleBar
}

// NewStatsPage lays out the charts of s over days.
func NewStatsPage(s fraud.Stats, days int) StatsPage {
	return StatsPage{Stats: s, Days: days, Chart: NewDayChart(s.Days, s.From, days), Rules: NewRuleBars(s.Rules)}
}

// wait is a time to decision, "—" when no case was decided.
func (p StatsPage) wait(d time.Duration) string {
	if p.Stats.Decided == 0 {
		return "—"
	}
	return format.Span(d)
}

// axisHeight is the room under the columns for the first and last day.
const axisHeight = 16

func statsURL(days int) string { return StatsPath + "?days=" + strconv.Itoa(days) }

// dayLabel names a column for its tooltip.
func dayLabel(b DayBar) string {
	return b.Day.Format("2006-01-02") + ": " + strconv.Itoa(b.Total) + " decisions"
}

func segmentClass(v fraud.Verdict) string { return "seg-" + string(v) }
