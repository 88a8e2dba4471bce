package fraud

import "time"

// Stats are the engine's and the reviewers' numbers over a period.
type Stats struct {
	From, To  time.Time
	Days      []DayStats // one per day with decisions, oldest first
	Decisions int
	Flagged   int // review or block
	// Labels: decisions known to be fraud, and flagged decisions labelled
	// either way.
	Fraud, FlaggedFraud, FlaggedLegit int
	// Cases decided by a reviewer (not closed by a block) in the period,
	// and how long they waited.
	Decided          int
	MedianToDecision time.Duration
	P90ToDecision    time.Duration
	Rules            []RuleStats // by hits, most first
}

// DayStats counts one day's decisions by verdict.
type DayStats struct {
	Day                  time.Time
	Allow, Review, Block int
}

// Total is the day's decisions.
func (d DayStats) Total() int { return d.Allow + d.Review + d.Block }

// RuleStats is how often a rule fired, and what its hits turned out to be.
type RuleStats struct {
	Rule               string
	Hits, Fraud, Legit int
}

// ratio is a/b, and false when b is 0: a rate of nothing is not 0 %.
func ratio(a, b int) (float64, bool) {
	if b == 0 {
		return 0, false
	}
	return float64(a) / float64(b), true
}

// ReviewRate is the share of decisions flagged for review or blocked.
func (s Stats) ReviewRate() (float64, bool) { return ratio(s.Flagged, s.Decisions) }

// Precision is the share of labelled flagged decisions that were fraud.
func (s Stats) Precision() (float64, bool) {
	return ratio(s.FlaggedFraud, s.FlaggedFraud+s.FlaggedLegit)
}

// FalsePositiveRate is the share of events not known as fraud that were
// flagged anyway: an event without a chargeback, an unauthorized return
// or a declining reviewer counts as genuine.
func (s Stats) FalsePositiveRate() (float64, bool) {
	return ratio(s.Flagged-s.FlaggedFraud, s.Decisions-s.Fraud)
}

// HitRate is the share of decisions the rule fired on.
func (s Stats) HitRate(r RuleStats) (float64, bool) { return ratio(r.Hits, s.Decisions) }

// Precision is the share of the rule's labelled hits that were fraud.
func (r RuleStats) Precision() (float64, bool) { return ratio(r.Fraud, r.Fraud+r.Legit) }
