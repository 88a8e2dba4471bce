// Package alerts renders the security alert centre: open alerts first,
// critical first among them, coloured by severity, with counts, filters,
// pages, acknowledgement and a confirmed resolution, refreshed live when
// an alert is raised or changes.
package alerts

import (
	"net/url"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain/alerts"
	"github.com/paycompliance/console/views/format"
)

// Path is the alert centre.
const Path = "/alerts"

// Action is where an alert's form posts: acknowledge or resolve.
func Action(id int64, verb string) string { return Path + "/" + itoa(id) + "/" + verb }

// ResolveURL opens the resolution form of alert id above the centre, out
// of the live part, so a note being typed is never reloaded away.
func ResolveURL(id int64) string { return Path + "?resolve=" + itoa(id) }

// IncidentURL opens an incident from alert id.
func IncidentURL(id int64) string { return "/incidents/new?alert=" + itoa(id) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// CentreView is the alert centre: one page of alerts with the counts.
type CentreView struct {
	Alerts  []alerts.Alert
	Summary alerts.Summary
	Query   url.Values // the filters: status, severity
	// After is the alert the page starts after (nil: the first page); Next
	// the last one shown when more follow.
	After, Next *alerts.Alert
	CanManage   bool
	Notice      string
	Error       string // a refused acknowledgement or resolution
	// Resolving is the alert whose resolution is being written (or
	// confirmed), nil for none.
	Resolving *alerts.Alert
	Note      string
	Confirm   bool
	Now       time.Time
}

func (v CentreView) pageURL(after *alerts.Alert) string {
	q := url.Values{}
	for k, vs := range v.Query {
		q[k] = vs
	}
	if after != nil {
		q.Set("after", itoa(after.ID))
		q.Set("after_status", string(after.Status))
		q.Set("after_severity", string(after.Severity))
	}
	if len(q) == 0 {
		return Path
	}
	return Path + "?" + q.Encode()
}

// here is the page as shown, for the live refresh.
func (v CentreView) here() string { return v.pageURL(v.After) }

// severityClass colours a severity; statusClass a status.
var (
	severityClass = map[alerts.Severity]string{alerts.Critical: "bad", alerts.Warning: "warn", alerts.Info: "info"}
	statusClass   = map[alerts.Status]string{alerts.Open: "bad", alerts.Acknowledged: "warn", alerts.Resolved: "ok"}
)

// count writes a summary count, "10,000+" past the cap.
func count(n int) string { return format.Count(n, alerts.SummaryCap) }

// seen says when an alert was seen: once, or first and last with how
// often.
func seen(a alerts.Alert) string {
	if a.Count <= 1 {
		return format.When(a.FirstSeen)
	}
	return format.When(a.FirstSeen) + " – " + format.When(a.LastSeen) + " (" + strconv.Itoa(a.Count) + " times)"
}
