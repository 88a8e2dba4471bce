package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/paycompliance/console/domain/alerts"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/incidents"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/web/webtest"
)

// complianceOfficer is a signed-in compliance officer named name.
func (env *testEnv) complianceOfficer(t testing.TB, name string) *webtest.Client {
	u := env.newUser(t, name, identity.ComplianceOfficer)
	return env.signIn(t, u)
}

// openIncident opens an incident through the form as c, and returns its id.
func openIncident(t *testing.T, c *webtest.Client, title string, p incidents.Priority, extra ...string) int64 {
	t.Helper()
	page := c.Get("/incidents/new")
	form := formValues(page.Doc.Find(`[data-testid=incident-new-form]`))
	form.Set("title", title)
	form.Set("priority", string(p))
	form.Set("summary", "Seen by the on-call engineer.")
	for i := 0; i+1 < len(extra); i += 2 {
		form.Set(extra[i], extra[i+1])
	}
	res := c.Post("/incidents", form)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/incidents/") {
		t.Fatalf("open %q = %d %s: %s", title, res.StatusCode, loc, res.Text("[data-testid=incident-new-error]"))
	}
	id, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(loc, "/incidents/"), "?notice=opened"), 10, 64)
	if err != nil {
		t.Fatal(loc)
	}
	return id
}

func incidentPath(id int64, verb ...string) string {
	return strings.Join(append([]string{"/incidents/" + strconv.FormatInt(id, 10)}, verb...), "/")
}

// submit sends the form named testid on page as the browser would, with
// fields (textareas among them) filled in.
func submit(c *webtest.Client, page webtest.Response, testid string, fields ...string) webtest.Response {
	c.T.Helper()
	form := page.Doc.Find(`[data-testid="` + testid + `"]`)
	if form.Length() == 0 {
		c.T.Fatalf("no form %s on the page", testid)
	}
	v := formValues(form)
	for i := 0; i+1 < len(fields); i += 2 {
		v.Set(fields[i], fields[i+1])
	}
	return c.Post(form.AttrOr("action", ""), v)
}

// moves are the statuses an incident's page offers to move it to.
func moves(page webtest.Response) string {
	var out []string
	page.Doc.Find(`[data-testid=status-forms] input[name=status]`).Each(func(_ int, s *goquery.Selection) { out = append(out, s.AttrOr("value", "")) })
	return strings.Join(out, " ")
}

