package postgres_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/incidents"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/postgres/pgtest"
)

// incidentFixture is the incident log on a fresh database, as the app
// role, with colleagues and alerts of its own.
type incidentFixture struct {
	db        *pgxpool.Pool
	owner     *pgxpool.Pool
	incidents *incidents.Service
}

// colleagues are who may run incidents (true) or only read them (false).
type colleagues map[string]bool

func (c colleagues) Holds(_ context.Context, username string, p identity.Permission) (bool, error) {
	manage, ok := c[username]
	return ok && (p == identity.PermAlertsRead || manage), nil
}

// alertSource is the alerts there are, by id.
type alertSource map[int64][2]string // title, severity

func (a alertSource) AlertSummary(_ context.Context, id int64) (string, string, string, error) {
	al, ok := a[id]
	if !ok {
		return "", "", "", domain.Errorf(domain.ENOTFOUND, "There is no such alert.")
	}
	return al[0], al[1], "/alerts", nil
}

func newIncidentFixture(t testing.TB) *incidentFixture {
	t.Helper()
	owner, url := pgtest.NewDB(t)
	db, err := postgres.Connect(context.Background(), url, 8, postgres.AppRole)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	f := &incidentFixture{db: db, owner: owner}
	f.incidents = &incidents.Service{Store: postgres.IncidentStore{DB: db}, Tx: postgres.Transactor{DB: db},
		Audit:      audit.NewLog(postgres.AuditOutbox{DB: db}),
		Colleagues: colleagues{"olga": true, "omar": true, "aude": false},
		Alerts:     alertSource{7: {"Failed logins on the admin account", "critical"}, 8: {"Audit chain gap", "medium"}}}
	return f
}

// incidentOfficer is a compliance officer's context; incidentAuditor an auditor's.
func incidentOfficer(name string) context.Context {
	return identity.WithServiceCaller(context.Background(), audit.Actor{Type: audit.ActorUser, ID: name},
		identity.PermAlertsRead, identity.PermAlertsManage)
}

func incidentAuditor(name string) context.Context {
	return identity.WithServiceCaller(context.Background(), audit.Actor{Type: audit.ActorUser, ID: name}, identity.PermAlertsRead)
}

