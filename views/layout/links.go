package layout

import "strconv"

// Link is one of a row of links (an area's tabs, a choice of periods),
// one of which may be the page shown.
type Link struct {
	Href, Label string
}

// Periods are links to the last n days, for each n of days.
func Periods(days []int, url func(days int) string) []Link {
	out := make([]Link, len(days))
	for i, d := range days {
		out[i] = Link{Href: url(d), Label: strconv.Itoa(d) + " days"}
	}
	return out
}