func (env *testEnv) incident(t testing.TB, id int64) incidents.View {
	t.Helper()
	v, err := env.incidents.View(identity.WithServiceCaller(context.Background(), audit.System, identity.PermAlertsRead), id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// An officer opens an incident by hand and runs it through its forms:
// each page offers only the moves the state machine allows; a move it
// does not allow, or one without its text, is refused and changes
// nothing; the owner is handed to another officer and not to an auditor;
// notes and links land on the timeline, links pointing at their pages.
func TestIncidentsConsole_RunThroughTheForms(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	olga := env.complianceOfficer(t, "olga")
	env.newUser(t, "omar", identity.ComplianceOfficer)
	env.newUser(t, "aude", identity.Auditor)
	id := openIncident(t, olga, "Card data in a debug log", incidents.P2)
	page := olga.Get(incidentPath(id))
	if page.StatusCode != http.StatusOK || page.Text("[data-testid=incident-status]") != "Open" || page.Text("[data-testid=incident-owner]") != "olga" ||
		page.Text("[data-testid=incident-priority]") != "P2 high" {
		t.Fatalf("the new incident's page = %d: %q %q", page.StatusCode, page.Text("[data-testid=incident-status]"), page.Text("[data-testid=incident-owner]"))
	}
	if got := moves(page); got != "investigating contained resolved" {
		t.Errorf("an open incident offers %q", got)
	}
	// A move the page does not offer, and a resolution without its summary.
	refused := func(res webtest.Response, status int, message string) {
		t.Helper()
		if res.StatusCode != status || !strings.Contains(res.Text("[data-testid=incident-error]"), message) {
			t.Errorf("= %d %q, want %d %q", res.StatusCode, res.Text("[data-testid=incident-error]"), status, message)
		}
		if v := env.incident(t, id); v.Incident.Status != incidents.Open || len(v.Timeline) != 1 {
			t.Errorf("a refused move left the incident %s with %d events", v.Incident.Status, len(v.Timeline))
		}
	}
	refused(olga.Post(incidentPath(id, "status"), url.Values{"status": {"reviewed"}, "text": {"Lessons learnt, at length"}}),
		http.StatusConflict, "An incident that is open cannot become reviewed")
	res := submit(olga, page, "status-resolved")
	refused(res, http.StatusUnprocessableEntity, "Give the resolution summary")
	res = submit(olga, page, "status-resolved", "text", "short")
	refused(res, http.StatusUnprocessableEntity, "at least 10 characters")
	if got := res.Doc.Find(`[data-testid=status-resolved] textarea`).Text(); got != "short" {
		t.Errorf("the refused resolution shows %q, not as typed", got)
	}

	if res := submit(olga, page, "status-investigating"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("investigating = %d %s", res.StatusCode, res.Text("[data-testid=incident-error]"))
	}
	page = olga.Get(incidentPath(id))
	if got := moves(page); got != "contained resolved" || page.Text("[data-testid=incident-status]") != "Investigating" {
		t.Errorf("investigating offers %q", got)
	}
	// The owner: an auditor or a stranger is refused, another officer taken.
	for who, want := range map[string]string{"aude": "aude cannot run incidents", "nobody": "nobody cannot run incidents"} {
		res := submit(olga, page, "owner-form", "username", who)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Text("[data-testid=incident-error]"), want) ||
			res.Doc.Find(`[data-testid=owner-username]`).AttrOr("value", "") != who {
			t.Errorf("owner %s = %d %q", who, res.StatusCode, res.Text("[data-testid=incident-error]"))
		}
	}
	if res := submit(olga, page, "owner-form", "username", "omar"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("owner omar = %d", res.StatusCode)
	}
	// A note, links, and a link that is not one.
	if res := submit(olga, page, "note-form", "body", "Log shipping paused on app-3"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("note = %d", res.StatusCode)
	}
	for _, l := range [][2]string{{"fraud_case", "12"}, {"audit", "#40"}, {"case", "3"}, {"alert", "5"}} {
		if res := submit(olga, page, "link-form", "kind", l[0], "ref", l[1]); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("link %v = %d %s", l, res.StatusCode, res.Text("[data-testid=incident-error]"))
		}
	}
	res = submit(olga, page, "link-form", "kind", "case", "ref", "three")
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Text("[data-testid=incident-error]"), "Give the compliance case's number as a number") ||
		res.Doc.Find(`[data-testid=link-ref]`).AttrOr("value", "") != "three" {
		t.Errorf("a link to case three = %d %q", res.StatusCode, res.Text("[data-testid=incident-error]"))
	}
	if err := env.seq.Drain(context.Background()); err != nil { // the audit entries chained, for the timeline
		t.Fatal(err)
	}
	page = olga.Get(incidentPath(id))
	var hrefs []string
	page.Doc.Find(`[data-testid=incident-linked] a`).Each(func(_ int, a *goquery.Selection) { hrefs = append(hrefs, a.AttrOr("href", "")) })
	if got := strings.Join(hrefs, " "); got != "/fraud/cases/12 /audit/entries/40 /cases/3 /alerts#alert-5" {
		t.Errorf("links: %s", got)
	}
	timeline := page.Text("[data-testid=timeline]")
	for _, want := range []string{"opened: P2 high: Card data in a debug log", "status: open → investigating", "owner: olga → omar",
		"note: Log shipping paused on app-3", "link: Fraud case #12", "incident.updated by olga"} {
		if !strings.Contains(timeline, want) {
			t.Errorf("the timeline lacks %q:\n%s", want, timeline)
		}
	}
	// Resolve, reopen with a reason, resolve, review: then it is final.
	for _, step := range [][2]string{{"resolved", "Debug logging off everywhere; the files shredded"}, {"investigating", "A copy was found in backups"},
		{"resolved", "Backups purged"}, {"reviewed", "Debug logging is now blocked in production builds"}} {
		page = olga.Get(incidentPath(id))
		if res := submit(olga, page, "status-"+step[0], "text", step[1]); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s = %d %s", step[0], res.StatusCode, res.Text("[data-testid=incident-error]"))
		}
	}
	page = olga.Get(incidentPath(id))
	if page.Doc.Find(`[data-testid=status-forms], [data-testid=owner-form]`).Length() != 0 || page.Doc.Find(`[data-testid=incident-final]`).Length() != 1 ||
		page.Text("[data-testid=incident-review]") != "Debug logging is now blocked in production builds" || page.Text("[data-testid=incident-resolution]") != "Backups purged" {
		t.Errorf("the reviewed incident's page: %q %q", page.Text("[data-testid=incident-review]"), page.Text("[data-testid=incident-resolution]"))
	}
	if res := olga.Post(incidentPath(id, "status"), url.Values{"status": {"investigating"}, "text": {"One more thing to check"}}); res.StatusCode != http.StatusConflict ||
		!strings.Contains(res.Text("[data-testid=incident-error]"), "closed for good") {
		t.Errorf("reopening a reviewed incident = %d", res.StatusCode)
	}
	list := olga.Get("/incidents")
	if row := list.Doc.Find(`[data-testid=incident-row][data-incident="` + strconv.FormatInt(id, 10) + `"]`); row.Find(`[data-testid=incident-status]`).Text() != "Reviewed" {
		t.Errorf("the list shows %q", row.Text())
	}
}

