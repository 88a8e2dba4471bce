// Package aml is Bank Secrecy Act monitoring of the console's own money
// movements (card payments, ACH transfers, refunds): rules with thresholds
// find large daily totals, structuring, rapid movement and velocity
// spikes; each finding opens an AML case, and a case decided suspicious
// opens a SAR case with its 30-day filing clock. Storage is an adapter's.
package aml

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Direction is whether money came in from the customer or went out to them.
type Direction string

const (
	In  Direction = "in"
	Out Direction = "out"
)

// Txn is one movement of money with a customer, in US cents.
type Txn struct {
	Customer  string
	Ref       string // the payment or transfer
	Rail      string // card, ach
	Direction Direction
	Amount    int64
	At        time.Time
}

// Rules are the thresholds; Default holds the usual ones.
type Rules struct {
	DailyTotal        int64         // a day's total either way above this: a large-transaction report candidate
	StructuringLow    int64         // transactions between StructuringLow and DailyTotal...
	StructuringCount  int           // ...this many or more...
	StructuringWindow time.Duration // ...within this long: structuring
	RapidWindow       time.Duration // money in, then out within this long...
	RapidShare        int           // ...at least this percent of it: rapid movement...
	RapidMinimum      int64         // ...of at least this much coming in
	VelocityFactor    int           // a day with this many times the customer's daily average...
	VelocityMinimum   int           // ...and at least this many transactions...
	VelocityHistory   time.Duration // ...against the average over this long before it
}

// Default are the usual thresholds: the $10,000 currency transaction
// report line, and patterns that avoid it.
func Default() Rules {
	return Rules{DailyTotal: 1_000_000, StructuringLow: 800_000, StructuringCount: 3, StructuringWindow: 5 * 24 * time.Hour,
		RapidWindow: 24 * time.Hour, RapidShare: 80, RapidMinimum: 100_000, VelocityFactor: 3, VelocityMinimum: 5, VelocityHistory: 30 * 24 * time.Hour}
}

// Rule names a finding's kind.
type Rule string

const (
	LargeDaily    Rule = "large_daily_total"
	Structuring   Rule = "structuring"
	RapidMovement Rule = "rapid_movement"
	Velocity      Rule = "velocity_spike"
)

// Label is the rule as people say it.
func (r Rule) Label() string {
	return map[Rule]string{LargeDaily: "Large daily total (CTR candidate)", Structuring: "Possible structuring",
		RapidMovement: "Rapid movement of funds", Velocity: "Velocity spike"}[r]
}

// Finding is what a rule found for a customer.
type Finding struct {
	Rule     Rule
	Customer string
	Window   string // names the occurrence, so the same finding is raised once
	Summary  string
	Refs     []string
	Total    int64
}

// Evaluate runs every rule over one customer's transactions (any order)
// up to now, with their history before it. The day rules look at today
// and yesterday (UTC days): what came after the last run of a day, or on
// a day the job did not run, is still seen. A finding is named by its
// occurrence, so the same one found again is raised once.
func (r Rules) Evaluate(customer string, txns []Txn, now time.Time) []Finding {
	txns = slices.Clone(txns)
	slices.SortFunc(txns, func(a, b Txn) int { return a.At.Compare(b.At) })
	today := now.UTC().Truncate(24 * time.Hour)
	var out []Finding
	for _, day := range []time.Time{today.Add(-24 * time.Hour), today} {
		out = append(out, r.largeDaily(customer, txns, day)...)
		if f, ok := r.velocity(customer, txns, day); ok {
			out = append(out, f)
		}
	}
	if f, ok := r.structuring(customer, txns, now); ok {
		out = append(out, f)
	}
	out = append(out, r.rapid(customer, txns, now)...)
	return out
}

func (r Rules) largeDaily(customer string, txns []Txn, day time.Time) []Finding {
	var out []Finding
	for _, dir := range []Direction{In, Out} {
		var total int64
		var refs []string
		for _, t := range txns {
			if t.Direction == dir && !t.At.Before(day) && t.At.Before(day.Add(24*time.Hour)) {
				total += t.Amount
				refs = append(refs, t.Ref)
			}
		}
		if total > r.DailyTotal {
			out = append(out, Finding{Rule: LargeDaily, Customer: customer, Window: day.Format("2006-01-02") + ":" + string(dir), Refs: refs, Total: total,
				Summary: fmt.Sprintf("%s %s on %s in %d transactions, above %s.", usd(total), dir, day.Format("2006-01-02"), len(refs), usd(r.DailyTotal))})
		}
	}
	return out
}

