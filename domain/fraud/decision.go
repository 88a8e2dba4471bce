package fraud

import (
	"strings"
	"time"
)

// Decision is one scored event, kept for good with everything it was
// decided from and the rules version that decided it.
type Decision struct {
	ID          int64
	Event       Event
	Features    Features
	Assessment  Assessment
	RuleVersion int
	At          time.Time
	Label       Label // what was learnt later; "" while unknown
	CaseID      int64 // the case it opened, 0 for none
}

// Label is the truth about a decision, once known.
type Label string

const (
	Fraudulent Label = "fraud"
	Legitimate Label = "legit"
)

// LabelSource is what told it. A chargeback or an unauthorized return
// overrides a reviewer's disposition, never the other way round.
type LabelSource string

const (
	FromDisposition LabelSource = "disposition"
	FromChargeback  LabelSource = "chargeback"
	FromACHReturn   LabelSource = "ach_return"
)

// UnauthorizedReturns are the NACHA return codes in which the account
// holder says they did not authorize the debit.
var UnauthorizedReturns = map[string]bool{"R05": true, "R07": true, "R10": true, "R11": true, "R29": true, "R51": true}

// FraudulentDispute reports whether a dispute's reason says fraud.
func FraudulentDispute(reason string) bool {
	return strings.EqualFold(reason, "fraudulent") || strings.EqualFold(reason, "unrecognized")
}

// Backtest is what a draft would have changed over the recent decisions.
type Backtest struct {
	Days           int
	From, To       time.Time
	Decisions      int // replayed
	LevelChanged   int
	VerdictChanged int
	ByVerdict      map[Verdict][2]int // before, after
	Examples       []BacktestChange   // up to MaxExamples
	RanBy          string
	RanAt          time.Time
}

// BacktestChange is one decision the draft would decide otherwise.
type BacktestChange struct {
	DecisionID                  int64
	Subject                     string
	ScoreBefore, ScoreAfter     int
	LevelBefore, LevelAfter     Level
	VerdictBefore, VerdictAfter Verdict
}

// MaxExamples bounds a backtest's examples.
const MaxExamples = 20

// Replay scores stored decisions under rs and counts what changes.
func (rs RuleSet) Replay(decisions []Decision, into *Backtest) {
	if into.ByVerdict == nil {
		into.ByVerdict = map[Verdict][2]int{}
	}
	for _, d := range decisions {
		a := rs.Score(d.Event, d.Features)
		into.Decisions++
		before := into.ByVerdict[d.Assessment.Verdict]
		before[0]++
		into.ByVerdict[d.Assessment.Verdict] = before
		after := into.ByVerdict[a.Verdict]
		after[1]++
		into.ByVerdict[a.Verdict] = after
		if a.Level == d.Assessment.Level && a.Verdict == d.Assessment.Verdict {
			continue
		}
		if a.Level != d.Assessment.Level {
			into.LevelChanged++
		}
		if a.Verdict != d.Assessment.Verdict {
			into.VerdictChanged++
		}
		if len(into.Examples) < MaxExamples {
			into.Examples = append(into.Examples, BacktestChange{DecisionID: d.ID, Subject: d.Event.Subject(),
				ScoreBefore: d.Assessment.Score, ScoreAfter: a.Score, LevelBefore: d.Assessment.Level, LevelAfter: a.Level,
				VerdictBefore: d.Assessment.Verdict, VerdictAfter: a.Verdict})
		}
	}
}
