package web

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/paycompliance/console/domain/alerts"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/web/webtest"
)

func (env *testEnv) raise(t *testing.T, sev alerts.Severity, title, key string) alerts.Alert {
	t.Helper()
	a, _, err := env.alerts.Raise(context.Background(), alerts.New{Rule: "test.rule", Severity: sev, Title: title, Detail: "What " + title + " means.",
		Source: "test", Link: "/audit", DedupKey: key})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (env *testEnv) alert(t *testing.T, id int64) alerts.Alert {
	t.Helper()
	a, err := env.alerts.Get(identity.WithServiceCaller(context.Background(), audit.System, identity.PermAlertsRead), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func alertPath(id int64, verb string) string {
	return "/alerts/" + strconv.FormatInt(id, 10) + "/" + verb
}

// rows are the alert rows of a centre page: each one's id and status.
func rows(res webtest.Response) []string {
	var out []string
	for _, n := range res.Doc.Find(`[data-testid="alert-row"]`).Nodes {
		var id, status string
		for _, a := range n.Attr {
			switch a.Key {
			case "data-alert":
				id = a.Val
			case "data-status":
				status = a.Val
			}
		}
		out = append(out, id+":"+status)
	}
	return out
}

// A compliance officer finds the alerts open first and critical first,
// acknowledges one, and resolves it with a note, confirmed; the counts
// follow, and a resolution without a note changes nothing.
func TestAlertCentre_AcknowledgeAndResolve(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	info, warn, crit := env.raise(t, alerts.Info, "Info one", "i"), env.raise(t, alerts.Warning, "Warning one", "w"),
		env.raise(t, alerts.Critical, "Audit trail integrity check failed", "c")
	c, _ := env.officer(t)
	res := c.Get("/alerts")
	id := func(a alerts.Alert) string { return strconv.FormatInt(a.ID, 10) }
	if res.StatusCode != 200 || strings.Join(rows(res), " ") != id(crit)+":open "+id(warn)+":open "+id(info)+":open" {
		t.Fatalf("the centre = %d, rows %v", res.StatusCode, rows(res))
	}
	if res.Text(`[data-testid="count-critical"]`) != "1" || res.Text(`[data-testid="count-warning"]`) != "1" ||
		!strings.Contains(res.Text(`[data-testid="alert-severity"]`), "Critical") {
		t.Errorf("counts %q %q", res.Text(`[data-testid="count-critical"]`), res.Text(`[data-testid="count-warning"]`))
	}
	if cls, _ := res.Doc.Find(`[data-testid="alert-severity"]`).First().Attr("class"); !strings.Contains(cls, "bad") {
		t.Errorf("the critical alert's badge is %q", cls)
	}
	if res.Doc.Find("#alert-"+id(warn)).Length() != 1 { // incidents link to /alerts#alert-ID
		t.Errorf("no row #alert-%d", warn.ID)
	}
	if href, _ := res.Doc.Find(`[data-testid="alert-link"]`).First().Attr("href"); href != "/audit" {
		t.Errorf("the evidence link is %q", href)
	}

	if res := c.Post(alertPath(crit.ID, "acknowledge"), nil); res.StatusCode != 303 || res.Header.Get("Location") != "/alerts?notice=acknowledged" {
		t.Fatalf("acknowledge = %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if a := env.alert(t, crit.ID); a.Status != alerts.Acknowledged || a.AcknowledgedBy != "officer" {
		t.Fatalf("after acknowledging: %+v", a)
	}
	res = c.Get("/alerts?notice=acknowledged")
	if got := rows(res); len(got) != 3 || got[2] != id(crit)+":acknowledged" || res.Text(`[data-testid="count-acknowledged"]`) != "1" {
		t.Fatalf("after acknowledging, rows %v", got)
	}
	if res := c.Post(alertPath(crit.ID, "acknowledge"), nil); res.StatusCode != 409 || !strings.Contains(res.Text(`[data-testid="alerts-error"]`), "officer acknowledged") {
		t.Errorf("acknowledged twice = %d %q", res.StatusCode, res.Text(`[data-testid="alerts-error"]`))
	}

	if res := c.Get("/alerts?resolve=" + id(crit)); res.StatusCode != 200 || res.Doc.Find(`[data-testid="resolve-note"]`).Length() != 1 {
		t.Fatalf("the resolution form = %d", res.StatusCode)
	}
	res = c.Post(alertPath(crit.ID, "resolve"), url.Values{"note": {"fixed"}})
	if res.StatusCode != 422 || !strings.Contains(res.Text(`[data-testid="alerts-error"]`), "found and done") ||
		res.Doc.Find(`[data-testid="resolve-note"]`).Text() != "fixed" {
		t.Fatalf("a short note = %d %q", res.StatusCode, res.Text(`[data-testid="alerts-error"]`))
	}
	note := "Verified the chain from the last checkpoint; the break was a restore test, documented."
	res = c.Post(alertPath(crit.ID, "resolve"), url.Values{"note": {note}})
	if res.StatusCode != 200 || !strings.Contains(res.Text(`[data-testid="resolve-confirm-text"]`), "final") {
		t.Fatalf("the confirmation = %d %q", res.StatusCode, res.Text(`[data-testid="resolve-confirm-text"]`))
	}
	if a := env.alert(t, crit.ID); a.Status != alerts.Acknowledged {
		t.Fatalf("resolved before the confirmation: %+v", a)
	}
	res = c.Post(alertPath(crit.ID, "resolve"), url.Values{"note": {note}, "confirmed": {"yes"}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/alerts?notice=resolved" {
		t.Fatalf("resolve = %d %s", res.StatusCode, res.Body)
	}
	if a := env.alert(t, crit.ID); a.Status != alerts.Resolved || a.ResolvedBy != "officer" || a.Resolution != note {
		t.Fatalf("after resolving: %+v", a)
	}
	res = c.Get("/alerts")
	if got := rows(res); got[len(got)-1] != id(crit)+":resolved" || !strings.Contains(res.Text(`[data-testid="alert-resolution"]`), note) {
		t.Errorf("after resolving, rows %v", got)
	}
	if res := c.Post(alertPath(crit.ID, "resolve"), url.Values{"note": {note}, "confirmed": {"yes"}}); res.StatusCode != 409 {
		t.Errorf("resolved twice = %d", res.StatusCode)
	}
	if res := c.Get("/alerts?status=resolved&severity=info"); res.StatusCode != 200 || res.Doc.Find(`[data-testid="alerts-empty"]`).Length() != 1 {
		t.Errorf("no resolved info alert: %d, rows %v", res.StatusCode, rows(res))
	}
	if res := c.Get("/alerts?status=closed"); res.StatusCode != 400 {
		t.Errorf("a status that is none = %d", res.StatusCode)
	}
	if res := c.Post(alertPath(crit.ID+100, "acknowledge"), nil); res.StatusCode != 404 {
		t.Errorf("acknowledging no alert = %d", res.StatusCode)
	}
}

// An auditor reads the centre, with no action offered, and every POST is
// refused with nothing changed.
func TestAlertCentre_AuditorReadsOnly(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	a := env.raise(t, alerts.Critical, "Sanctions list load refused", "k")
	c := env.signIn(t, env.newUser(t, "aud.ida", identity.Auditor))
	res := c.Get("/alerts")
	if res.StatusCode != 200 || len(rows(res)) != 1 || res.Doc.Find(`[data-testid="alert-acknowledge"], [data-testid="alert-resolve-link"]`).Length() != 0 {
		t.Fatalf("the auditor's centre = %d, rows %v", res.StatusCode, rows(res))
	}
	if res := c.Get("/alerts?resolve=" + strconv.FormatInt(a.ID, 10)); res.Doc.Find(`[data-testid="resolve-form"]`).Length() != 0 {
		t.Error("the auditor was offered the resolution form")
	}
	for _, post := range []struct {
		path string
		form url.Values
	}{
		{alertPath(a.ID, "acknowledge"), nil},
		{alertPath(a.ID, "resolve"), url.Values{"note": {"nothing to see here, really"}, "confirmed": {"yes"}}},
	} {
		if res := c.Post(post.path, post.form); res.StatusCode != 403 {
			t.Errorf("the auditor's POST %s = %d", post.path, res.StatusCode)
		}
	}
	if got := env.alert(t, a.ID); got.Status != alerts.Open {
		t.Fatalf("the auditor changed the alert: %+v", got)
	}
	if res := c.Get("/"); res.Text(`[data-testid="widget-alerts-critical"]`) != "1" {
		t.Errorf("the overview's open critical alerts: %q", res.Text(`[data-testid="widget-alerts-critical"]`))
	}
}

// Real failed sign-ins, ten on one account, lock it: the rules raise one
// alert for the burst and one for the lockout, linked to its audit entry,
// once; the centre shows them, and follows a new alert live.
func TestAlertCentre_FailedSignInsAndLockout(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	victim := env.newUser(t, "victim", identity.Operator)
	if left := time.Until(time.Now().Truncate(alerts.SignInWindow).Add(alerts.SignInWindow)); left < 20*time.Second {
		time.Sleep(left + 100*time.Millisecond) // the burst in one 15-minute window
	}
	guess := webtest.NewClient(t, env.srv.Handler())
	for range 10 {
		if res := guess.Post("/login", url.Values{"username": {victim.Username}, "password": {"not-the-password-1"}}); res.StatusCode == 303 {
			t.Fatal("a wrong password signed in")
		}
	}
	if err := env.seq.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	n, err := env.alertRules.Evaluate(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("10 failed sign-ins and a lockout raised %d alerts, %v", n, err)
	}
	if n, err := env.alertRules.Evaluate(context.Background()); err != nil || n != 0 {
		t.Fatalf("the next evaluation raised %d, %v", n, err)
	}
	c, _ := env.officer(t)
	res := c.Get("/alerts")
	titles := res.Doc.Find(`[data-testid="alert-title"]`).Map(func(_ int, s *goquery.Selection) string { return s.Text() })
	if len(titles) != 2 || !strings.Contains(strings.Join(titles, "|"), "Account victim locked") ||
		!strings.Contains(strings.Join(titles, "|"), "10 failed sign-ins in 15 minutes") {
		t.Fatalf("the centre's alerts: %v", titles)
	}
	links := res.Doc.Find(`[data-testid="alert-link"]`).Map(func(_ int, s *goquery.Selection) string { v, _ := s.Attr("href"); return v })
	if !strings.Contains(strings.Join(links, " "), "/audit/entries/") || !strings.Contains(strings.Join(links, " "), "/audit?outcome=failure&from=") {
		t.Errorf("evidence links %v", links)
	}
	if res := c.Get("/"); res.Text(`[data-testid="widget-alerts-warning"]`) != "2" {
		t.Errorf("the overview's open warnings: %q", res.Text(`[data-testid="widget-alerts-warning"]`))
	}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	next := env.followStream(ctx, t, c, "alerts_changed", "/alerts/stream")
	if e := next(); e != "alerts" {
		t.Fatalf("on connecting: %q", e)
	}
	env.raise(t, alerts.Critical, "Audit trail integrity check failed", "live")
	if e := next(); e != "alerts" {
		t.Fatalf("after a raise: %q", e)
	}
}

// More than a page of alerts: the centre pages by the last one shown.
func TestAlertCentre_Pages(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	for i := range alerts.PageSize + 1 {
		env.raise(t, alerts.Warning, "Alert "+strconv.Itoa(i), "k"+strconv.Itoa(i))
	}
	c, _ := env.officer(t)
	res := c.Get("/alerts")
	next, ok := res.Doc.Find(`[data-testid="alerts-next-page"]`).Attr("href")
	if len(rows(res)) != alerts.PageSize || !ok {
		t.Fatalf("the first page: %d rows, next %q", len(rows(res)), next)
	}
	res = c.Get(next)
	if got := rows(res); res.StatusCode != 200 || len(got) != 1 || res.Doc.Find(`[data-testid="alerts-next-page"]`).Length() != 0 {
		t.Fatalf("the second page (%s): %d, %v", next, res.StatusCode, got)
	}
	if res := c.Get("/alerts?after=5"); res.StatusCode != 400 {
		t.Errorf("a page position without its status and severity = %d", res.StatusCode)
	}
}
