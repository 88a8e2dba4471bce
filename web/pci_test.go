package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/pci"
	"github.com/paycompliance/console/postgres"
	pciview "github.com/paycompliance/console/views/pci"
	"github.com/paycompliance/console/web/webtest"
)

// assessPCI runs an assessment as the scheduled job does.
func (env *testEnv) assessPCI(t *testing.T) (pci.Run, []pci.Result) {
	t.Helper()
	run, results, err := env.pci.RunAssessment(audit.WithActor(context.Background(), audit.System), "scheduled")
	if err != nil {
		t.Fatal(err)
	}
	return run, results
}

// percentOf is a score as the page should write it.
func percentOf(s pci.Score) string { return strconv.FormatFloat(s.Percent(), 'f', 1, 64) + " %" }

func subRow(res webtest.Response, sub string) *goquery.Selection {
	return res.Doc.Find(`[data-testid=pci-sub][id="sub-` + sub + `"]`)
}

// The scorecard: empty before the first run; then the overall percent is
// the run's, each requirement shows its numbers, and a failing
// sub-requirement its evidence and remediation. Recording a scan through
// the form and running again turns 6.3.3 to pass, which the scorecard's
// "what changed", the run's page and the compare page all say; the
// history lists both runs and the trend has today's.
func TestPCIScorecard(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c, _ := env.officer(t)
	if empty := c.Get("/pci"); empty.StatusCode != http.StatusOK || empty.Doc.Find(`[data-testid=pci-empty]`).Length() != 1 {
		t.Fatalf("before the first run /pci = %d %s", empty.StatusCode, empty.Text("main"))
	}
	first, results := env.assessPCI(t)
	page := c.Get("/pci")
	if got, want := page.Text("[data-testid=pci-percent]"), percentOf(first.Score); got != want || first.Score.Passed == 0 || first.Score.Failed == 0 {
		t.Fatalf("overall %q, want %q (%+v)", got, want, first.Score)
	}
	for id, want := range map[string]int{"pci-passed": first.Score.Passed, "pci-failed": first.Score.Failed, "pci-na": first.Score.NotApplicable} {
		if got := page.Text("[data-testid=" + id + "]"); got != strconv.Itoa(want) {
			t.Errorf("%s = %q, want %d", id, got, want)
		}
	}
	if !strings.Contains(page.Text("[data-testid=pci-overall]"), "Every applicable result") {
		t.Error("the page does not say how results weigh")
	}
	_, by := pci.Scores(results)
	if n := page.Doc.Find(`[data-testid=pci-requirement]`).Length(); n != 12 || len(by) != 12 {
		t.Fatalf("%d requirements shown, %d scored", n, len(by))
	}
	for id, s := range by {
		req := page.Doc.Find(`[data-testid=pci-requirement][data-requirement="` + id + `"]`)
		got := []string{req.Find("[data-testid=req-passed]").Text(), req.Find("[data-testid=req-failed]").Text(), req.Find("[data-testid=req-na]").Text()}
		if want := []string{strconv.Itoa(s.Passed), strconv.Itoa(s.Failed), strconv.Itoa(s.NotApplicable)}; strings.Join(got, "/") != strings.Join(want, "/") {
			t.Errorf("requirement %s: %v, want %v", id, got, want)
		}
		if pct := strings.TrimSpace(req.Find("[data-testid=req-percent]").Text()); s.Passed+s.Failed > 0 && pct != percentOf(s) {
			t.Errorf("requirement %s reads %s, want %s", id, pct, percentOf(s))
		}
	}
	// The dependency scan fails with no scan recorded, saying how to fix it.
	scan := subRow(page, "6.3.3")
	if scan.AttrOr("data-status", "") != "fail" || scan.Closest("details").AttrOr("open", "no") == "no" ||
		!strings.Contains(scan.Find(`[data-check=dependency_scan] [data-testid=result-remediation]`).Text(), "govulncheck") {
		t.Fatalf("6.3.3 without a scan: %s", scan.Text())
	}
	// A failing result with evidence shows it as a table, linked to the console's page.
	shown := 0
	for _, res := range results {
		if res.Status != pci.Fail || len(res.Evidence) == 0 {
			continue
		}
		row := subRow(page, res.Sub).Find(`[data-testid=pci-result][data-check="` + res.Check + `"]`)
		for i, e := range res.Evidence {
			ev := row.Find("[data-testid=evidence-row]").Eq(i)
			if ev.Find("[data-testid=evidence-label]").Text() != e.Label || ev.Find("[data-testid=evidence-value]").Text() != e.Value ||
				e.Link != "" && ev.Find("[data-testid=evidence-link]").AttrOr("href", "") != e.Link {
				t.Errorf("%s %s evidence %d: %q", res.Sub, res.Check, i, ev.Text())
			}
		}
		if res.Remediation != "" && !strings.Contains(row.Find("[data-testid=result-remediation]").Text(), res.Remediation) {
			t.Errorf("%s %s: no remediation", res.Sub, res.Check)
		}
		shown++
	}
	if shown == 0 {
		t.Fatal("no failing result with evidence to look at")
	}

	if res := c.Post("/pci/scans", url.Values{"tool": {"govulncheck"}, "findings": {"0"}, "report": {"No vulnerabilities found."}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("record a scan = %d %s", res.StatusCode, res.Text("[data-testid=scan-error]"))
	}
	if list := c.Get("/pci/scans"); list.Doc.Find(`[data-testid=scan-row]`).Length() != 1 || !strings.Contains(list.Text("[data-testid=scans]"), "govulncheck") {
		t.Fatalf("the scans page: %s", list.Text("main"))
	}
	second, _ := env.assessPCI(t)
	page = c.Get("/pci")
	if subRow(page, "6.3.3").AttrOr("data-status", "") != "pass" || page.Text("[data-testid=pci-percent]") != percentOf(second.Score) {
		t.Fatalf("after a clean scan: 6.3.3 %s, %s", subRow(page, "6.3.3").AttrOr("data-status", ""), page.Text("[data-testid=pci-percent]"))
	}
	change := page.Doc.Find(`[data-testid=pci-changes] [data-testid=pci-change][data-sub="6.3.3"]`)
	if change.AttrOr("data-from", "") != "fail" || change.AttrOr("data-to", "") != "pass" {
		t.Fatalf("what changed since the previous run: %q", page.Text("[data-testid=pci-changes]"))
	}
	compare := c.Get("/pci/runs/compare?from=" + strconv.FormatInt(first.ID, 10) + "&to=" + strconv.FormatInt(second.ID, 10))
	row := compare.Doc.Find(`[data-testid=pci-change][data-sub="6.3.3"]`)
	if compare.StatusCode != http.StatusOK || row.AttrOr("data-from", "") != "fail" || row.AttrOr("data-to", "") != "pass" ||
		row.Find("a").AttrOr("href", "") != pciview.ResultURL(second.ID, "6.3.3") {
		t.Fatalf("compare = %d %s", compare.StatusCode, compare.Text("main"))
	}
	if bad := c.Get("/pci/runs/compare?from=x&to=1"); bad.StatusCode != http.StatusBadRequest {
		t.Errorf("compare of no run = %d", bad.StatusCode)
	}
	old := c.Get(pciview.RunURL(first.ID))
	if old.StatusCode != http.StatusOK || subRow(old, "6.3.3").AttrOr("data-status", "") != "fail" || old.Text("[data-testid=pci-percent]") != percentOf(first.Score) {
		t.Fatalf("the first run's page = %d: 6.3.3 %s", old.StatusCode, subRow(old, "6.3.3").AttrOr("data-status", ""))
	}
	if c.Get(pciview.RunURL(second.ID+1)).StatusCode != http.StatusNotFound {
		t.Error("a run that does not exist is not 404")
	}
	runs := c.Get("/pci/runs")
	if n := runs.Doc.Find(`[data-testid=pci-run-row]`).Length(); n != 2 || runs.Doc.Find(`[data-testid=pci-run-row]`).First().AttrOr("data-run", "") != strconv.FormatInt(second.ID, 10) {
		t.Fatalf("the history lists %d runs", n)
	}
	dots := runs.Doc.Find(`[data-testid=pci-trend-dot]`)
	if dots.Length() != 1 || dots.AttrOr("data-run", "") != strconv.FormatInt(second.ID, 10) || dots.AttrOr("data-day", "") != time.Now().UTC().Format("2006-01-02") {
		t.Fatalf("the trend: %d dots, %v", dots.Length(), dots.Nodes)
	}
	for _, days := range []string{"7", "90", "365"} {
		if res := c.Get("/pci/runs?days=" + days); res.StatusCode != http.StatusOK || res.Doc.Find(`[data-testid=pci-trend-dot]`).Length() != 1 {
			t.Errorf("the trend over %s days = %d", days, res.StatusCode)
		}
	}
	if res := c.Get("/pci/runs?days=400"); res.StatusCode != http.StatusBadRequest {
		t.Errorf("a trend over 400 days = %d", res.StatusCode)
	}
	if next := c.Get("/pci/runs?before=" + strconv.FormatInt(second.ID, 10)); next.Doc.Find(`[data-testid=pci-run-row]`).Length() != 1 {
		t.Error("the page before the newest run does not list the first alone")
	}
	home := c.Get("/")
	if home.Text("[data-testid=widget-pci-percent]") != percentOf(second.Score) || home.Text("[data-testid=widget-pci-failing]") != strconv.Itoa(second.Score.Failed) {
		t.Errorf("the home widget: %q", home.Text("[data-testid=widget-pci]"))
	}
}

// Run now: the officer's button runs an assessment and the scorecard says
// it finished with its score; over htmx the page is sent there.
func TestPCIScorecard_RunNow(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c, _ := env.officer(t)
	if page := c.Get("/pci"); page.Doc.Find(`form[hx-post="/pci/runs"] [data-testid=pci-run-now]`).Length() != 1 {
		t.Fatal("no Run now button for an officer")
	}
	res := c.Post("/pci/runs", nil)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/pci?ran=") {
		t.Fatalf("run now = %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	runs, err := env.pci.Store.Runs(context.Background(), 0, 10)
	if err != nil || len(runs) != 1 || runs[0].Trigger != "officer" {
		t.Fatalf("runs %+v, %v", runs, err)
	}
	page := c.Get(res.Header.Get("Location"))
	want := "Run #" + strconv.FormatInt(runs[0].ID, 10) + " finished: " + percentOf(runs[0].Score)
	if got := page.Text("[data-testid=pci-notice]"); !strings.HasPrefix(got, want) || page.Text("[data-testid=pci-run-trigger]") != "on demand by officer" {
		t.Fatalf("the notice %q, want %q", got, want)
	}
	if hx := c.Post("/pci/runs", nil, "HX-Request", "true"); hx.StatusCode != http.StatusNoContent || !strings.HasPrefix(hx.Header.Get("HX-Redirect"), "/pci?ran=") {
		t.Fatalf("run now over htmx = %d %q", hx.StatusCode, hx.Header.Get("HX-Redirect"))
	}
}

// The exports: the signed report verifies offline and fails with any one
// byte changed; the CSV has a row per result; the printable report names
// the signing key and how to verify the file.
func TestPCIReports(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c, _ := env.officer(t)
	run, results := env.assessPCI(t)
	id := strconv.FormatInt(run.ID, 10)
	file := c.Get(pciview.ReportURL(run.ID, ".json"))
	if file.StatusCode != http.StatusOK || file.Header.Get("Content-Disposition") != `attachment; filename=pci-report-`+id+`.json` ||
		file.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("report.json = %d %q %q", file.StatusCode, file.Header.Get("Content-Type"), file.Header.Get("Content-Disposition"))
	}
	rep, err := pci.VerifyReport([]byte(file.Body))
	if err != nil || rep.Run != run.ID || rep.Score.Passed != run.Score.Passed || len(rep.Requirements) != 12 || rep.IssuedBy != "officer" {
		t.Fatalf("the report does not verify: %v (%+v)", err, rep.Score)
	}
	flipped := []byte(file.Body)
	flipped[len(flipped)/2] ^= 0x01
	if _, err := pci.VerifyReport(flipped); err == nil {
		t.Fatal("a report with a byte changed verifies")
	}
	sheet := c.Get(pciview.ReportURL(run.ID, ".csv"))
	rows, err := csv.NewReader(strings.NewReader(sheet.Body)).ReadAll()
	if err != nil || sheet.Header.Get("Content-Disposition") != `attachment; filename=pci-report-`+id+`.csv` || len(rows) != len(results)+1 {
		t.Fatalf("report.csv: %d rows for %d results, %v", len(rows), len(results), err)
	}
	if strings.Join(rows[0], ",") != "requirement,sub,check,status,summary,evidence,remediation" {
		t.Fatalf("the CSV's header: %v", rows[0])
	}
	for i, res := range results {
		if r := rows[i+1]; r[0] != res.Requirement || r[1] != res.Sub || r[2] != res.Check || r[3] != string(res.Status) || r[6] != res.Remediation ||
			len(res.Evidence) > 0 && !strings.Contains(r[5], res.Evidence[0].Label+": ") {
			t.Errorf("row %d: %v for %+v", i+1, r, res)
		}
	}
	page := c.Get(pciview.ReportURL(run.ID, ""))
	if page.StatusCode != http.StatusOK || page.Text("[data-testid=report-key]") != rep.Signature.KeyID || rep.Signature.KeyID == "" ||
		page.Doc.Find(`[data-testid=report-verified]`).Length() != 1 || !strings.Contains(page.Text("[data-testid=report-how]"), "console pci verify-report FILE") ||
		page.Doc.Find(`[data-testid=report-result]`).Length() != len(results) {
		t.Fatalf("the printable report = %d: key %q", page.StatusCode, page.Text("[data-testid=report-key]"))
	}
	if n := env.count(t, `SELECT count(*) FROM audit_outbox WHERE audit_field(entry, '{action}') = $1`, string(audit.ReportExported)); n != 2 {
		t.Errorf("%d report issues recorded, want 2 (the file and the page)", n)
	}
}

type evidenceFile struct {
	name, contentType string
	data              []byte
}

// attest posts the attestation form as a browser does: multipart, with files.
func attest(c *webtest.Client, fields url.Values, files ...evidenceFile) webtest.Response {
	c.T.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		h := make(map[string][]string)
		h["Content-Disposition"] = []string{`form-data; name="files"; filename="` + f.name + `"`}
		h["Content-Type"] = []string{f.contentType}
		w, _ := mw.CreatePart(h)
		w.Write(f.data)
	}
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/pci/attestations", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Do(req)
}

