// Package format writes values for people, the same way on every page:
// times in UTC, dates, amounts of US cents, a dash for what is not there.
package format

import (
	"strconv"
	"time"
)

// When is a moment to the second, in UTC; "—" for none.
func When(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
}

// Day is a date (UTC); "—" for none.
func Day(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02")
}

// OrDash is s, or "—" when it is empty.
func OrDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// Span writes a duration the way people read a wait: seconds, minutes,
// hours and minutes, days.
func Span(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return strconv.Itoa(int(d.Hours()/24)) + " days"
	case d >= time.Hour:
		return strconv.Itoa(int(d.Hours())) + " h " + strconv.Itoa(int(d.Minutes())%60) + " min"
	case d >= time.Minute:
		return strconv.Itoa(int(d.Minutes())) + " min"
	}
	return strconv.Itoa(int(d.Seconds())) + " s"
}

// USD writes cents as dollars with thousands separators: $12,345.67.
func USD(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return sign + "$" + thousands(cents/100) + "." + strconv.FormatInt(100+cents%100, 10)[1:]
}

// Count is a count with thousands separators; past limit (a count that
// stops there, so that it costs the same however much there is) it reads
// "10,000+".
func Count(n, limit int) string {
	if n > limit {
		return thousands(int64(limit)) + "+"
	}
	return thousands(int64(n))
}

func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
