// Package incidents renders the security incident log: the list (active
// first, by priority, live), the form to open one by hand or from an
// alert, and an incident with its timeline, links, acknowledgements and
// the forms that run it.
package incidents

import (
	"net/url"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain/incidents"
	"github.com/paycompliance/console/views/format"
	"github.com/paycompliance/console/views/timeline"
)

// ListPath is the list's page.
const ListPath = "/incidents"

// URL is an incident's page.
func URL(id int64) string { return ListPath + "/" + itoa(id) }

func action(id int64, verb string) string { return URL(id) + "/" + verb }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// ListView is one page of incidents with the active counts.
type ListView struct {
	Incidents []incidents.Incident
	Counts    incidents.Counts
	Query     url.Values // the filters: status, priority, mine
	After     int64      // the page starts after this incident (0: the first page)
	Next      int64      // the last incident shown when more follow
	CanManage bool
	Now       time.Time
}

func (v ListView) pageURL(after int64) string {
	q := url.Values{}
	for k, vs := range v.Query {
		q[k] = vs
	}
	if after > 0 {
		q.Set("after", itoa(after))
	}
	if len(q) == 0 {
		return ListPath
	}
	return ListPath + "?" + q.Encode()
}

// here is the page as shown, for the live refresh.
func (v ListView) here() string { return v.pageURL(v.After) }

// NewForm is the form that opens an incident, as typed or as an alert
// suggests it.
type NewForm struct {
	Values url.Values // title, priority, summary, owner, alert
	Error  string
}

// Page is one incident's page.
type Page struct {
	View incidents.View
	// Timeline is the incident's events (notes among them) with, for
	// those who read the audit trail, its audit entries.
	Timeline  []timeline.Item
	Viewer    string
	CanManage bool
	Notice    string
	Error     string
	// Typed is what a refused form held, to show it again.
	Typed url.Values
	Now   time.Time
}

// Acknowledged reports whether the viewer has acknowledged the incident.
func (p Page) Acknowledged() bool { return p.View.Acknowledged(p.Viewer) }

// AwaitsViewer reports whether the incident waits for the viewer's
// acknowledgement.
func (p Page) AwaitsViewer() bool {
	i := p.View.Incident
	return p.CanManage && i.Priority.Urgent() && i.Status.Active() && !p.Acknowledged()
}

// ActionsKey changes when what can be done with the incident does: its
// live page reloads its forms then, and only then, so a note being typed
// stays.
func ActionsKey(i incidents.Incident) string { return string(i.Status) + "/" + i.Owner }

func (p Page) streamURL() string { return ListPath + "/stream?id=" + itoa(p.View.Incident.ID) }

// typed is a refused form's field.
func (p Page) typed(name string) string { return p.Typed.Get(name) }

// The badges' colours ("" for neither).
var (
	priorityClass = map[incidents.Priority]string{incidents.P1: "bad", incidents.P2: "warn"}
	statusClass   = map[incidents.Status]string{incidents.Open: "bad", incidents.Investigating: "warn", incidents.Contained: "warn",
		incidents.Resolved: "ok", incidents.Reviewed: "ok"}
)

// due says what the incident's next deadline is and how near it is.
func due(i incidents.Incident, now time.Time) string {
	d := i.Due()
	if d.IsZero() {
		return i.Status.Label()
	}
	what := "resolve"
	if i.Status == incidents.Open {
		what = "respond"
	}
	if left := d.Sub(now); left >= 0 {
		return what + " within " + format.Span(left)
	}
	return what + ": overdue by " + format.Span(now.Sub(d))
}

// target says a priority's response targets.
func target(p incidents.Priority) string {
	t := incidents.Targets[p]
	return "respond within " + format.Span(t.Respond) + ", resolve within " + format.Span(t.Resolve)
}

// statusHint says what moving to a status asks for.
func statusHint(from, to incidents.Status) string {
	switch {
	case to == incidents.Resolved:
		return "The resolution summary: what happened and what ended it"
	case to == incidents.Reviewed:
		return "The post-incident review's findings and lessons"
	case from == incidents.Resolved && to == incidents.Investigating:
		return "Why it is reopened"
	}
	return "A note (optional)"
}

// moveLabel is the button that moves an incident to a status.
func moveLabel(from, to incidents.Status) string {
	if from == incidents.Resolved && to == incidents.Investigating {
		return "Reopen: investigating"
	}
	return map[incidents.Status]string{incidents.Investigating: "Investigating", incidents.Contained: "Contained",
		incidents.Resolved: "Resolved", incidents.Reviewed: "Reviewed: the post-incident review is done"}[to]
}
