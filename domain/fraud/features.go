package fraud

import "time"

// Velocity counts the earlier events that share an identifier, over the
// three sliding windows the rules read.
type Velocity struct {
	H1  int `json:"h1"`
	H24 int `json:"h24"`
	D7  int `json:"d7"`
}

// Window names one of them.
type Window string

const (
	Hour  Window = "1h"
	Day   Window = "24h"
	Week  Window = "7d"
	noWin Window = ""
)

// Windows lists them.
var Windows = []Window{Hour, Day, Week}

// Duration is how far back the window reaches.
func (w Window) Duration() time.Duration {
	return map[Window]time.Duration{Hour: time.Hour, Day: 24 * time.Hour, Week: 7 * 24 * time.Hour}[w]
}

// In is the count of window w.
func (v Velocity) In(w Window) int {
	switch w {
	case Hour:
		return v.H1
	case Day:
		return v.H24
	}
	return v.D7
}

// VelocityCap bounds each count: the store reads at most this many of an
// identifier's most recent events, so a burst costs the same as a trickle.
const VelocityCap = 1000

// SharedWindow is how far back identifier reuse across customers is looked
// for.
const SharedWindow = 30 * 24 * time.Hour

// History is what the customer's earlier events say.
type History struct {
	Count       int       `json:"count"`   // earlier events (all currencies)
	Amounts     int       `json:"amounts"` // of which in this event's currency, up to the last 100
	Mean        float64   `json:"mean"`    // their mean amount, minor units
	StdDev      float64   `json:"stddev"`
	FirstSeen   time.Time `json:"first_seen,omitzero"`
	LastAt      time.Time `json:"last_at,omitzero"`
	LastCountry string    `json:"last_country,omitempty"`
	KnownDevice bool      `json:"known_device"` // the customer used this event's device before
}

// Features are what the store knows of an event's context when it is
// scored: kept with the decision, so a backtest replays the decision on
// the same facts.
type Features struct {
	Velocity map[Key]Velocity `json:"velocity,omitempty"`
	// Shared counts the other customers seen with the same identifier.
	Shared  map[Key]int    `json:"shared,omitempty"`
	Listed  map[Key]string `json:"listed,omitempty"` // "block" or "allow", for identifiers on a list
	History History        `json:"history"`
}

// Lists a value may be on.
const (
	BlockList = "block"
	AllowList = "allow"
)
