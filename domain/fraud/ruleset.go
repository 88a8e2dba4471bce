package fraud

import (
	"slices"
	"time"

	"github.com/paycompliance/console/domain"
)

// MaxScore is the top of the scale.
const MaxScore = 1000

// Level is a score's band.
type Level string

const (
	Low      Level = "low"
	Medium   Level = "medium"
	High     Level = "high"
	Critical Level = "critical"
)

// Levels lists them from lowest.
var Levels = []Level{Low, Medium, High, Critical}

func (l Level) rank() int { return slices.Index(Levels, l) }

// Verdict is what a decision says to do with the event.
type Verdict string

const (
	Allow  Verdict = "allow"
	Review Verdict = "review"
	Block  Verdict = "block"
)

// Verdicts lists them.
var Verdicts = []Verdict{Allow, Review, Block}

// Cuts are the lowest scores of the upper three levels.
type Cuts struct {
	Medium   int `json:"medium"`
	High     int `json:"high"`
	Critical int `json:"critical"`
}

// RuleSet is one version of the rules and thresholds: drafted by one
// reviewer, published by another, never changed after.
type RuleSet struct {
	Version int    `json:"-"`
	Rules   []Rule `json:"rules"`
	Cuts    Cuts   `json:"cuts"`
	// ReviewFrom and BlockFrom are the lowest levels reviewed and blocked.
	ReviewFrom Level `json:"review_from"`
	BlockFrom  Level `json:"block_from"`
}

// Contribution is what one rule that fired added to a score.
type Contribution struct {
	Rule   string `json:"rule"`
	Points int    `json:"points"`
	Why    string `json:"why"`
}

// Assessment is a score and what it means.
type Assessment struct {
	Score         int
	Level         Level
	Verdict       Verdict
	Contributions []Contribution
}

// Score runs every enabled rule on e and f. The contributions always sum
// to the score: points past MaxScore are cut from the last rules to fire,
// and an allow-listed event (none of its identifiers blocked) gets one
// contribution that cancels the rest.
func (rs RuleSet) Score(e Event, f Features) Assessment {
	var a Assessment
	allow := false
	for _, r := range rs.Rules {
		if !r.Enabled {
			continue
		}
		if r.Family == AllowListed {
			_, allow = listed(f, AllowList)
			continue
		}
		points, why, fired := r.evaluate(e, f)
		if !fired {
			continue
		}
		points = min(points, MaxScore-a.Score)
		a.Score += points
		a.Contributions = append(a.Contributions, Contribution{Rule: r.ID, Points: points, Why: why})
	}
	if _, blocked := listed(f, BlockList); allow && !blocked {
		a.Contributions = append(a.Contributions, Contribution{Rule: rs.allowRule(), Points: -a.Score, Why: "on the allow list"})
		a.Score = 0
	}
	a.Level, a.Verdict = rs.Classify(a.Score)
	return a
}

func (rs RuleSet) allowRule() string {
	for _, r := range rs.Rules {
		if r.Family == AllowListed {
			return r.ID
		}
	}
	return string(AllowListed)
}

// Classify gives a score's level and verdict.
func (rs RuleSet) Classify(score int) (Level, Verdict) {
	l := Low
	switch {
	case score >= rs.Cuts.Critical:
		l = Critical
	case score >= rs.Cuts.High:
		l = High
	case score >= rs.Cuts.Medium:
		l = Medium
	}
	switch {
	case l.rank() >= rs.BlockFrom.rank():
		return l, Block
	case l.rank() >= rs.ReviewFrom.rank():
		return l, Review
	}
	return l, Allow
}

// Rule finds a rule by id.
func (rs RuleSet) Rule(id string) (Rule, bool) {
	i := slices.IndexFunc(rs.Rules, func(r Rule) bool { return r.ID == id })
	if i < 0 {
		return Rule{}, false
	}
	return rs.Rules[i], true
}

