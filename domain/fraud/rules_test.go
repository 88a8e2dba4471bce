package fraud

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/paycompliance/console/domain/money"
)

// clock is the injected time every rule test measures from.
var clock = time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)

func event() Event {
	return Event{Type: "card_payment", Ref: "ord_1", Customer: "cus_1", Amount: money.Amount{Minor: 5000, Currency: "USD"},
		CardFingerprint: "fp_1", IP: "203.0.113.7", DeviceID: "dev_1", Email: "a@example.com", RadarScore: -1, OccurredAt: clock}
}

// seasoned is a customer with a normal history, so that only the rule
// under test fires.
func seasoned() Features {
	return Features{History: History{Count: 20, Amounts: 20, Mean: 5000, StdDev: 1000, FirstSeen: clock.AddDate(-1, 0, 0),
		LastAt: clock.Add(-48 * time.Hour), LastCountry: "US", KnownDevice: true}}
}

// only scores e and f with the defaults and reports which rules fired.
func fired(t *testing.T, e Event, f Features) map[string]int {
	t.Helper()
	a := DefaultRuleSet().Score(e, f)
	out := map[string]int{}
	for _, c := range a.Contributions {
		out[c.Rule] = c.Points
	}
	return out
}

func TestRules_EachFamily(t *testing.T) {
	for _, tc := range []struct {
		name   string
		rule   string
		change func(e *Event, f *Features)
		// undo keeps the case just under the rule's threshold.
		under func(e *Event, f *Features)
	}{
		{"amount far above the customer's own", "amount_anomaly",
			func(e *Event, f *Features) { e.Amount.Minor = 8001 },
			func(e *Event, f *Features) { e.Amount.Minor = 8000 }},
		{"card velocity in an hour", "velocity_card_1h",
			func(e *Event, f *Features) { f.Velocity = map[Key]Velocity{KeyCard: {H1: 4, H24: 4, D7: 4}} },
			func(e *Event, f *Features) { f.Velocity = map[Key]Velocity{KeyCard: {H1: 3, H24: 4, D7: 4}} }},
		{"account velocity in a day", "velocity_account_24h",
			func(e *Event, f *Features) {
				e.AccountToken = "tok_1"
				f.Velocity = map[Key]Velocity{KeyAccount: {H24: 5, D7: 5}}
			},
			func(e *Event, f *Features) {
				e.AccountToken = "" // no account on the event: its counts say nothing
				f.Velocity = map[Key]Velocity{KeyAccount: {H24: 5, D7: 5}}
			}},
		{"IP velocity", "velocity_ip_1h",
			func(e *Event, f *Features) { f.Velocity = map[Key]Velocity{KeyIP: {H1: 10}} },
			func(e *Event, f *Features) { f.Velocity = map[Key]Velocity{KeyIP: {H1: 9, H24: 50}} }},
		{"email velocity over a week", "velocity_email_7d",
			func(e *Event, f *Features) { f.Velocity = map[Key]Velocity{KeyEmail: {D7: 20}} },
			func(e *Event, f *Features) { f.Velocity = map[Key]Velocity{KeyEmail: {D7: 19}} }},
		{"IP country not the card's", "geo_mismatch",
			func(e *Event, f *Features) { e.Country, e.CardCountry = "RO", "US" },
			func(e *Event, f *Features) { e.Country, e.CardCountry = "US", "US" }},
		{"impossible travel", "impossible_travel",
			func(e *Event, f *Features) { e.Country, f.History.LastAt = "JP", clock.Add(-119*time.Minute) },
			func(e *Event, f *Features) { e.Country, f.History.LastAt = "JP", clock.Add(-2*time.Hour) }},
		{"device across customers", "shared_device",
			func(e *Event, f *Features) { f.Shared = map[Key]int{KeyDevice: 3} },
			func(e *Event, f *Features) { f.Shared = map[Key]int{KeyDevice: 2} }},
		{"card across customers", "shared_card",
			func(e *Event, f *Features) { f.Shared = map[Key]int{KeyCard: 2} },
			func(e *Event, f *Features) { f.Shared = map[Key]int{KeyCard: 1} }},
		{"new device after a reset", "account_takeover",
			func(e *Event, f *Features) {
				f.History.KnownDevice, e.AccountChangedAt = false, clock.Add(-71*time.Hour)
			},
			func(e *Event, f *Features) {
				f.History.KnownDevice, e.AccountChangedAt = false, clock.Add(-73*time.Hour)
			}},
		{"first transaction", "first_transaction",
			func(e *Event, f *Features) { f.History = History{} },
			func(e *Event, f *Features) {}},
		{"young account", "account_age",
			func(e *Event, f *Features) { e.CustomerSince = clock.Add(-6 * 24 * time.Hour) },
			func(e *Event, f *Features) { e.CustomerSince = clock.Add(-8 * 24 * time.Hour) }},
		{"Radar score", "radar",
			func(e *Event, f *Features) { e.RadarScore = 65 },
			func(e *Event, f *Features) { e.RadarScore = 64 }},
		{"block list", "block_list",
			func(e *Event, f *Features) { f.Listed = map[Key]string{KeyEmail: BlockList} },
			func(e *Event, f *Features) { f.Listed = map[Key]string{} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, f := event(), seasoned()
			if got := fired(t, e, f); len(got) != 0 {
				t.Fatalf("a seasoned customer's ordinary event fires %v", got)
			}
			e, f = event(), seasoned()
			tc.change(&e, &f)
			got := fired(t, e, f)
			if _, ok := got[tc.rule]; !ok || len(got) != 1 {
				t.Errorf("fired %v, want only %s", got, tc.rule)
			}
			e, f = event(), seasoned()
			tc.under(&e, &f)
			if got := fired(t, e, f); len(got) != 0 {
				t.Errorf("just under the threshold fires %v", got)
			}
		})
	}
}