// Attestations: recorded through the multipart form with a file, listed
// on the sub-requirement's page, the file downloadable as filed (an
// attachment, never sniffed); bad input is refused with the form as typed
// and nothing saved; the one-click daily log review passes 10.4.1.
func TestPCIAttestations(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c, _ := env.officer(t)
	today := time.Now().UTC().Format("2006-01-02")
	form := url.Values{"sub": {"1.2.1"}, "statement": {"Firewall rule sets reviewed against the standard."}, "effective": {today}}
	doc := evidenceFile{"rules review.pdf", "application/pdf", []byte("%PDF-1.7 the review")}
	res := attest(c, form, doc)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/pci/subs/1.2.1?notice=attested" {
		t.Fatalf("attest = %d %s", res.StatusCode, res.Text("[data-testid=attest-error]"))
	}
	sub := c.Get(res.Header.Get("Location"))
	if sub.Doc.Find(`[data-testid=attestation-row]`).Length() != 1 || !strings.Contains(sub.Text("[data-testid=attestations]"), "Firewall rule sets reviewed") ||
		sub.Text("[data-testid=attest-notice]") == "" {
		t.Fatalf("the sub-requirement's page: %s", sub.Text("main"))
	}
	link := sub.Doc.Find(`[data-testid=attestation-file]`).AttrOr("href", "")
	got := c.Get(link)
	if got.StatusCode != http.StatusOK || got.Body != string(doc.data) || got.Header.Get("Content-Type") != "application/pdf" ||
		got.Header.Get("Content-Disposition") != `attachment; filename="rules review.pdf"` || got.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("the file %s = %d %q %q", link, got.StatusCode, got.Header.Get("Content-Type"), got.Header.Get("Content-Disposition"))
	}
	att := c.Get(sub.Doc.Find(`[data-testid=attestation-row] a`).First().AttrOr("href", ""))
	if att.Text("[data-testid=attestation-statement]") != form.Get("statement") || !strings.Contains(att.Text("[data-testid=attestation-files]"), "rules review.pdf") {
		t.Fatalf("the attestation's page: %s", att.Text("main"))
	}
	if c.Get(strings.Replace(link, "/files/", "/files/9", 1)).StatusCode != http.StatusNotFound {
		t.Error("another file id is not 404")
	}

	with := func(k, v string) url.Values {
		f := url.Values{}
		for key, vs := range form {
			f[key] = vs
		}
		f.Set(k, v)
		return f
	}
	big := evidenceFile{"big.bin", "application/octet-stream", bytes.Repeat([]byte("x"), pci.MaxFile+1)}
	eleven := make([]evidenceFile, 11)
	for i := range eleven {
		eleven[i] = evidenceFile{"f" + strconv.Itoa(i) + ".txt", "text/plain", []byte("evidence")}
	}
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")
	for name, try := range map[string]struct {
		fields url.Values
		files  []evidenceFile
		says   string
	}{
		"no statement":          {with("statement", " "), nil, "Say what is attested"},
		"a card number":         {with("statement", "Tested with 4242424242424242"), nil, "card number"},
		"effective tomorrow":    {with("effective", tomorrow), nil, "effective date"},
		"no effective date":     {with("effective", ""), nil, "effective date"},
		"not a date":            {with("effective", "last week"), nil, "not a date"},
		"expiring before":       {with("expires", time.Now().UTC().AddDate(0, 0, -2).Format("2006-01-02")), nil, "expiry comes after"},
		"a file over 5 MiB":     {form, []evidenceFile{doc, big}, "5 MiB"},
		"eleven files":          {form, eleven, "At most 10 files"},
		"an empty file":         {form, []evidenceFile{{"empty.txt", "text/plain", nil}}, "1 byte to 5 MiB"},
		"a sub that is unknown": {with("sub", "13.1"), nil, ""},
	} {
		res := attest(c, try.fields, try.files...)
		if try.says == "" {
			if res.StatusCode != http.StatusBadRequest {
				t.Errorf("%s = %d", name, res.StatusCode)
			}
			continue
		}
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Text("[data-testid=attest-error]"), try.says) ||
			res.Doc.Find("#att-statement").Text() != try.fields.Get("statement") {
			t.Errorf("%s = %d %q", name, res.StatusCode, res.Text("[data-testid=attest-error]"))
		}
	}
	if n := env.count(t, `SELECT count(*) FROM pci_attestations`); n != 1 {
		t.Fatalf("%d attestations kept, want the one", n)
	}
	if n := env.count(t, `SELECT count(*) FROM pci_attestation_files`); n != 1 {
		t.Fatalf("%d files kept, want the one", n)
	}

	// The daily log review in one click: its form as offered.
	review := c.Get("/pci/subs/10.4.1")
	fields := url.Values{}
	review.Doc.Find(`[data-testid=log-review-form] input[type=hidden]`).Each(func(_ int, s *goquery.Selection) {
		if name := s.AttrOr("name", ""); name != "csrf_token" {
			fields.Set(name, s.AttrOr("value", ""))
		}
	})
	if fields.Get("statement") != "Reviewed the audit log and security alerts for "+today || fields.Get("effective") != today || fields.Get("expires") == "" {
		t.Fatalf("the log review form: %v", fields)
	}
	if res := attest(c, fields); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("record today's log review = %d %s", res.StatusCode, res.Text("[data-testid=attest-error]"))
	}
	var expires time.Time
	env.db.QueryRow(context.Background(), `SELECT expires FROM pci_attestations WHERE sub = '10.4.1'`).Scan(&expires)
	if left := time.Until(expires); left < 35*time.Hour || left > 36*time.Hour {
		t.Errorf("the log review holds %s more", left)
	}
	_, results := env.assessPCI(t)
	for _, r := range results {
		if r.Sub == "10.4.1" && r.Status != pci.Pass || r.Sub == "1.2.1" && r.Status != pci.Pass {
			t.Errorf("%s after its attestation: %s %s", r.Sub, r.Status, r.Summary)
		}
	}
}

