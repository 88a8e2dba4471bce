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

// USD writes cents as dollars with thousands separators: $12,345.67.
func USD(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	whole := strconv.FormatInt(cents/100, 10)
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	return sign + "$" + whole + "." + strconv.FormatInt(100+cents%100, 10)[1:]
}