// Validate checks a draft: the cuts rise within the scale, a block needs
// at least a review's level, and every rule is one of the catalogue's
// with sane numbers.
func (rs RuleSet) Validate() error {
	c := rs.Cuts
	switch {
	case !(0 < c.Medium && c.Medium < c.High && c.High < c.Critical && c.Critical <= MaxScore):
		return domain.Errorf(domain.EINVALID, "The cut points must rise: 0 < medium < high < critical ≤ %d.", MaxScore)
	case rs.ReviewFrom.rank() < 1 || rs.BlockFrom.rank() < 1:
		return domain.Errorf(domain.EINVALID, "Review and block start at medium, high or critical.")
	case rs.BlockFrom.rank() < rs.ReviewFrom.rank():
		return domain.Errorf(domain.EINVALID, "Blocking cannot start at a lower level than review.")
	}
	catalogue := DefaultRuleSet()
	if len(rs.Rules) != len(catalogue.Rules) {
		return domain.Errorf(domain.EINVALID, "A rule set holds every rule of the catalogue, each enabled or not.")
	}
	for i, r := range rs.Rules {
		want := catalogue.Rules[i]
		switch {
		case r.ID != want.ID || r.Family != want.Family || r.Key != want.Key || r.Window != want.Window:
			return domain.Errorf(domain.EINVALID, "Rule %q is not the catalogue's rule %d.", r.ID, i+1)
		case r.Points < 0 || r.Points > MaxScore:
			return domain.Errorf(domain.EINVALID, "Rule %s: points are 0 to %d.", r.ID, MaxScore)
		case r.Threshold < 0 || r.Threshold > 1e6:
			return domain.Errorf(domain.EINVALID, "Rule %s: the threshold must be between 0 and 1,000,000.", r.ID)
		}
	}
	return nil
}

// DefaultRuleSet is version 1: the catalogue of rules with the numbers
// the console starts from.
func DefaultRuleSet() RuleSet {
	return RuleSet{
		Cuts:       Cuts{Medium: 300, High: 550, Critical: 800},
		ReviewFrom: High,
		BlockFrom:  Critical,
		Rules: []Rule{
			{ID: "block_list", Family: BlockListed, Points: MaxScore, Enabled: true},
			{ID: "allow_list", Family: AllowListed, Enabled: true},
			{ID: "amount_anomaly", Family: AmountAnomaly, Threshold: 3, Points: 250, Enabled: true},
			{ID: "velocity_card_1h", Family: VelocityRule, Key: KeyCard, Window: Hour, Threshold: 4, Points: 250, Enabled: true},
			{ID: "velocity_card_24h", Family: VelocityRule, Key: KeyCard, Window: Day, Threshold: 10, Points: 150, Enabled: true},
			{ID: "velocity_account_24h", Family: VelocityRule, Key: KeyAccount, Window: Day, Threshold: 5, Points: 200, Enabled: true},
			{ID: "velocity_ip_1h", Family: VelocityRule, Key: KeyIP, Window: Hour, Threshold: 10, Points: 200, Enabled: true},
			{ID: "velocity_device_24h", Family: VelocityRule, Key: KeyDevice, Window: Day, Threshold: 10, Points: 150, Enabled: true},
			{ID: "velocity_email_7d", Family: VelocityRule, Key: KeyEmail, Window: Week, Threshold: 20, Points: 100, Enabled: true},
			{ID: "geo_mismatch", Family: GeoMismatch, Points: 150, Enabled: true},
			{ID: "impossible_travel", Family: ImpossibleTrip, Threshold: 2, Points: 250, Enabled: true},
			{ID: "shared_device", Family: SharedIdentity, Key: KeyDevice, Threshold: 3, Points: 250, Enabled: true},
			{ID: "shared_card", Family: SharedIdentity, Key: KeyCard, Threshold: 2, Points: 200, Enabled: true},
			{ID: "shared_email", Family: SharedIdentity, Key: KeyEmail, Threshold: 2, Points: 150, Enabled: true},
			{ID: "account_takeover", Family: NewDeviceReset, Threshold: 72, Points: 350, Enabled: true},
			{ID: "first_transaction", Family: FirstEvent, Points: 100, Enabled: true},
			{ID: "account_age", Family: YoungAccount, Threshold: 7, Points: 100, Enabled: true},
			{ID: "radar", Family: RadarSignal, Threshold: 65, Points: 400, Enabled: true},
		},
	}
}

// Version is one row of the rules' history.
type Version struct {
	RuleSet
	Status    VersionStatus
	Note      string
	DraftedBy string
	DraftedAt time.Time
	DecidedBy string // who published or discarded it
	DecidedAt time.Time
	Backtest  *Backtest // the last backtest of the draft
}

// VersionStatus is where a version stands.
type VersionStatus string

const (
	Draft     VersionStatus = "draft"
	Published VersionStatus = "published" // the current one is the newest published
	Discarded VersionStatus = "discarded"
)
