package fraud

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/paycompliance/console/domain/money"
)

// Family is what a rule looks at; its code is fixed, its numbers are data.
type Family string

const (
	AmountAnomaly  Family = "amount_anomaly"    // far above the customer's own amounts
	VelocityRule   Family = "velocity"          // many events with one identifier in a window
	GeoMismatch    Family = "geo_mismatch"      // the IP's country is not the card's or bank's
	ImpossibleTrip Family = "impossible_travel" // another country too soon after the last event
	SharedIdentity Family = "shared_identity"   // one device, card or email across customers
	NewDeviceReset Family = "account_takeover"  // a new device soon after a password or MFA reset
	FirstEvent     Family = "first_transaction"
	YoungAccount   Family = "account_age"
	RadarSignal    Family = "radar"
	BlockListed    Family = "block_list"
	AllowListed    Family = "allow_list"
)

// Rule is one configured rule. Threshold means what its family says:
// a z-score, a count, hours, days or a Radar score.
type Rule struct {
	ID        string  `json:"id"`
	Family    Family  `json:"family"`
	Key       Key     `json:"key,omitempty"`    // velocity and reuse: which identifier
	Window    Window  `json:"window,omitempty"` // velocity: over what
	Threshold float64 `json:"threshold"`
	Points    int     `json:"points"`
	Enabled   bool    `json:"enabled"`
}

// Unit says what the threshold counts, for forms.
func (r Rule) Unit() string {
	return map[Family]string{AmountAnomaly: "standard deviations above the mean", VelocityRule: "events",
		ImpossibleTrip: "hours", SharedIdentity: "other customers", NewDeviceReset: "hours since the reset",
		YoungAccount: "days", RadarSignal: "Radar score"}[r.Family]
}

// Describe says what the rule checks, in words.
func (r Rule) Describe() string {
	t := trim(r.Threshold)
	switch r.Family {
	case AmountAnomaly:
		return "Amount more than " + t + " standard deviations above the customer's mean (3+ earlier amounts)"
	case VelocityRule:
		return t + " or more earlier events with this " + string(r.Key) + " in " + string(r.Window)
	case GeoMismatch:
		return "IP country differs from the card's or bank's country"
	case ImpossibleTrip:
		return "A different country than the customer's last event, less than " + t + " h before"
	case SharedIdentity:
		return "This " + string(r.Key) + " was used by " + t + " or more other customers in 30 days"
	case NewDeviceReset:
		return "A device the customer never used, less than " + t + " h after a password or MFA reset"
	case FirstEvent:
		return "The customer's first event"
	case YoungAccount:
		return "The customer's account is less than " + t + " days old"
	case RadarSignal:
		return "Stripe Radar scored it " + t + " or more (points scale with the score)"
	case BlockListed:
		return "An identifier is on the block list"
	case AllowListed:
		return "An identifier is on the allow list (and none on the block list): the score is cancelled"
	}
	return string(r.Family)
}

func trim(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", f), "0"), ".")
}

// evaluate reports whether r fires on e with f, with its points and why.
func (r Rule) evaluate(e Event, f Features) (int, string, bool) {
	switch r.Family {
	case AmountAnomaly:
		h := f.History
		if h.Amounts < 3 || e.Amount.Minor == 0 {
			return 0, "", false
		}
		limit := h.Mean + r.Threshold*math.Max(h.StdDev, h.Mean/10) // a customer who always pays the same is not an anomaly for a cent
		if float64(e.Amount.Minor) <= limit {
			return 0, "", false
		}
		return r.Points, fmt.Sprintf("%s against a mean of %s", amount(e.Amount.Minor, e.Amount.Currency), amount(int64(h.Mean), e.Amount.Currency)), true
	case VelocityRule:
		n := f.Velocity[r.Key].In(r.Window)
		return r.Points, fmt.Sprintf("%d earlier events with this %s in %s", n, r.Key, r.Window), e.Value(r.Key) != "" && float64(n) >= r.Threshold
	case GeoMismatch:
		return r.Points, "IP in " + e.Country + ", card or bank in " + e.CardCountry, e.Country != "" && e.CardCountry != "" && e.Country != e.CardCountry
	case ImpossibleTrip:
		h := f.History
		gap := e.OccurredAt.Sub(h.LastAt)
		fired := e.Country != "" && h.LastCountry != "" && h.LastCountry != e.Country && !h.LastAt.IsZero() && gap < hours(r.Threshold)
		return r.Points, fmt.Sprintf("%s then %s %s apart", h.LastCountry, e.Country, gap.Round(time.Minute)), fired
	case SharedIdentity:
		n := f.Shared[r.Key]
		return r.Points, fmt.Sprintf("%s shared with %d other customers", r.Key, n), e.Value(r.Key) != "" && float64(n) >= r.Threshold
	case NewDeviceReset:
		since := e.OccurredAt.Sub(e.AccountChangedAt)
		fired := e.DeviceID != "" && !f.History.KnownDevice && f.History.Count > 0 && !e.AccountChangedAt.IsZero() && since >= 0 && since < hours(r.Threshold)
		return r.Points, fmt.Sprintf("new device %s after the account's reset", since.Round(time.Minute)), fired
	case FirstEvent:
		return r.Points, "no earlier event for this customer", f.History.Count == 0
	case YoungAccount:
		since := e.CustomerSince
		if since.IsZero() {
			since = f.History.FirstSeen
		}
		age := e.OccurredAt.Sub(since)
		return r.Points, fmt.Sprintf("account %s old", age.Round(time.Hour)), !since.IsZero() && age < hours(24*r.Threshold)
	case RadarSignal:
		fired := e.RadarScore >= 0 && float64(e.RadarScore) >= r.Threshold
		return int(math.Round(float64(r.Points) * float64(e.RadarScore) / 99)), fmt.Sprintf("Radar score %d", e.RadarScore), fired
	case BlockListed:
		k, ok := listed(f, BlockList)
		return r.Points, string(k) + " on the block list", ok
	}
	return 0, "", false // the allow list is applied by Score, after the others
}

func listed(f Features, list string) (Key, bool) {
	for _, k := range AllKeys {
		if f.Listed[k] == list {
			return k, true
		}
	}
	return "", false
}

func hours(h float64) time.Duration { return time.Duration(h * float64(time.Hour)) }

func amount(minor int64, c money.Currency) string {
	return money.Amount{Minor: minor, Currency: c}.String()
}