// An auditor reads every page and export and is refused every change,
// which changes nothing; no form to change anything is offered.
func TestPCIScorecard_Auditor(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	officer, _ := env.officer(t)
	if res := attest(officer, url.Values{"sub": {"2.2.1"}, "statement": {"Hardening standard approved."}, "effective": {time.Now().UTC().Format("2006-01-02")}},
		evidenceFile{"standard.txt", "text/plain", []byte("CIS level 1")}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the officer's attestation = %d", res.StatusCode)
	}
	first, _ := env.assessPCI(t)
	second, _ := env.assessPCI(t)
	u := env.newUser(t, "auditor.pci", identity.Auditor)
	c := env.signIn(t, u)
	sub := c.Get("/pci/subs/2.2.1")
	att := sub.Doc.Find(`[data-testid=attestation-row] a`).First().AttrOr("href", "")
	file := sub.Doc.Find(`[data-testid=attestation-file]`).AttrOr("href", "")
	run := strconv.FormatInt(second.ID, 10)
	for _, path := range []string{"/pci", "/pci/runs", "/pci/runs?days=365", "/pci/runs/" + run, "/pci/runs/" + run + "/report", "/pci/runs/" + run + "/report.json",
		"/pci/runs/" + run + "/report.csv", "/pci/runs/compare?from=" + strconv.FormatInt(first.ID, 10) + "&to=" + run, "/pci/subs/2.2.1", att, file, "/pci/scans"} {
		res := c.Get(path)
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s = %d", path, res.StatusCode)
		}
		if res.Doc != nil && res.Doc.Find(`[data-testid=pci-run-now], [data-testid=attest-form], [data-testid=log-review-form], [data-testid=scan-form]`).Length() != 0 {
			t.Errorf("%s offers the auditor a form", path)
		}
	}
	if nav := c.Get("/").Doc.Find(`nav a[href="/pci"]`); nav.Text() != "PCI DSS" {
		t.Error("no PCI DSS entry in the auditor's navigation")
	}
	counts := func() string {
		return strconv.Itoa(env.count(t, `SELECT count(*) FROM pci_runs`)) + "/" + strconv.Itoa(env.count(t, `SELECT count(*) FROM pci_attestations`)) + "/" +
			strconv.Itoa(env.count(t, `SELECT count(*) FROM pci_scans`))
	}
	before := counts()
	for what, res := range map[string]webtest.Response{
		"run now":       c.Post("/pci/runs", nil),
		"record a scan": c.Post("/pci/scans", url.Values{"tool": {"govulncheck"}, "findings": {"0"}}),
		"attest":        attest(c, url.Values{"sub": {"2.2.1"}, "statement": {"Not mine to say."}, "effective": {time.Now().UTC().Format("2006-01-02")}}),
	} {
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s by an auditor = %d", what, res.StatusCode)
		}
	}
	if after := counts(); after != before {
		t.Fatalf("runs/attestations/scans %s → %s", before, after)
	}
}

