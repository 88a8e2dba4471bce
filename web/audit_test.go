package web

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/web/webtest"
)

// seed records n events (every third a failed login) and chains them.
func (env *testEnv) seed(t *testing.T, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		e := audit.Event{Actor: audit.Actor{Type: audit.ActorUser, ID: fmt.Sprintf("u%d", i%3)},
			Action: audit.LoginSucceeded, Outcome: audit.Success, Target: audit.Target{Type: "session", ID: fmt.Sprintf("s%d", i)}}
		if i%3 == 0 {
			e.Action, e.Outcome = audit.LoginFailed, audit.Failure
		}
		if err := env.audit.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := env.seq.Drain(ctx); err != nil {
		t.Fatal(err)
	}
}

func (env *testEnv) countViews(t *testing.T) int {
	var n int
	env.db.QueryRow(context.Background(), `SELECT count(*) FROM audit_outbox WHERE audit_field(entry, '{action}') = 'audit.log.viewed'`).Scan(&n)
	return n
}

func TestAuditLog_ListFiltersAndPages(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.seed(t, 120)
	c, _ := env.officer(t)

	first := c.Get("/audit")
	if first.StatusCode != 200 || first.Doc.Find("[data-testid=audit-row]").Length() != audit.PageSize {
		t.Fatalf("GET /audit = %d with %d rows, want %d", first.StatusCode, first.Doc.Find("[data-testid=audit-row]").Length(), audit.PageSize)
	}
	if got := first.Doc.Find("[data-testid=audit-row] td a").First().Text(); got != "120" {
		t.Fatalf("first row seq %s, want the newest (120)", got)
	}
	if first.Doc.Find("tbody[sse-connect]").Length() != 1 {
		t.Fatal("the first page has no live tail")
	}

	// Keyset paging: the older page continues exactly where the first ended.
	older, _ := first.Doc.Find("[data-testid=audit-older]").Attr("href")
	second := c.Get(older)
	if got := second.Doc.Find("[data-testid=audit-row] td a").First().Text(); got != "70" {
		t.Fatalf("older page starts at %s, want 70 (%s)", got, older)
	}
	if second.Doc.Find("tbody[sse-connect]").Length() != 0 {
		t.Fatal("an older page must not live-tail")
	}

	failures := c.Get("/audit?" + url.Values{"action": {"auth.login.failed"}, "actor": {"u0"}}.Encode())
	rows := failures.Doc.Find("[data-testid=audit-row]")
	if rows.Length() != 40 {
		t.Fatalf("failed logins by u0: %d rows, want 40", rows.Length())
	}
	if strings.Count(rows.Text(), "auth.login.failed") != 40 {
		t.Fatal("the action filter let other actions through")
	}
	if sel := failures.Doc.Find(`#f-action option[selected]`).AttrOr("value", ""); sel != "auth.login.failed" {
		t.Fatalf("the form does not keep the chosen action (%q)", sel)
	}

	none := c.Get("/audit?q=no+such+text")
	if none.Doc.Find("[data-testid=audit-empty]").Length() != 1 {
		t.Fatal("no empty state for a filter that matches nothing")
	}
	for _, bad := range []string{"from=yesterday", "action=auth.teleported", "outcome=maybe", "before=-3", "from=2026-11-24T10:00&to=2026-11-24T09:00"} {
		if res := c.Get("/audit?" + bad); res.StatusCode != http.StatusBadRequest {
			t.Errorf("GET /audit?%s = %d, want 400", bad, res.StatusCode)
		}
	}
	// Every page view was itself recorded (PCI DSS 10.2.1.3).
	if got := env.countViews(t); got != 4 {
		t.Fatalf("%d views recorded, want 4 (the three pages and the empty search)", got)
	}
}