func (f *incidentFixture) open(t testing.TB, by string, p incidents.Priority, title string) incidents.Incident {
	t.Helper()
	inc, err := f.incidents.Open(incidentOfficer(by), incidents.NewIncident{Title: title, Priority: p, Summary: "What we know so far."})
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

func (f *incidentFixture) view(t testing.TB, id int64) incidents.View {
	t.Helper()
	v, err := f.incidents.View(incidentAuditor("aude"), id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (f *incidentFixture) audited(t testing.TB, action audit.Action) int {
	t.Helper()
	var n int
	if err := f.owner.QueryRow(context.Background(), `SELECT count(*) FROM audit_outbox WHERE audit_field(entry, '{action}') = $1`,
		string(action)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func wantCode(t testing.TB, what string, err error, code, message string) {
	t.Helper()
	if domain.ErrorCode(err) != code || !strings.Contains(domain.ErrorMessage(err), message) {
		t.Errorf("%s: %v, want %s %q", what, err, code, message)
	}
}

// The state machine: only the allowed moves, a resolution summary to
// resolve, the review's findings to close, a reason to reopen; refused
// moves change nothing and leave no trace; a reviewed incident is final.
func TestIncidents_Transitions(t *testing.T) {
	t.Parallel()
	f := newIncidentFixture(t)
	ctx := incidentOfficer("olga")
	inc := f.open(t, "olga", incidents.P2, "Card data in a log file")
	refuse := func(to incidents.Status, text, code, message string) {
		t.Helper()
		events := len(f.view(t, inc.ID).Timeline)
		updates := f.audited(t, audit.IncidentUpdated)
		_, err := f.incidents.SetStatus(ctx, inc.ID, to, text)
		wantCode(t, string(to), err, code, message)
		if v := f.view(t, inc.ID); len(v.Timeline) != events || v.Incident.Status != inc.Status {
			t.Errorf("refused %s: the incident is %s with %d events, was %s with %d", to, v.Incident.Status, len(v.Timeline), inc.Status, events)
		}
		if f.audited(t, audit.IncidentUpdated) != updates {
			t.Errorf("refused %s was recorded", to)
		}
	}
	move := func(to incidents.Status, text string) {
		t.Helper()
		var err error
		if inc, err = f.incidents.SetStatus(ctx, inc.ID, to, text); err != nil || inc.Status != to {
			t.Fatalf("%s: %v (%s)", to, err, inc.Status)
		}
	}
	refuse(incidents.Reviewed, "Lessons: rotate the logs", domain.ECONFLICT, "An incident that is open cannot become reviewed: it can become investigating, contained or resolved.")
	refuse(incidents.Resolved, "", domain.EINVALID, "Give the resolution summary")
	refuse(incidents.Resolved, "fixed", domain.EINVALID, "at least 10 characters")
	refuse("closed", "", domain.EINVALID, "Choose the status")
	refuse(incidents.Open, "", domain.ECONFLICT, "cannot become open")
	refuse(incidents.Investigating, "card 4242 4242 4242 4242 seen", domain.EINVALID, "looks like a card number")

	move(incidents.Investigating, "")
	investigating := inc.InvestigatingAt
	move(incidents.Contained, "Logging of the field is off")
	move(incidents.Investigating, "Another host logs it too")
	move(incidents.Contained, "")
	if !inc.InvestigatingAt.Equal(investigating) || inc.ContainedAt.IsZero() {
		t.Errorf("the first investigation's time moved: %v, %v", inc.InvestigatingAt, investigating)
	}
	move(incidents.Resolved, "Both hosts fixed; the files shredded")
	refuse(incidents.Investigating, "hm", domain.EINVALID, "Say why the incident is reopened")
	move(incidents.Investigating, "A third copy turned up in backups")
	if !inc.ResolvedAt.IsZero() || inc.Resolution != "" {
		t.Errorf("a reopened incident keeps its resolution: %v %q", inc.ResolvedAt, inc.Resolution)
	}
	move(incidents.Resolved, "Backups purged and re-taken")
	refuse(incidents.Reviewed, "", domain.EINVALID, "Give the post-incident review's findings and lessons")
	move(incidents.Reviewed, "Logging filters are now tested in CI")
	if inc.Resolution != "Backups purged and re-taken" || inc.Review != "Logging filters are now tested in CI" || inc.ReviewedAt.IsZero() {
		t.Errorf("reviewed: %+v", inc)
	}
	for _, to := range incidents.Statuses {
		refuse(to, "A good long reason to change", domain.ECONFLICT, "closed for good")
	}
	_, err := f.incidents.Assign(ctx, inc.ID, "omar")
	wantCode(t, "assigning a reviewed incident", err, domain.ECONFLICT, "closed for good")
	if _, err := f.incidents.AddNote(ctx, inc.ID, "The auditor asked for the review"); err != nil {
		t.Errorf("a note on a reviewed incident: %v", err)
	}
	var statuses []string
	for _, e := range f.view(t, inc.ID).Timeline {
		if e.Action == "status" {
			statuses = append(statuses, strings.SplitN(e.Detail, ":", 2)[0])
		}
	}
	want := "open → investigating|investigating → contained|contained → investigating|investigating → contained|contained → resolved|" +
		"resolved → investigating|investigating → resolved|resolved → reviewed"
	if got := strings.Join(statuses, "|"); got != want {
		t.Errorf("the timeline's moves:\n%s\nwant\n%s", got, want)
	}
	if n := f.audited(t, audit.IncidentUpdated); n != 9 { // 8 moves and the note
		t.Errorf("%d incident.updated records, want 9", n)
	}
}

// The database refuses what the code would, whoever asks: a move the
// state machine does not allow, changing a reviewed incident, deleting
// one, and resolving without a resolution.
func TestIncidents_DatabaseHoldsTheStateMachine(t *testing.T) {
	t.Parallel()
	f := newIncidentFixture(t)
	ctx := context.Background()
	open := f.open(t, "olga", incidents.P3, "Open one")
	done := f.open(t, "olga", incidents.P3, "Done one")
	for _, to := range []incidents.Status{incidents.Resolved, incidents.Reviewed} {
		if _, err := f.incidents.SetStatus(incidentOfficer("olga"), done.ID, to, "Long enough text here"); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		sql string
		id  int64
	}{
		{`UPDATE incidents SET status = 'reviewed', review = 'x', reviewed_at = now(), resolution = 'x', resolved_at = now() WHERE id = $1`, open.ID},
		{`UPDATE incidents SET status = 'resolved' WHERE id = $1`, open.ID},
		{`UPDATE incidents SET opened_at = now() - interval '1 day' WHERE id = $1`, open.ID},
		{`UPDATE incidents SET owner = 'mallory' WHERE id = $1`, done.ID},
		{`DELETE FROM incidents WHERE id = $1`, open.ID},
	} {
		for name, pool := range map[string]*pgxpool.Pool{"the app": f.db, "the owner": f.owner} {
			if _, err := pool.Exec(ctx, c.sql, c.id); err == nil {
				t.Errorf("%s: %s allowed", name, c.sql)
			}
		}
	}
	if v := f.view(t, open.ID); v.Incident.Status != incidents.Open {
		t.Errorf("the open incident is %s", v.Incident.Status)
	}
}

// The timeline, the links and the acknowledgements are append-only: the
// app role may not change them, and neither may the schema's owner.
func TestIncidents_TimelineIsAppendOnly(t *testing.T) {
	t.Parallel()
	f := newIncidentFixture(t)
	inc := f.open(t, "olga", incidents.P1, "Append-only")
	if _, err := f.incidents.AddNote(incidentOfficer("olga"), inc.ID, "Paged the on-call engineer"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.incidents.AddLink(incidentOfficer("olga"), inc.ID, "audit", "1"); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"incident_events", "incident_links", "incident_acks"} {
		for name, pool := range map[string]*pgxpool.Pool{"the app": f.db, "the owner": f.owner} {
			for _, sql := range []string{`UPDATE ` + table + ` SET incident_id = incident_id`, `DELETE FROM ` + table} {
				if _, err := pool.Exec(context.Background(), sql); err == nil {
					t.Errorf("%s: %s allowed", name, sql)
				}
			}
		}
		if _, err := f.db.Exec(context.Background(), `TRUNCATE `+table+` CASCADE`); err == nil {
			t.Errorf("the app: TRUNCATE %s allowed", table)
		}
	}
	if v := f.view(t, inc.ID); len(v.Timeline) != 3 || v.Timeline[1].Detail != "Paged the on-call engineer" || len(v.Links) != 1 {
		t.Errorf("the timeline is now %+v, links %+v", v.Timeline, v.Links)
	}
}

// The owner is the opener unless named, and is always someone who may
// run incidents: an auditor, or a name nobody has, is refused.
func TestIncidents_OwnerMayRunIncidents(t *testing.T) {
	t.Parallel()
	f := newIncidentFixture(t)
	inc := f.open(t, "olga", incidents.P3, "Owned")
	if inc.Owner != "olga" {
		t.Errorf("owner %q, want the opener", inc.Owner)
	}
	_, err := f.incidents.Open(incidentOfficer("olga"), incidents.NewIncident{Title: "x", Priority: incidents.P3, Owner: "aude"})
	wantCode(t, "opening for an auditor", err, domain.EINVALID, "aude cannot run incidents")
	for _, who := range []string{"aude", "nobody", ""} {
		_, err := f.incidents.Assign(incidentOfficer("olga"), inc.ID, who)
		wantCode(t, "assigning to "+who, err, domain.EINVALID, map[bool]string{true: "Name the owner", false: who + " cannot run incidents"}[who == ""])
	}
	_, err = f.incidents.Assign(incidentOfficer("olga"), inc.ID, "olga")
	wantCode(t, "assigning to the owner", err, domain.ECONFLICT, "olga owns this incident already")
	if inc, err = f.incidents.Assign(incidentOfficer("olga"), inc.ID, "omar"); err != nil || inc.Owner != "omar" {
		t.Fatalf("assign to omar: %v %q", err, inc.Owner)
	}
	if v := f.view(t, inc.ID); v.Incident.Owner != "omar" || v.Timeline[len(v.Timeline)-1].Detail != "olga → omar" {
		t.Errorf("after the assignment: %+v", v)
	}
	_, err = f.incidents.Assign(incidentAuditor("aude"), inc.ID, "olga")
	wantCode(t, "an auditor assigning", err, domain.EFORBIDDEN, "permission")
}

// Links are validated, kept once, and shown as their pages.
func TestIncidents_Links(t *testing.T) {
	t.Parallel()
	f := newIncidentFixture(t)
	ctx := incidentOfficer("olga")
	inc := f.open(t, "olga", incidents.P2, "Linked")
	for _, l := range [][2]string{{"alert", "7"}, {"fraud_case", "#12"}, {"case", "3"}, {"audit", "40017"}} {
		if _, err := f.incidents.AddLink(ctx, inc.ID, l[0], l[1]); err != nil {
			t.Fatalf("link %v: %v", l, err)
		}
	}
	for _, l := range [][3]string{{"payment", "1", "Choose what to link"}, {"case", "abc", "the compliance case's number"},
		{"audit", "0", "the audit entry's sequence number"}, {"fraud_case", "1; DROP TABLE incidents", "the fraud case's number"}} {
		_, err := f.incidents.AddLink(ctx, inc.ID, l[0], l[1])
		wantCode(t, "link "+l[0]+" "+l[1], err, domain.EINVALID, l[2])
	}
	_, err := f.incidents.AddLink(ctx, inc.ID, "case", "#3")
	wantCode(t, "a second link to case 3", err, domain.ECONFLICT, "links to Compliance case #3 already")
	v := f.view(t, inc.ID)
	var urls []string
	for _, l := range v.Links {
		urls = append(urls, l.URL())
	}
	if got := strings.Join(urls, " "); got != "/alerts#alert-7 /fraud/cases/12 /cases/3 /audit/entries/40017" {
		t.Errorf("links: %s", got)
	}
	if n := f.audited(t, audit.IncidentUpdated); n != 4 {
		t.Errorf("%d links recorded, want 4", n)
	}
}

// An incident opened from an alert takes its title and the priority of
// its severity, and links it; an alert that does not exist opens nothing.
func TestIncidents_FromAlert(t *testing.T) {
	t.Parallel()
	f := newIncidentFixture(t)
	ctx := incidentOfficer("olga")
	n, err := f.incidents.FromAlert(ctx, 7)
	if err != nil || n.Title != "Failed logins on the admin account" || n.Priority != incidents.P1 || n.AlertID != 7 {
		t.Fatalf("from alert 7: %+v %v", n, err)
	}
	inc, err := f.incidents.Open(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	v := f.view(t, inc.ID)
	if len(v.Links) != 1 || v.Links[0].Kind != incidents.LinkAlert || v.Links[0].Ref != 7 ||
		!strings.Contains(v.Timeline[0].Detail, "P1 critical: Failed logins on the admin account (from alert #7)") {
		t.Errorf("opened from alert 7: %+v", v)
	}
	if n, _ := f.incidents.FromAlert(ctx, 8); n.Priority != incidents.P3 {
		t.Errorf("a medium alert: %s", n.Priority)
	}
	_, err = f.incidents.Open(ctx, incidents.NewIncident{Title: "Ghost", Priority: incidents.P2, AlertID: 99})
	wantCode(t, "opening from no alert", err, domain.ENOTFOUND, "no such alert")
	if list, _, _ := f.incidents.List(incidentAuditor("aude"), incidents.Query{}); len(list) != 1 {
		t.Errorf("%d incidents, want the one", len(list))
	}
	_, err = f.incidents.FromAlert(incidentAuditor("aude"), 7)
	wantCode(t, "an auditor drafting", err, domain.EFORBIDDEN, "permission")
}

// A P1 waits for each officer until they acknowledge it, and for them
// only; its opener has. A P3 never waits, and cannot be acknowledged. A
// resolved P1 waits for nobody.
func TestIncidents_AcknowledgedByEachOfficer(t *testing.T) {
	t.Parallel()
	f := newIncidentFixture(t)
	p1 := f.open(t, "olga", incidents.P1, "Admin account takeover")
	p3 := f.open(t, "olga", incidents.P3, "A noisy scanner")
	waiting := func(who string) []int64 {
		t.Helper()
		list, err := f.incidents.Unacknowledged(incidentOfficer(who))
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, i := range list {
			ids = append(ids, i.ID)
		}
		return ids
	}
	same := func(a []int64, b ...int64) bool { return slices.Equal(a, b) }
	if !same(waiting("omar"), p1.ID) || !same(waiting("oscar"), p1.ID) || !same(waiting("olga")) {
		t.Fatalf("waiting: omar %v, oscar %v, olga (the opener) %v", waiting("omar"), waiting("oscar"), waiting("olga"))
	}
	if _, err := f.incidents.Acknowledge(incidentOfficer("omar"), p1.ID); err != nil {
		t.Fatal(err)
	}
	if !same(waiting("omar")) || !same(waiting("oscar"), p1.ID) {
		t.Errorf("after omar acknowledged: omar %v, oscar %v", waiting("omar"), waiting("oscar"))
	}
	if _, err := f.incidents.Acknowledge(incidentOfficer("omar"), p1.ID); err != nil {
		t.Errorf("acknowledging again: %v", err)
	}
	if n := f.audited(t, audit.IncidentAcknowledged); n != 1 {
		t.Errorf("%d acknowledgements recorded, want omar's once", n)
	}
	_, err := f.incidents.Acknowledge(incidentOfficer("omar"), p3.ID)
	wantCode(t, "acknowledging a P3", err, domain.EINVALID, "Only P1 and P2 incidents are acknowledged; this one is P3.")
	_, err = f.incidents.Acknowledge(incidentAuditor("aude"), p1.ID)
	wantCode(t, "an auditor acknowledging", err, domain.EFORBIDDEN, "permission")
	if v := f.view(t, p1.ID); !v.Acknowledged("omar") || !v.Acknowledged("olga") || v.Acknowledged("oscar") || len(v.Acknowledgements) != 2 {
		t.Errorf("acknowledgements: %+v", v.Acknowledgements)
	}
	if _, err := f.incidents.SetStatus(incidentOfficer("olga"), p1.ID, incidents.Resolved, "Password reset, sessions ended"); err != nil {
		t.Fatal(err)
	}
	if !same(waiting("oscar")) {
		t.Errorf("a resolved P1 waits for oscar: %v", waiting("oscar"))
	}
	_, err = f.incidents.Acknowledge(incidentOfficer("oscar"), p1.ID)
	wantCode(t, "acknowledging a resolved P1", err, domain.ECONFLICT, "nothing waits")
}

// The list: active first, then by priority, then newest, in pages that
// follow on; filters by status, priority and owner; bad filters refused.
func TestIncidents_List(t *testing.T) {
	t.Parallel()
	f := newIncidentFixture(t)
	ctx := incidentOfficer("olga")
	var want []int64
	p4 := f.open(t, "olga", incidents.P4, "low")
	done := f.open(t, "olga", incidents.P1, "done")
	if _, err := f.incidents.SetStatus(ctx, done.ID, incidents.Resolved, "Nothing was at risk"); err != nil {
		t.Fatal(err)
	}
	p1a := f.open(t, "olga", incidents.P1, "p1 a")
	p1b := f.open(t, "omar", incidents.P1, "p1 b")
	p2 := f.open(t, "olga", incidents.P2, "p2")
	want = []int64{p1b.ID, p1a.ID, p2.ID, p4.ID, done.ID}
	var got []int64
	var after int64
	for page := 0; page < 5; page++ {
		list, more, err := f.incidents.List(incidentAuditor("aude"), incidents.Query{After: after, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range list {
			got = append(got, i.ID)
		}
		if !more {
			break
		}
		after = list[len(list)-1].ID
	}
	if !slices.Equal(got, want) {
		t.Errorf("the list's order: %v, want %v", got, want)
	}
	for name, c := range map[string]struct {
		q    incidents.Query
		want []int64
	}{
		"active":   {incidents.Query{Active: true}, []int64{p1b.ID, p1a.ID, p2.ID, p4.ID}},
		"resolved": {incidents.Query{Status: incidents.Resolved}, []int64{done.ID}},
		"p1":       {incidents.Query{Priority: incidents.P1}, []int64{p1b.ID, p1a.ID, done.ID}},
		"omar's":   {incidents.Query{Owner: "omar"}, []int64{p1b.ID}},
	} {
		list, _, err := f.incidents.List(incidentAuditor("aude"), c.q)
		var ids []int64
		for _, i := range list {
			ids = append(ids, i.ID)
		}
		if err != nil || !slices.Equal(ids, c.want) {
			t.Errorf("%s: %v %v, want %v", name, ids, err, c.want)
		}
	}
	_, _, err := f.incidents.List(incidentAuditor("aude"), incidents.Query{Status: "closed"})
	wantCode(t, "a status filter of closed", err, domain.EINVALID, "is not a status")
	_, _, err = f.incidents.List(incidentAuditor("aude"), incidents.Query{Priority: "p9"})
	wantCode(t, "a priority filter of p9", err, domain.EINVALID, "is not a priority")
	if c, err := f.incidents.Counts(incidentAuditor("aude")); err != nil || c[incidents.P1] != 2 || c[incidents.P2] != 1 || c[incidents.P4] != 1 {
		t.Errorf("counts: %v %v", c, err)
	}
}
