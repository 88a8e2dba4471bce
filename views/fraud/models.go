// Package fraud renders the fraud reviewers' console: the review queue
// (riskiest first, coloured by SLA, live), a case with everything it was
// scored from, the rules with their draft, backtest and history, the
// block and allow lists, and the engine's statistics with their charts.
package fraud

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paycompliance/console/domain/fraud"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/views/format"
)

// Pages of the area, for its tabs and links.
const (
	QueuePath = "/fraud"
	RulesPath = "/fraud/rules"
	ListsPath = "/fraud/lists"
	StatsPath = "/fraud/stats"
)

// CaseURL is a case's page.
func CaseURL(id int64) string { return "/fraud/cases/" + itoa(id) }

func caseAction(id int64, verb string) string { return CaseURL(id) + "/" + verb }

func versionAction(version int, verb string) string {
	return "/fraud/rules/versions/" + strconv.Itoa(version) + "/" + verb
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// count writes a number with thousands separators; a summary count past
// the cap reads "10,000+".
func count(n int) string { return format.Count(n, fraud.SummaryCap) }

// percent writes a ratio as a percentage, "—" when there is none (a rate
// of nothing is not 0 %).
func percent(r float64, ok bool) string {
	if !ok {
		return "—"
	}
	return strconv.FormatFloat(100*r, 'f', 1, 64) + " %"
}

// due says how long a case has left, or how long it is overdue.
func due(c fraud.Case, now time.Time) string {
	if c.Status == fraud.CaseClosed {
		return "decided " + c.DecidedAt.UTC().Format("2006-01-02 15:04")
	}
	if left := c.DueAt.Sub(now); left >= 0 {
		return format.Span(left) + " left"
	}
	return "overdue by " + format.Span(now.Sub(c.DueAt))
}

func amount(a money.Amount) string {
	if a.Currency == "" {
		return "—"
	}
	return a.String()
}

// The badges' colours: what is bad, what needs attention, what is fine
// ("" for neither).
var (
	levelClass   = map[fraud.Level]string{fraud.Critical: "bad", fraud.High: "warn"}
	verdictClass = map[fraud.Verdict]string{fraud.Block: "bad", fraud.Review: "warn", fraud.Allow: "ok"}
	statusClass  = map[fraud.CaseStatus]string{fraud.CaseEscalated: "bad", fraud.CaseOpen: "warn", fraud.CaseInReview: "warn"}
	versionClass = map[fraud.VersionStatus]string{fraud.Published: "ok", fraud.Draft: "warn"}
	listClass    = map[string]string{fraud.BlockList: "bad", fraud.AllowList: "ok"}
)

// labelText is what a decision turned out to be.
var labelText = map[fraud.Label]string{"": "—", fraud.Fraudulent: "fraud", fraud.Legitimate: "genuine"}

// withQuery is path with q, or path alone when q is empty.
func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// reasonOptions are the reason codes of what ("approved", "declined",
// "escalate").
func reasonOptions(what string) []string { return fraud.ReasonCodes[what] }

func join(ids []int64) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = "#" + itoa(id)
	}
	return strings.Join(out, ", ")
}

// title is a lower-case word as a label: "critical" reads "Critical".
func title(s string) string {
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// keyLabel names an identifier's kind.
var keyLabel = map[fraud.Key]string{fraud.KeyCard: "Card fingerprint", fraud.KeyAccount: "Bank account token", fraud.KeyIP: "IP address",
	fraud.KeyDevice: "Device", fraud.KeyEmail: "Email"}