// A P1 waits on every other officer's overview, prominently, with an
// Acknowledge button, until each acknowledges it: one acknowledging does
// not hide it for the other. Its opener has acknowledged it. A P3 never
// waits. An auditor's overview has no such widget.
func TestIncidentsConsole_P1WaitsOnEachOfficersHome(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	olga := env.complianceOfficer(t, "olga")
	omar := env.complianceOfficer(t, "omar")
	oscar := env.complianceOfficer(t, "oscar")
	auditor := env.signIn(t, env.newUser(t, "aude", identity.Auditor))
	p1 := openIncident(t, olga, "Admin account takeover", incidents.P1)
	p3 := openIncident(t, olga, "A noisy port scan", incidents.P3)
	waiting := func(c *webtest.Client) string {
		t.Helper()
		home := c.Get("/")
		var ids []string
		home.Doc.Find(`.urgent [data-testid=widget-incident]`).Each(func(_ int, s *goquery.Selection) {
			if s.Find(`[data-testid=incident-acknowledge]`).Length() == 1 {
				ids = append(ids, s.AttrOr("data-incident", ""))
			}
		})
		return strings.Join(ids, " ")
	}
	p1s := strconv.FormatInt(p1, 10)
	if w := waiting(omar); w != p1s {
		t.Errorf("omar's overview waits for %q, want the P1 %s (not the P3 %d)", w, p1s, p3)
	}
	if w := waiting(oscar); w != p1s {
		t.Errorf("oscar's overview waits for %q", w)
	}
	if w := waiting(olga); w != "" {
		t.Errorf("the opener's overview waits for %q", w)
	}
	if home := auditor.Get("/"); home.Doc.Find(`[data-testid=widget-incidents]`).Length() != 0 {
		t.Error("the auditor's overview has the incidents widget")
	}
	// omar acknowledges from his overview and is sent back to it.
	home := omar.Get("/")
	res := submit(omar, home, "incident-acknowledge-form")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("omar's acknowledgement = %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if w := waiting(omar); w != "" {
		t.Errorf("after acknowledging, omar's overview waits for %q", w)
	}
	if home := omar.Get("/"); home.Doc.Find(`[data-testid=widget-incidents-none]`).Length() != 1 {
		t.Error("omar's overview does not say nothing waits")
	}
	if w := waiting(oscar); w != p1s {
		t.Errorf("omar's acknowledgement hid the P1 from oscar: %q", w)
	}
	// oscar acknowledges from the incident's page.
	page := oscar.Get(incidentPath(p1))
	if res := submit(oscar, page, "incident-acknowledge-form"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("oscar's acknowledgement = %d", res.StatusCode)
	}
	if w := waiting(oscar); w != "" {
		t.Errorf("after acknowledging, oscar's overview waits for %q", w)
	}
	page = oscar.Get(incidentPath(p1))
	if page.Doc.Find(`[data-testid=incident-acknowledge-form]`).Length() != 0 || !strings.Contains(page.Text("[data-testid=incident-ack-list]"), "oscar") ||
		!strings.Contains(page.Text("[data-testid=incident-ack-list]"), "omar") {
		t.Errorf("the P1's acknowledgements: %q", page.Text("[data-testid=incident-ack-list]"))
	}
	if res := oscar.Post(incidentPath(p3, "acknowledge"), nil); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(res.Text("[data-testid=incident-error]"), "Only P1 and P2 incidents are acknowledged") {
		t.Errorf("acknowledging the P3 = %d", res.StatusCode)
	}
}