func TestRules_RadarPointsScaleWithTheScore(t *testing.T) {
	e, f := event(), seasoned()
	e.RadarScore = 99
	if got := fired(t, e, f)["radar"]; got != 400 {
		t.Errorf("Radar 99 gives %d points, want the rule's 400", got)
	}
	e.RadarScore = 70
	if got := fired(t, e, f)["radar"]; got != 283 { // 400 × 70 / 99
		t.Errorf("Radar 70 gives %d points, want 283", got)
	}
}

func TestRules_AllowListCancelsUnlessBlocked(t *testing.T) {
	e, f := event(), seasoned()
	e.RadarScore, f.Velocity = 99, map[Key]Velocity{KeyCard: {H1: 9, H24: 20, D7: 20}}
	f.Listed = map[Key]string{KeyDevice: AllowList}
	a := DefaultRuleSet().Score(e, f)
	if a.Score != 0 || a.Verdict != Allow || a.Contributions[len(a.Contributions)-1].Rule != "allow_list" {
		t.Errorf("allow-listed: %+v", a)
	}
	f.Listed[KeyEmail] = BlockList
	if a := DefaultRuleSet().Score(e, f); a.Score != MaxScore || a.Verdict != Block {
		t.Errorf("allow- and block-listed: %+v, want blocked", a)
	}
}

func TestRules_LevelsAndVerdicts(t *testing.T) {
	rs := DefaultRuleSet()
	for score, want := range map[int][2]string{0: {"low", "allow"}, 299: {"low", "allow"}, 300: {"medium", "allow"},
		550: {"high", "review"}, 799: {"high", "review"}, 800: {"critical", "block"}, 1000: {"critical", "block"}} {
		l, v := rs.Classify(score)
		if string(l) != want[0] || string(v) != want[1] {
			t.Errorf("score %d: %s/%s, want %v", score, l, v, want)
		}
	}
	rs.ReviewFrom = Medium
	if _, v := rs.Classify(300); v != Review {
		t.Errorf("review from medium: 300 is %s", v)
	}
}

// The contributions of any decision sum to its score, which stays on the
// scale, whatever fires.
func TestScore_ContributionsSumToTheScore(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	rs := DefaultRuleSet()
	for i := range 5000 {
		e, f := event(), seasoned()
		e.RadarScore = rng.IntN(101) - 1
		e.Amount.Minor = int64(rng.IntN(50000))
		if rng.IntN(3) == 0 {
			e.Country, e.CardCountry = "RO", "US"
		}
		f.Velocity = map[Key]Velocity{}
		for _, k := range AllKeys {
			f.Velocity[k] = Velocity{H1: rng.IntN(12), H24: rng.IntN(30), D7: rng.IntN(60)}
		}
		f.Shared = map[Key]int{KeyDevice: rng.IntN(5), KeyCard: rng.IntN(4), KeyEmail: rng.IntN(4)}
		if rng.IntN(10) == 0 {
			f.Listed = map[Key]string{AllKeys[rng.IntN(5)]: []string{BlockList, AllowList}[rng.IntN(2)]}
		}
		f.History.KnownDevice = rng.IntN(2) == 0
		e.AccountChangedAt = clock.Add(-time.Duration(rng.IntN(100)) * time.Hour)
		a := rs.Score(e, f)
		sum := 0
		for _, c := range a.Contributions {
			sum += c.Points
		}
		if sum != a.Score || a.Score < 0 || a.Score > MaxScore {
			t.Fatalf("case %d: contributions sum to %d, score %d: %+v", i, sum, a.Score, a.Contributions)
		}
		if l, v := rs.Classify(a.Score); l != a.Level || v != a.Verdict {
			t.Fatalf("case %d: %d classified %s/%s, assessment says %s/%s", i, a.Score, l, v, a.Level, a.Verdict)
		}
	}
}

