package cases

import (
	"testing"
	"time"
)

// A SAR is due 30 calendar days after detection, to the end of that day,
// whatever the months' lengths.
func TestSARDue(t *testing.T) {
	for detected, want := range map[string]string{
		"2026-01-31T10:00:00Z": "2026-03-02", // February has 28 days
		"2028-01-31T10:00:00Z": "2028-03-01", // a leap year
		"2026-12-15T23:30:00Z": "2027-01-14", // across the year
		"2026-04-30T00:00:00Z": "2026-05-30",
		"2026-02-28T12:00:00Z": "2026-03-30",
	} {
		d, _ := time.Parse(time.RFC3339, detected)
		got := SARDue(d)
		if got.Format(time.DateOnly) != want || got.Hour() != 23 || got.Minute() != 59 {
			t.Errorf("SARDue(%s) = %s, want %s 23:59:59", detected, got, want)
		}
	}
}

func TestCase_Urgency(t *testing.T) {
	opened := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := Case{Kind: ScreeningHit, Status: Open, OpenedAt: opened, DueAt: opened.Add(SLA[ScreeningHit])}
	for at, want := range map[time.Duration]string{time.Hour: "ok", 20 * time.Hour: "warn", 25 * time.Hour: "bad"} {
		if got := c.Urgency(opened.Add(at)); got != want {
			t.Errorf("after %v: %q, want %q", at, got, want)
		}
	}
	c.Status = Closed
	if c.Urgency(opened.Add(48*time.Hour)) != "" {
		t.Error("a closed case is coloured")
	}
	if !ScreeningHit.Valid(FalsePositive) || ScreeningHit.Valid(Filed) || !SAR.Valid(Filed) {
		t.Error("decisions by kind are wrong")
	}
}