func TestAuditLog_EntryAndItsProof(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := newTestEnv(t)
	env.seed(t, 5)
	c, _ := env.officer(t)

	page := c.Get("/audit/entries/3")
	if page.StatusCode != 200 || page.Text("[data-testid=entry-action]") != "auth.login.succeeded" || len(page.Text("[data-testid=entry-hash]")) != 64 {
		t.Fatalf("entry page = %d, action %q", page.StatusCode, page.Text("[data-testid=entry-action]"))
	}
	verify := func() webtest.Response {
		req := httptest.NewRequest(http.MethodPost, "/audit/entries/3/verify", nil)
		req.Header.Set("HX-Request", "true")
		return c.Do(req)
	}
	if res := verify(); !strings.Contains(res.Body, "no signed checkpoint covers it yet") {
		t.Fatalf("before any checkpoint: %s", res.Body)
	}
	if _, err := env.seq.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	list := c.Get("/audit")
	if got := list.Text("[data-testid=audit-signer]"); !strings.Contains(got, "s1 (ed25519) sha256:") {
		t.Fatalf("the audit log does not show the signing key's fingerprint: %q", got)
	}
	if res := verify(); res.Doc.Find("[data-testid=proof-ok]").Length() != 1 {
		t.Fatalf("after a checkpoint: %s", res.Body)
	}
	env.db.Exec(ctx, `SET session_replication_role = replica;
		UPDATE audit_log SET entry = convert_to(replace(convert_from(entry, 'UTF8'), 's3', 's9'), 'UTF8') WHERE seq = 4;
		SET session_replication_role = origin`)
	if res := verify(); res.Doc.Find("[data-testid=proof-failed]").Length() != 1 || !strings.Contains(res.Body, "seq 4") {
		t.Fatalf("with entry 4 altered, proving 3 must fail at 4: %s", res.Body)
	}
	if res := c.Get("/audit/entries/999"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("missing entry = %d, want 404", res.StatusCode)
	}
	if res := c.Get("/audit/entries/abc"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("bad entry id = %d, want 404", res.StatusCode)
	}
	cross := httptest.NewRequest(http.MethodPost, "/audit/entries/3/verify", nil)
	cross.Header.Set("Sec-Fetch-Site", "cross-site")
	if res := c.Do(cross); res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST = %d, want 403", res.StatusCode)
	}
}

