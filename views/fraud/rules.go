package fraud

import (
	"net/url"
	"strconv"

	"github.com/paycompliance/console/domain/fraud"
)

// RulesPage is the rules: the version scoring now, the open draft as a
// form with its backtest, and the history of versions.
type RulesPage struct {
	Rules   fraud.RulesView
	CaseOf  map[int64]int64 // a backtest example's decision → the case it opened
	CanEdit bool
	Viewer  string
	Form    url.Values // the draft form as typed, shown back after a refusal
	Notice  string
	Error   string
}

// The draft form's fields: one enabled box, threshold and points per rule,
// the three cut points and the review and block levels.
const (
	FieldCutMedium   = "cut_medium"
	FieldCutHigh     = "cut_high"
	FieldCutCritical = "cut_critical"
	FieldReviewFrom  = "review_from"
	FieldBlockFrom   = "block_from"
	FieldNote        = "note"
)

// EnabledField, ThresholdField and PointsField name a rule's fields.
func EnabledField(rule string) string   { return "enabled_" + rule }
func ThresholdField(rule string) string { return "threshold_" + rule }
func PointsField(rule string) string    { return "points_" + rule }

// Tunable says which of a rule's numbers the form offers: a threshold
// where the rule's family has one, points for every rule but the allow
// list (which cancels the score instead).
func Tunable(r fraud.Rule) (threshold, points bool) {
	return r.Unit() != "", r.Family != fraud.AllowListed
}

// typed is the form's value of name as typed, or fallback before any.
func (p RulesPage) typed(name, fallback string) string {
	if p.Form == nil {
		return fallback
	}
	return p.Form.Get(name)
}

func (p RulesPage) enabled(r fraud.Rule) bool {
	if p.Form == nil {
		return r.Enabled
	}
	return p.Form.Get(EnabledField(r.ID)) != ""
}

func number(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// threshold is a rule's threshold with its unit, "—" for a rule without.
func threshold(r fraud.Rule) string {
	if r.Unit() == "" {
		return "—"
	}
	return number(r.Threshold) + " " + r.Unit()
}

// reviewLevels are the levels review and block may start at.
func reviewLevels() []fraud.Level { return fraud.Levels[1:] }

// currentName says which version scores now.
func currentName(rs fraud.RuleSet) string {
	if rs.Version == 0 {
		return "the catalogue's defaults (published as version 1 with the first event scored)"
	}
	return "version " + strconv.Itoa(rs.Version)
}
