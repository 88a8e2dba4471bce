// Package cases renders the compliance officer's inbox: the queue of
// sanctions hits, AML alerts and SARs with their deadlines coloured, one
// case with everything filed with it (a hit side by side with the list
// entry), and the print-ready case file.
package cases

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paycompliance/console/domain/cases"
	"github.com/paycompliance/console/domain/screening"
	"github.com/paycompliance/console/views/format"
	"github.com/paycompliance/console/views/timeline"
)

// QueueView is the case queue.
type QueueView struct {
	Cases []cases.Case
	Query url.Values // status, kind, mine
	After int64      // the page starts after this case
	Next  int64      // case id to continue after; 0 on the last page
	Now   time.Time
}

func (v QueueView) pageURL(after int64) string {
	q := url.Values{}
	for k, vs := range v.Query {
		q[k] = vs
	}
	if after > 0 {
		q.Set("after", strconv.FormatInt(after, 10))
	}
	if len(q) == 0 {
		return "/cases"
	}
	return "/cases?" + q.Encode()
}

// CaseView is one case's page.
type CaseView struct {
	Detail cases.Detail
	Review *screening.Review // a sanctions hit's party and list entries
	Parent *cases.Case       // the case a SAR came out of
	// Timeline is the case's events with, for those who may read the audit
	// trail, its audit entries.
	Timeline []timeline.Item
	CanWork  bool
	Viewer   string
	Notice   string
	Error    string
	// Decide is the decision form's state: as typed, and the decision to
	// confirm before it takes effect.
	Decide  DecideForm
	Confirm bool
	Now     time.Time
}

// DecideForm is what the decision form shows.
type DecideForm struct {
	Decision  cases.Decision
	Reason    string
	Until     string // a false positive's whitelist end, YYYY-MM-DD
	Reference string // a filed SAR's BSA identifier
	Reviewed  string // the screening result the decision is on
}

// URL is a case's page.
func URL(id int64) string { return "/cases/" + strconv.FormatInt(id, 10) }

func actionURL(id int64, verb string) string { return URL(id) + "/" + verb }

func attachmentURL(c, a int64) string { return URL(c) + "/attachments/" + strconv.FormatInt(a, 10) }

// PartyURL is a screened party's history.
func PartyURL(ref string) string { return "/screening/party?" + url.Values{"ref": {ref}}.Encode() }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// due says how long is left, or how long overdue.
func due(c cases.Case, now time.Time) string {
	if c.Status == cases.Closed {
		return "closed " + format.When(c.ClosedAt)
	}
	left := c.DueAt.Sub(now)
	if left < 0 {
		return "overdue by " + span(-left)
	}
	return span(left) + " left"
}

func span(d time.Duration) string {
	if d >= 48*time.Hour {
		return strconv.Itoa(int(d.Hours()/24)) + " days"
	}
	if d >= time.Hour {
		return strconv.Itoa(int(d.Hours())) + " h"
	}
	return strconv.Itoa(int(d.Minutes())) + " min"
}

func score(s float64) string { return fmt.Sprintf("%.2f", s) }

func list(items []string) string {
	if len(items) == 0 {
		return "—"
	}
	return strings.Join(items, "; ")
}

func years(ys []int) string {
	out := make([]string, len(ys))
	for i, y := range ys {
		out[i] = strconv.Itoa(y)
	}
	return list(out)
}

func statusClass(s cases.Status) string {
	switch s {
	case cases.Closed:
		return ""
	case cases.Escalated:
		return "bad"
	}
	return "warn"
}

func kindOptions() []cases.Kind { return []cases.Kind{cases.ScreeningHit, cases.AMLAlert, cases.SAR} }

func statusOptions() []cases.Status { return cases.Statuses }

// decisionHint says what a decision does.
func decisionHint(d cases.Decision) string {
	switch d {
	case cases.FalsePositive:
		return "Not this person: the pair is whitelisted against the entry as it reads now, until the date given, and what was held for the party goes on."
	case cases.TrueMatch:
		return "A confirmed match: the party is blocked for good, what was held for it is stopped, and a SAR case opens with its 30-day clock."
	case cases.NoAction:
		return "The activity is explained: the alert closes."
	case cases.Suspicious:
		return "A SAR case opens, due 30 days from this alert's detection."
	case cases.Filed:
		return "Filed with FinCEN: give the BSA identifier of the filing."
	case cases.NotFiled:
		return "Decided not to file: the reason is the record."
	}
	return ""
}

func yearOr(y int) string {
	if y == 0 {
		return "—"
	}
	return strconv.Itoa(y)
}