// An auditor reads the incidents, with no form to run them; every
// incident POST is refused with 403 and changes nothing.
func TestIncidentsConsole_AuditorReadsOnly(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	olga := env.complianceOfficer(t, "olga")
	id := openIncident(t, olga, "Read me", incidents.P1)
	auditor := env.signIn(t, env.newUser(t, "aude", identity.Auditor))
	for _, path := range []string{"/incidents", incidentPath(id)} {
		page := auditor.Get(path)
		if page.StatusCode != http.StatusOK {
			t.Errorf("the auditor's %s = %d", path, page.StatusCode)
			continue
		}
		for _, form := range []string{"incident-new", "status-forms", "owner-form", "note-form", "link-form", "incident-acknowledge-form"} {
			if page.Doc.Find(`[data-testid=`+form+`]`).Length() != 0 {
				t.Errorf("the auditor's %s offers %s", path, form)
			}
		}
	}
	if res := auditor.Get("/incidents/new"); res.StatusCode != http.StatusForbidden {
		t.Errorf("the auditor's form to open one = %d", res.StatusCode)
	}
	before := env.incidentState(t)
	posts := 0
	for _, rt := range env.srv.routes() {
		method, path, _ := strings.Cut(rt.pattern, " ")
		if method != http.MethodPost || !strings.HasPrefix(path, "/incidents") {
			continue
		}
		posts++
		path = strings.ReplaceAll(path, "{id}", strconv.FormatInt(id, 10))
		form := url.Values{"title": {"Mine now"}, "priority": {"p1"}, "status": {"investigating"}, "text": {"Taking this over"},
			"username": {"aude"}, "body": {"a note"}, "kind": {"case"}, "ref": {"1"}}
		if res := auditor.Post(path, form); res.StatusCode != http.StatusForbidden || !strings.Contains(res.Body, "Your roles do not allow") {
			t.Errorf("the auditor's POST %s = %d", path, res.StatusCode)
		}
	}
	want := 0
	for pattern := range expectedAccess {
		if strings.HasPrefix(pattern, "POST /incidents") {
			want++
		}
	}
	if posts != want || posts == 0 {
		t.Errorf("walked %d incident POST routes, the role matrix lists %d", posts, want)
	}
	if after := env.incidentState(t); after != before {
		t.Fatalf("the auditor's refused posts changed\n%s\nto\n%s", before, after)
	}
}

// incidentState is everything the incident tables hold, to compare.
func (env *testEnv) incidentState(t testing.TB) string {
	t.Helper()
	var s string
	if err := env.db.QueryRow(context.Background(), `SELECT concat_ws('|',
		(SELECT string_agg(concat_ws(',', id, title, priority, status, owner, resolution, review), ';' ORDER BY id) FROM incidents),
		(SELECT count(*) FROM incident_events), (SELECT count(*) FROM incident_links), (SELECT count(*) FROM incident_acks),
		(SELECT count(*) FROM audit_outbox WHERE audit_field(entry, '{action}') LIKE 'incident.%'))`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// Bad input gets a clear 4xx, the form as typed, and changes nothing.
func TestIncidentsConsole_BadInputChangesNothing(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	olga := env.complianceOfficer(t, "olga")
	env.newUser(t, "aude", identity.Auditor)
	id := openIncident(t, olga, "Exists", incidents.P3)
	before := env.incidentState(t)
	good := url.Values{"title": {"A title"}, "priority": {"p2"}, "summary": {"What we know"}}
	for name, c := range map[string]struct {
		field, value, want string
	}{
		"no title":        {"title", "  ", "Give the incident a title"},
		"a long title":    {"title", strings.Repeat("x", 201), "Give the incident a title of 1 to 200 characters."},
		"no priority":     {"priority", "", "Choose the priority"},
		"priority p9":     {"priority", "p9", "Choose the priority"},
		"an auditor owns": {"owner", "aude", "aude cannot run incidents"},
		"a card number":   {"summary", "Customer card 4242 4242 4242 4242 leaked", "looks like a card number"},
		"alert abc":       {"alert", "abc", "is not an alert's id"},
	} {
		form := url.Values{}
		for k, vs := range good {
			form[k] = vs
		}
		form.Set(c.field, c.value)
		res := olga.Post("/incidents", form)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Text("[data-testid=incident-new-error]"), c.want) {
			t.Errorf("%s = %d %q", name, res.StatusCode, res.Text("[data-testid=incident-new-error]"))
			continue
		}
		if c.field == "summary" {
			if got := res.Text("[data-testid=incident-summary]"); got != c.value {
				t.Errorf("%s: the form shows %q", name, got)
			}
		} else if c.field != "alert" && c.field != "priority" && res.Doc.Find(`[name=`+c.field+`]`).AttrOr("value", "") != c.value {
			t.Errorf("%s: the form does not show %q as typed", name, c.value)
		}
	}
	for path, want := range map[string]int{"/incidents?status=closed": 400, "/incidents?priority=urgent": 400, "/incidents?after=x": 400,
		"/incidents/999999": 404, "/incidents/abc": 404, "/incidents/new?alert=x": 404, "/incidents/new?alert=5": 404, "/incidents/stream?id=x": 404} {
		if res := olga.Get(path); res.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, res.StatusCode, want)
		}
	}
	for _, c := range []struct {
		path   string
		form   url.Values
		status int
	}{
		{incidentPath(999999, "notes"), url.Values{"body": {"a note"}}, 404},
		{incidentPath(id, "notes"), url.Values{"body": {"   "}}, 422},
		{incidentPath(id, "notes"), url.Values{"body": {strings.Repeat("n", 4001)}}, 422},
		{incidentPath(id, "status"), url.Values{"status": {"closed"}}, 422},
		{incidentPath(id, "owner"), url.Values{"username": {""}}, 422},
		{incidentPath(id, "owner"), url.Values{"username": {"olga"}}, 409},
		{incidentPath(id, "links"), url.Values{"kind": {"payment"}, "ref": {"1"}}, 422},
		{incidentPath(id, "links"), url.Values{"kind": {"audit"}, "ref": {"-1"}}, 422},
		{incidentPath(id, "acknowledge"), nil, 422},
	} {
		if res := olga.Post(c.path, c.form); res.StatusCode != c.status {
			t.Errorf("POST %s %v = %d, want %d: %s", c.path, c.form, res.StatusCode, c.status, res.Text("[data-testid=incident-error]"))
		}
	}
	if after := env.incidentState(t); after != before {
		t.Fatalf("refused input changed\n%s\nto\n%s", before, after)
	}
}

