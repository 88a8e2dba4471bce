package fraud

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paycompliance/console/domain/fraud"
	"github.com/paycompliance/console/domain/payments"
	"github.com/paycompliance/console/views/timeline"
)

// CasePage is one case's page.
type CasePage struct {
	View fraud.CaseView
	// Radar is what Stripe Radar said of a payment's charge; nil for other
	// rails, or when the viewer may not read payments.
	Radar *Radar
	// Timeline is the case's events (notes among them) with, for those who
	// read the audit trail, its audit entries.
	Timeline  []timeline.Item
	Viewer    string
	CanReview bool
	Notice    string
	Error     string
	Decide    DecideForm
	Bulk      *fraud.BulkResult // what a bulk decision just did
	Now       time.Time
}

// Radar is a payment's Radar assessment and its open reviews.
type Radar struct {
	Payment string // pay_…
	Risk    payments.Risk
	Open    []payments.Review
}

// DecideForm is a decision as typed: a decline (of the case, or of the
// linked cases chosen) is shown back for confirmation before it is made.
type DecideForm struct {
	Disposition fraud.Disposition
	Reason      string
	Note        string
	Similar     []int64 // the linked cases of a bulk decision
	Confirm     bool
}

// HeldByOther reports whether another reviewer is working the case.
func (p CasePage) HeldByOther() bool {
	c := p.View.Case
	return c.Status != fraud.CaseClosed && c.Assignee != "" && c.Assignee != p.Viewer
}

// Mine reports whether the viewer is working the case.
func (p CasePage) Mine() bool {
	c := p.View.Case
	return c.Status != fraud.CaseClosed && c.Assignee == p.Viewer
}

// ClaimKey changes when who may work the case does: the page's stream
// reloads its forms then, and only then, so a note being typed stays.
func ClaimKey(c fraud.Case) string { return string(c.Status) + "/" + c.Assignee }

func (p CasePage) streamURL() string {
	return "/fraud/stream?id=" + itoa(p.View.Case.ID) + "&claim=" + ClaimKey(p.View.Case)
}

// StopEffect says what declining the case does to its event.
func StopEffect(c fraud.Case) string {
	if c.Verdict == fraud.Block {
		return "The engine blocked this event already; a decline labels it fraud and stops nothing more."
	}
	switch c.Rail() {
	case fraud.RailPayment:
		return "A decline labels the event fraud and refunds or cancels the payment " + c.Ref() + "."
	case fraud.RailACHTransfer:
		return "A decline labels the event fraud and cancels the transfer " + c.Ref() + "."
	case fraud.RailEscrowRelease:
		return "A decline labels the event fraud and blocks the release " + c.Ref() + "."
	}
	return "A decline labels the event fraud; the system that sent it acts on the decision."
}

// claimedSince is when the case's reviewer took it, as the banner says it.
func claimedSince(c fraud.Case) string { return c.ClaimedAt.UTC().Format("15:04") + " UTC" }

// ContributionBar is one rule's share of a score, drawn to scale.
type ContributionBar struct {
	fraud.Contribution
	Describe string // the rule as the version that scored it words it
	Width    int    // of BarWidth, for |Points| of fraud.MaxScore
	Negative bool   // the allow list cancelling the rest
}

// BarWidth is the width of a full-scale bar.
const BarWidth = 200

// Contributions are the decision's rules that fired, in the order they
// scored, with their descriptions from the version that scored them.
func (p CasePage) Contributions() []ContributionBar {
	d := p.View.Decision
	out := make([]ContributionBar, 0, len(d.Assessment.Contributions))
	for _, c := range d.Assessment.Contributions {
		b := ContributionBar{Contribution: c, Describe: c.Rule, Negative: c.Points < 0}
		if r, ok := p.View.Rules.Rule(c.Rule); ok {
			b.Describe = r.Describe()
		}
		b.Width = bar(abs(c.Points), fraud.MaxScore, BarWidth)
		out = append(out, b)
	}
	return out
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func signed(n int) string {
	if n > 0 {
		return "+" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

func dispositionLabel(d fraud.Disposition) string {
	if d == fraud.Declined {
		return "Decline"
	}
	return "Approve"
}

// reasonFor is the reason typed for d, to show its form as it was.
func (f DecideForm) reasonFor(d fraud.Disposition) string {
	if f.Disposition == d {
		return f.Reason
	}
	return ""
}

// shared names what a linked case has in common with c.
func shared(c, l fraud.Case) string {
	var out []string
	for _, s := range []struct{ name, a, b string }{{"customer", c.Customer, l.Customer}, {"card", c.Card, l.Card},
		{"device", c.Device, l.Device}, {"account", c.Account, l.Account}, {"email", c.Email, l.Email}} {
		if s.a != "" && s.a == s.b {
			out = append(out, s.name)
		}
	}
	return strings.Join(out, ", ")
}

// skippedIDs are the cases a bulk decision left, in order.
func skippedIDs(b fraud.BulkResult) []int64 {
	ids := slices.Collect(maps.Keys(b.Skipped))
	slices.Sort(ids)
	return ids
}

func radarRisk(r Radar) string {
	switch {
	case r.Risk.Level == "":
		return "not assessed yet"
	case r.Risk.Score < 0:
		return string(r.Risk.Level)
	}
	return string(r.Risk.Level) + " (score " + strconv.Itoa(r.Risk.Score) + ")"
}
