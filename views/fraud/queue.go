package fraud

import (
	"net/url"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain/fraud"
)

// QueueView is the review queue: one page of cases, riskiest first, then
// oldest, with the queue's counts.
type QueueView struct {
	Cases   []fraud.Case
	Summary fraud.QueueSummary
	Query   url.Values // the filters: status, level, mine
	// The page starts after this case in the queue's order (0: the first
	// page); Next is the last case shown when more follow.
	AfterScore int
	AfterID    int64
	Next       *fraud.Case
	CanReview  bool
	Error      string // a refused "next case"
	Now        time.Time
}

func (v QueueView) pageURL(score int, after int64) string {
	q := url.Values{}
	for k, vs := range v.Query {
		q[k] = vs
	}
	if after > 0 {
		q.Set("after_score", strconv.Itoa(score))
		q.Set("after", itoa(after))
	}
	return withQuery(QueuePath, q)
}

// here is the page as shown, for the live refresh.
func (v QueueView) here() string { return v.pageURL(v.AfterScore, v.AfterID) }

func statusOptions() []fraud.CaseStatus {
	return []fraud.CaseStatus{fraud.CaseOpen, fraud.CaseInReview, fraud.CaseEscalated, fraud.CaseClosed}
}

func levelOptions() []fraud.Level {
	return []fraud.Level{fraud.Critical, fraud.High, fraud.Medium, fraud.Low}
}