// An incident opened from one of the alert centre's alerts starts with
// the alert's title and the priority of its severity, and links it; an
// alert that does not exist opens nothing.
func TestIncidentsConsole_FromAnAlert(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	al, _, err := env.alerts.Raise(context.Background(), alerts.New{Rule: "audit_verification_failed", Severity: alerts.Critical,
		Title: "Audit chain verification failed", Source: "audit", Link: "/audit"})
	if err != nil {
		t.Fatal(err)
	}
	olga := env.complianceOfficer(t, "olga")
	page := olga.Get("/incidents/new?alert=" + strconv.FormatInt(al.ID, 10))
	form := page.Doc.Find(`[data-testid=incident-new-form]`)
	if page.StatusCode != http.StatusOK || form.Find(`[name=title]`).AttrOr("value", "") != "Audit chain verification failed" ||
		form.Find(`[name=priority] option[selected]`).AttrOr("value", "") != "p1" || page.Doc.Find(`[data-testid=incident-from-alert]`).Length() != 1 {
		t.Fatalf("the form from alert %d = %d: %q", al.ID, page.StatusCode, form.Find(`[name=title]`).AttrOr("value", ""))
	}
	res := olga.Post("/incidents", formValues(form))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("open from alert %d = %d %s", al.ID, res.StatusCode, res.Text("[data-testid=incident-new-error]"))
	}
	inc := olga.Get(res.Header.Get("Location"))
	if inc.Doc.Find(`[data-testid=incident-linked] a[href="/alerts#alert-`+strconv.FormatInt(al.ID, 10)+`"]`).Length() != 1 ||
		inc.Text("[data-testid=incident-priority]") != "P1 critical" {
		t.Errorf("the incident from alert %d links %q", al.ID, inc.Text("[data-testid=incident-links]"))
	}
	res = olga.Post("/incidents?alert="+strconv.FormatInt(al.ID, 10), url.Values{"title": {"The same alert, again"}, "priority": {"p2"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("open from the alert named on the address = %d", res.StatusCode)
	}
	if inc := olga.Get(res.Header.Get("Location")); inc.Doc.Find(`[data-testid=incident-linked]`).Length() != 1 {
		t.Errorf("the incident opened from ?alert= links %q", inc.Text("[data-testid=incident-links]"))
	}
	missing := strconv.FormatInt(al.ID+1, 10)
	if res := olga.Get("/incidents/new?alert=" + missing); res.StatusCode != http.StatusNotFound {
		t.Errorf("the form from no alert = %d", res.StatusCode)
	}
	before := env.incidentState(t)
	if res := olga.Post("/incidents", url.Values{"title": {"Ghost"}, "priority": {"p2"}, "alert": {missing}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("opening from no alert = %d", res.StatusCode)
	}
	if res := olga.Post("/incidents?alert="+missing, url.Values{"title": {"Ghost"}, "priority": {"p2"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("opening from no alert named on the address = %d", res.StatusCode)
	}
	if after := env.incidentState(t); after != before {
		t.Error("opening from no alert changed the incidents")
	}
}

// The list: active first, by priority; a filter; the empty state.
func TestIncidentsConsole_List(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	olga := env.complianceOfficer(t, "olga")
	if res := olga.Get("/incidents"); res.Doc.Find(`[data-testid=incidents-empty]`).Length() != 1 {
		t.Error("no empty state")
	}
	p3 := openIncident(t, olga, "Low-ish", incidents.P3)
	p1 := openIncident(t, olga, "Worst", incidents.P1)
	p2 := openIncident(t, olga, "Bad", incidents.P2)
	rows := func(path string) string {
		var ids []string
		olga.Get(path).Doc.Find(`[data-testid=incident-row]`).Each(func(_ int, s *goquery.Selection) { ids = append(ids, s.AttrOr("data-incident", "")) })
		return strings.Join(ids, " ")
	}
	ids := func(ns ...int64) string {
		var out []string
		for _, n := range ns {
			out = append(out, strconv.FormatInt(n, 10))
		}
		return strings.Join(out, " ")
	}
	if got := rows("/incidents"); got != ids(p1, p2, p3) {
		t.Errorf("the list: %s", got)
	}
	if got := rows("/incidents?priority=p2"); got != ids(p2) {
		t.Errorf("P2 only: %s", got)
	}
	res := olga.Get("/incidents?status=reviewed")
	if res.Doc.Find(`[data-testid=incidents-empty]`).Length() != 1 || res.Text("[data-testid=count-p1]") != "1" {
		t.Errorf("no reviewed incident: %q", res.Text("[data-testid=incidents-empty]"))
	}
	row := olga.Get("/incidents").Doc.Find(`[data-testid=incident-row]`).First()
	if row.Find(`.badge.bad[data-testid=incident-priority]`).Length() != 1 || !strings.Contains(row.Find(`[data-testid=incident-due]`).Text(), "respond within") {
		t.Errorf("the P1's row: %q", row.Text())
	}
}

// An incident's page follows it live: any change tells it "incident"; a
// change of owner or status also "actions", on which its forms reload,
// and a note does not. (The owner changes first: a stream compares the
// incident as it reads it when told, so a change made while it was still
// reading the one before would show as that one's.)
func TestIncidentsConsole_Live(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := newTestEnv(t)
	olga := env.complianceOfficer(t, "olga")
	omar := env.complianceOfficer(t, "omar")
	id := openIncident(t, olga, "Followed live", incidents.P2)
	stream := omar.Get(incidentPath(id)).Doc.Find(`[sse-connect]`).AttrOr("sse-connect", "")
	if stream != "/incidents/stream?id="+strconv.FormatInt(id, 10) {
		t.Fatalf("the incident's page follows %q", stream)
	}
	next := env.followStream(ctx, t, omar, postgres.IncidentsChannel, stream)
	if e := next(); e != "incident" {
		t.Fatalf("on connecting the stream sent %q", e)
	}
	olga.Post(incidentPath(id, "owner"), url.Values{"username": {"omar"}})
	if e1, e2 := next(), next(); e1 != "incident" || e2 != "actions" {
		t.Fatalf("after a new owner the stream sent %q, %q", e1, e2)
	}
	live := omar.Get(incidentPath(id), "HX-Request", "true") // what the page's refresher fetches
	if got := live.Text("#incident-live [data-testid=incident-owner]"); got != "omar" {
		t.Errorf("the reloaded page says the owner is %q", got)
	}
	olga.Post(incidentPath(id, "notes"), url.Values{"body": {"Still looking"}})
	if e := next(); e != "incident" {
		t.Fatalf("after a note the stream sent %q", e)
	}
	if e := next(500 * time.Millisecond); e != "nothing within 500ms" {
		t.Errorf("after a note the stream also sent %q", e)
	}
}