func TestRuleSet_Validate(t *testing.T) {
	if err := DefaultRuleSet().Validate(); err != nil {
		t.Fatalf("the defaults: %v", err)
	}
	for name, spoil := range map[string]func(*RuleSet){
		"cuts not rising":        func(rs *RuleSet) { rs.Cuts.High = rs.Cuts.Medium },
		"critical off the scale": func(rs *RuleSet) { rs.Cuts.Critical = 1001 },
		"block below review":     func(rs *RuleSet) { rs.ReviewFrom, rs.BlockFrom = Critical, High },
		"review from low":        func(rs *RuleSet) { rs.ReviewFrom = Low },
		"negative points":        func(rs *RuleSet) { rs.Rules[3].Points = -1 },
		"a rule renamed":         func(rs *RuleSet) { rs.Rules[3].ID = "mine" },
		"a rule's key changed":   func(rs *RuleSet) { rs.Rules[3].Key = KeyIP },
		"a rule missing":         func(rs *RuleSet) { rs.Rules = rs.Rules[1:] },
		"negative threshold":     func(rs *RuleSet) { rs.Rules[2].Threshold = -3 },
	} {
		rs := DefaultRuleSet()
		spoil(&rs)
		if err := rs.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// A backtest reports exactly the decisions whose level or verdict the
// draft changes, and no other.
func TestReplay_ReportsExactlyTheChanges(t *testing.T) {
	current := DefaultRuleSet()
	var decisions []Decision
	for i := range 40 {
		e, f := event(), seasoned()
		e.Ref, e.RadarScore = "ord_"+string(rune('a'+i)), 65+i%35 // Radar alone: 263 to 396 points
		f.Velocity = map[Key]Velocity{KeyCard: {H1: i % 6, H24: i % 6, D7: i % 6}}
		d := Decision{ID: int64(i + 1), Event: e, Features: f, Assessment: current.Score(e, f)}
		decisions = append(decisions, d)
	}
	draft := current
	draft.Cuts.High = 500 // from 550
	want := map[int64]bool{}
	for _, d := range decisions {
		if d.Assessment.Score >= 500 && d.Assessment.Score < 550 {
			want[d.ID] = true
		}
	}
	if len(want) == 0 || len(want) > MaxExamples {
		t.Fatalf("the fixture needs 1 to %d decisions between 500 and 550, has %d", MaxExamples, len(want))
	}
	var bt Backtest
	draft.Replay(decisions, &bt)
	if bt.Decisions != 40 || bt.LevelChanged != len(want) || bt.VerdictChanged != len(want) || len(bt.Examples) != len(want) {
		t.Fatalf("backtest %+v, want %d changes of 40", bt, len(want))
	}
	for _, ex := range bt.Examples {
		if !want[ex.DecisionID] || ex.LevelBefore != Medium || ex.LevelAfter != High || ex.VerdictAfter != Review {
			t.Errorf("reported %+v", ex)
		}
	}
	if got := bt.ByVerdict[Review]; got[1]-got[0] != len(want) {
		t.Errorf("reviews before/after %v, want %d more", got, len(want))
	}
	var same Backtest
	current.Replay(decisions, &same)
	if same.LevelChanged != 0 || same.VerdictChanged != 0 || len(same.Examples) != 0 {
		t.Errorf("replaying the current rules changes %+v", same)
	}
}

func TestEvent_Normalize(t *testing.T) {
	ok := event()
	if err := ok.Normalize(clock); err != nil {
		t.Fatal(err)
	}
	for name, spoil := range map[string]func(*Event){
		"no type":          func(e *Event) { e.Type = "" },
		"type with spaces": func(e *Event) { e.Type = "card payment" },
		"no ref":           func(e *Event) { e.Ref = " " },
		"no customer":      func(e *Event) { e.Customer = "" },
		"unknown currency": func(e *Event) { e.Amount.Currency = "XYZ" },
		"negative amount":  func(e *Event) { e.Amount.Minor = -1 },
		"bad country":      func(e *Event) { e.Country = "USA" },
		"radar too high":   func(e *Event) { e.RadarScore = 100 },
		"in the future":    func(e *Event) { e.OccurredAt = clock.Add(6 * time.Minute) },
		"a card number":    func(e *Event) { e.CardFingerprint = "4242424242424242" },
		"control chars":    func(e *Event) { e.DeviceID = "dev\x00" },
		"too long":         func(e *Event) { e.IP = string(make([]byte, 201)) },
	} {
		e := event()
		spoil(&e)
		if err := e.Normalize(clock); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	e := event()
	e.Email, e.Country, e.OccurredAt = " A@Example.COM ", "us", time.Time{}
	if err := e.Normalize(clock); err != nil || e.Email != "a@example.com" || e.Country != "US" || !e.OccurredAt.Equal(clock) {
		t.Errorf("normalized %+v, %v", e, err)
	}
}