// structuring: several transactions each just under the reporting line
// within the window ending now.
func (r Rules) structuring(customer string, txns []Txn, now time.Time) (Finding, bool) {
	var refs []string
	var total int64
	var first time.Time
	for _, t := range txns {
		if t.Amount >= r.StructuringLow && t.Amount <= r.DailyTotal && !t.At.Before(now.Add(-r.StructuringWindow)) && !t.At.After(now) {
			if first.IsZero() {
				first = t.At
			}
			refs = append(refs, t.Ref)
			total += t.Amount
		}
	}
	if len(refs) < r.StructuringCount {
		return Finding{}, false
	}
	return Finding{Rule: Structuring, Customer: customer, Window: first.UTC().Format("2006-01-02"), Refs: refs, Total: total,
		Summary: fmt.Sprintf("%d transactions between %s and %s within %s, %s in all.", len(refs), usd(r.StructuringLow), usd(r.DailyTotal),
			days(r.StructuringWindow), usd(total))}, true
}

// rapid: money in, then most of it out again soon after.
func (r Rules) rapid(customer string, txns []Txn, now time.Time) []Finding {
	var out []Finding
	for i, in := range txns {
		if in.Direction != In || in.Amount < r.RapidMinimum || in.At.Before(now.Add(-r.RapidWindow-24*time.Hour)) {
			continue
		}
		var outTotal int64
		var refs []string
		for _, o := range txns[i+1:] {
			if o.Direction == Out && o.At.Sub(in.At) <= r.RapidWindow && !o.At.After(now) {
				outTotal += o.Amount
				refs = append(refs, o.Ref)
			}
		}
		if in.Amount > 0 && outTotal*100 >= in.Amount*int64(r.RapidShare) && len(refs) > 0 {
			out = append(out, Finding{Rule: RapidMovement, Customer: customer, Window: in.Ref, Refs: append([]string{in.Ref}, refs...), Total: outTotal,
				Summary: fmt.Sprintf("%s came in (%s) and %s went out within %s.", usd(in.Amount), in.Ref, usd(outTotal), hours(r.RapidWindow))})
		}
	}
	return out
}

// velocity: a day with many more transactions than the customer's own
// daily average before it (over the history there is, up to
// VelocityHistory).
func (r Rules) velocity(customer string, txns []Txn, day time.Time) (Finding, bool) {
	historyStart := day.Add(-r.VelocityHistory)
	var today, before int
	var refs []string
	var earliest time.Time
	for _, t := range txns {
		switch {
		case !t.At.Before(day) && t.At.Before(day.Add(24*time.Hour)):
			today++
			refs = append(refs, t.Ref)
		case !t.At.Before(historyStart) && t.At.Before(day):
			before++
			if earliest.IsZero() {
				earliest = t.At
			}
		}
	}
	if earliest.IsZero() || day.Sub(earliest) < 5*24*time.Hour || today < r.VelocityMinimum {
		return Finding{}, false // too little history to call anything a spike
	}
	historyDays := int(day.Sub(earliest.UTC().Truncate(24*time.Hour)) / (24 * time.Hour))
	// today > factor × (before / historyDays), in whole numbers.
	if today*historyDays <= r.VelocityFactor*before {
		return Finding{}, false
	}
	return Finding{Rule: Velocity, Customer: customer, Window: day.Format("2006-01-02"), Refs: refs,
		Summary: fmt.Sprintf("%d transactions on %s against a daily average of %.1f over %d days.", today, day.Format("2006-01-02"),
			float64(before)/float64(historyDays), historyDays)}, true
}

func usd(cents int64) string {
	return "$" + strconv.FormatInt(cents/100, 10) + "." + strconv.FormatInt(100+cents%100, 10)[1:]
}

func days(d time.Duration) string  { return strconv.Itoa(int(d.Hours()/24)) + " days" }
func hours(d time.Duration) string { return strconv.Itoa(int(d.Hours())) + " hours" }