// The live tail pushes new entries that match the filter, over a real
// HTTP connection, fed by LISTEN/NOTIFY.
func TestAuditLog_LiveTail(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := newTestEnv(t)
	c, _ := env.officer(t)
	env.seed(t, 2)
	head, _, err := postgres.AuditStore{DB: env.db}.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	go env.tail.Run(ctx)
	srv := httptest.NewServer(env.srv.Handler())
	defer srv.Close()

	for i := 0; ; i++ { // until the listener's LISTEN is in place
		var listening bool
		env.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			WHERE datname = current_database() AND query LIKE 'LISTEN "audit_appended"%')`).Scan(&listening)
		if listening {
			break
		}
		if i == 500 {
			t.Fatal("the listener never issued LISTEN (10 s)")
		}
		time.Sleep(20 * time.Millisecond)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+fmt.Sprintf("/audit/stream?action=auth.login.failed&after=%d", head), nil)
	req.AddCookie(&http.Cookie{Name: SessionCookie, Value: c.Cookies[SessionCookie]})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream content type %q", res.Header.Get("Content-Type"))
	}
	env.seed(t, 4) // the next four; the first and the last are failed logins

	got, closed := make(chan string, 1), make(chan []string, 1)
	go func() {
		var events []string
		s := bufio.NewScanner(res.Body)
		for s.Scan() {
			if strings.HasPrefix(s.Text(), "data: ") && strings.Contains(s.Text(), `href="/audit/entries/`) {
				events = append(events, s.Text())
			}
			if len(events) == 2 {
				got <- strings.Join(events, "\n")
			}
		}
		closed <- events[min(2, len(events)):]
	}()
	select {
	case rows := <-got:
		first, last := fmt.Sprintf("/audit/entries/%d\"", head+1), fmt.Sprintf("/audit/entries/%d\"", head+4)
		if !strings.Contains(rows, first) || !strings.Contains(rows, last) {
			t.Fatalf("tail sent %s; want entries %d and %d (the failed logins)", rows, head+1, head+4)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no live entries within 10 s")
	}

	// Signed out, the stream ends before it sends anything more.
	c.Post("/logout", nil)
	env.seed(t, 3)
	select {
	case more := <-closed:
		if len(more) != 0 {
			t.Fatalf("the stream sent %d entries after sign-out", len(more))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the live tail went on after sign-out")
	}
}

// A failed verification raises a banner on every page until a later
// verification passes (PCI DSS 10.7.2).
func TestAuditLog_FailedVerificationBanner(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := newTestEnv(t)
	c, _ := env.officer(t)
	if res := c.Get("/"); res.Doc.Find("[data-testid=banner]").Length() != 0 {
		t.Fatal("a banner with no failed verification")
	}
	results := postgres.AuditResults{DB: env.db}
	results.SaveVerification(ctx, audit.Verification{OK: false, FirstBreak: "seq 7: content changed: x"})
	for _, path := range []string{"/", "/audit", "/no/such/page"} {
		res := c.Get(path)
		if b := res.Text("[data-testid=banner]"); !strings.Contains(b, "seq 7: content changed") {
			t.Errorf("GET %s: banner %q, want the failed verification", path, b)
		}
	}
	results.SaveVerification(ctx, audit.Verification{OK: true})
	if res := c.Get("/"); res.Doc.Find("[data-testid=banner]").Length() != 0 {
		t.Fatal("the banner stayed after a passing verification")
	}
}

func TestAuditLog_Exports(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := newTestEnv(t)
	c, officer := env.officer(t)
	env.stepUp(t, c, officer) // exporting evidence is a sensitive action
	env.seed(t, 9)

	if res := c.Get("/audit/export.jsonl"); res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(res.Body, "No signed checkpoint") {
		t.Fatalf("bundle before any checkpoint = %d %s, want 503 with the reason", res.StatusCode, res.Body)
	}
	if _, err := env.seq.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}

	csv := c.Get("/audit/export.csv?action=auth.login.failed")
	if csv.StatusCode != 200 || !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(csv.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("CSV export = %d %v", csv.StatusCode, csv.Header)
	}
	if lines := strings.Count(strings.TrimSpace(csv.Body), "\n"); lines != 3 { // header + 3 failed logins
		t.Fatalf("CSV has %d data rows, want 3:\n%s", lines, csv.Body)
	}

	bundle := c.Get("/audit/export.jsonl?action=auth.login.failed")
	rep, err := audit.VerifyBundle(ctx, strings.NewReader(bundle.Body))
	if err != nil || !rep.OK() || rep.Entries != 3 || rep.Links == 0 {
		t.Fatalf("exported bundle: %+v, %v", rep, err)
	}
	if strings.Contains(bundle.Body, `"action":"auth.login.succeeded"`) {
		t.Fatal("the filtered bundle carries entries outside the filter")
	}
	// A time-filtered bundle, with the newest checkpoint at the chain's head.
	if _, err := env.seq.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	timed := c.Get("/audit/export.jsonl?" + url.Values{"action": {"auth.login.failed"},
		"from": {now.Add(-time.Hour).Format("2006-01-02T15:04")}, "to": {now.Add(time.Hour).Format("2006-01-02T15:04")}}.Encode())
	if rep, err := audit.VerifyBundle(ctx, strings.NewReader(timed.Body)); err != nil || !rep.OK() || rep.Entries != 3 {
		t.Fatalf("time-filtered bundle = %d: %+v, %v\n%.300s", timed.StatusCode, rep, err, timed.Body)
	}
	var exports int
	env.db.QueryRow(ctx, `SELECT (SELECT count(*) FROM audit_outbox WHERE audit_field(entry, '{action}') = 'audit.log.exported')
		+ (SELECT count(*) FROM audit_log WHERE audit_field(entry, '{action}') = 'audit.log.exported')`).Scan(&exports)
	if exports != 3 {
		t.Fatalf("%d exports recorded, want 3", exports)
	}
	if res := c.Get("/audit/export.csv?outcome=maybe"); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("export with a bad filter = %d, want 400", res.StatusCode)
	}
}

// Paging a time-filtered view by (time, seq) visits every entry in the
// range once, newest first.
func TestAuditLog_TimeFilteredPaging(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := newTestEnv(t)
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	err := env.seq.Import(ctx, 130, func(i int) (time.Time, audit.Event) {
		return base.Add(time.Duration(i) * time.Minute), audit.Event{Actor: audit.System, Action: audit.ScorecardRun, Outcome: audit.Success}
	})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := env.officer(t)
	// 10:05 to 12:00 holds entries 6 to 120.
	next := "/audit?from=2026-11-20T10:05&to=2026-11-20T12:00"
	var seen []string
	for next != "" {
		res := c.Get(next)
		res.Doc.Find("[data-testid=audit-row] td a").Each(func(_ int, a *goquery.Selection) { seen = append(seen, a.Text()) })
		next, _ = res.Doc.Find("[data-testid=audit-older]").Attr("href")
	}
	if len(seen) != 115 || seen[0] != "120" || seen[len(seen)-1] != "6" {
		t.Fatalf("paged through %d entries, %v..%v; want 115, 120 down to 6", len(seen), seen[0], seen[len(seen)-1])
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] == seen[i-1] {
			t.Fatalf("entry %s listed twice", seen[i])
		}
	}
}