// The API: a key with pci.manage records a scan (with an Idempotency-Key,
// as every POST); bad input and a key without the scope are refused and
// keep nothing.
func TestPCIAPI_RecordScan(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	key := env.apiKey(t, "pci.manage")
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	body := `{"tool": "govulncheck", "findings": 2, "scanned_at": "` + at.Format(time.RFC3339) + `", "report": "GO-2024-0001"}`
	res := env.call(t, http.MethodPost, "/api/v1/pci/scans", key, body, "Idempotency-Key", "scan-1", "Content-Type", "application/json")
	if res.StatusCode != http.StatusCreated || !strings.Contains(res.Body, `"object":"dependency_scan"`) || !strings.Contains(res.Body, `"findings":2`) {
		t.Fatalf("record a scan = %d %s", res.StatusCode, res.Body)
	}
	var tool, report string
	var findings int
	var scanned time.Time
	env.db.QueryRow(context.Background(), `SELECT tool, findings, at, report FROM pci_scans`).Scan(&tool, &findings, &scanned, &report)
	if tool != "govulncheck" || findings != 2 || !scanned.Equal(at) || report != "GO-2024-0001" {
		t.Fatalf("kept %s %d %s %q", tool, findings, scanned, report)
	}
	for name, bad := range map[string]string{
		"no findings":      `{"tool": "govulncheck"}`,
		"negative":         `{"tool": "govulncheck", "findings": -1}`,
		"no tool":          `{"tool": "", "findings": 0}`,
		"in the future":    `{"tool": "govulncheck", "findings": 0, "scanned_at": "` + time.Now().Add(time.Hour).UTC().Format(time.RFC3339) + `"}`,
		"an unknown field": `{"tool": "govulncheck", "findings": 0, "severity": "high"}`,
	} {
		if res := env.call(t, http.MethodPost, "/api/v1/pci/scans", key, bad, "Idempotency-Key", "bad-"+name, "Content-Type", "application/json"); res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s = %d %s", name, res.StatusCode, res.Body)
		}
	}
	if res := env.call(t, http.MethodPost, "/api/v1/pci/scans", key, `{"tool": "govulncheck", "findings": 0}`, "Content-Type", "application/json"); res.StatusCode != http.StatusBadRequest {
		t.Errorf("without an Idempotency-Key = %d", res.StatusCode)
	}
	reader := env.apiKey(t, "pci.read")
	if res := env.call(t, http.MethodPost, "/api/v1/pci/scans", reader, `{"tool": "govulncheck", "findings": 0}`, "Idempotency-Key", "r", "Content-Type", "application/json"); res.StatusCode != http.StatusForbidden {
		t.Errorf("a key with pci.read only = %d", res.StatusCode)
	}
	if n := env.count(t, `SELECT count(*) FROM pci_scans`); n != 1 {
		t.Fatalf("%d scans kept, want 1", n)
	}
}

// The scorecard follows finished runs live: its stream sends "run" on
// connecting when a run finished after the page was rendered, and again
// each time a run finishes.
func TestPCIScorecard_Live(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := newTestEnv(t)
	c, _ := env.officer(t)
	stream := c.Get("/pci").Doc.Find(`[sse-connect]`).AttrOr("sse-connect", "")
	if stream != "/pci/stream?run=0" {
		t.Fatalf("the scorecard follows %q", stream)
	}
	env.assessPCI(t) // after the page, before its stream
	next := env.followStream(ctx, t, c, postgres.PCIChannel, stream)
	if e := next(); e != "run" {
		t.Fatalf("on connecting after a run the stream sent %q", e)
	}
	env.assessPCI(t)
	if e := next(); e != "run" {
		t.Fatalf("after a run the stream sent %q", e)
	}
}
