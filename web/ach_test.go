package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/paycompliance/console/domain/ach"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/internal/wait"
	"github.com/paycompliance/console/web/webtest"
)

type apiBankAccount struct {
	ID, Object, Last4, Status string
	RoutingNumber             string `json:"routing_number"`
}

type apiTransfer struct {
	ID, Status, BankAccount string
	HoldReason              string `json:"hold_reason"`
	Amount                  int64
}

type apiPage[T any] struct {
	Data       []T
	HasMore    bool   `json:"has_more"`
	NextCursor string `json:"next_cursor"`
}

// The ACH API: a bank account comes back masked, never with its number; a
// retried call names the same account or transfer; bad input is a 400
// that says what to fix; transfers page by cursor; a transfer not yet in
// a file cancels once; a key without ACH scopes reaches nothing.
func TestACHAPI(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.loadList(t)
	key := env.apiKey(t, "ach.read", "ach.write")
	post := func(path, idem, body string) webtest.Response {
		return env.call(t, http.MethodPost, path, key, body, "Idempotency-Key", idem, "Content-Type", "application/json")
	}
	body := `{"customer": "cus-1", "holder_name": "Jane Ordinary", "holder_type": "individual", "type": "checking",
		"routing_number": "021000021", "account_number": "123456789012"}`
	res := post("/api/v1/bank-accounts", "acct-1", body)
	a := decode[apiBankAccount](t, res)
	if res.StatusCode != http.StatusCreated || a.Last4 != "9012" || a.Object != "bank_account" || strings.Contains(res.Body, "123456789012") {
		t.Fatalf("add account = %d %s", res.StatusCode, res.Body)
	}
	if again := post("/api/v1/bank-accounts", "acct-1", body); decode[apiBankAccount](t, again).ID != a.ID {
		t.Fatalf("a retry made another account: %s", again.Body)
	}
	bad := post("/api/v1/bank-accounts", "acct-2", strings.Replace(body, "021000021", "021000022", 1))
	if bad.StatusCode != http.StatusBadRequest || errorCode(t, bad) != "invalid" || !strings.Contains(bad.Body, "check digit") {
		t.Fatalf("a mistyped routing number = %d %s", bad.StatusCode, bad.Body)
	}
	if dup := post("/api/v1/bank-accounts", "acct-3", body); dup.StatusCode != http.StatusConflict {
		t.Fatalf("the same account twice for a customer = %d %s", dup.StatusCode, dup.Body)
	}

	var ids []string
	transfer := func(cents int64) string {
		return `{"bank_account": "` + a.ID + `", "direction": "credit", "amount": ` + itoa64(cents) + `, "sec_code": "PPD", "description": "PAYOUT"}`
	}
	for i, cents := range []int64{1500, 2500, 3500} {
		res := post("/api/v1/transfers", "tr-"+itoa64(int64(i)), transfer(cents))
		tr := decode[apiTransfer](t, res)
		if res.StatusCode != http.StatusCreated || tr.Status != "approved" || tr.Amount != cents {
			t.Fatalf("create transfer = %d %s", res.StatusCode, res.Body)
		}
		ids = append(ids, tr.ID)
	}
	if again := post("/api/v1/transfers", "tr-0", transfer(1500)); decode[apiTransfer](t, again).ID != ids[0] {
		t.Fatal("a retried transfer made a second one")
	}
	for name, b := range map[string]string{
		"no amount":  `{"bank_account": "` + a.ID + `", "direction": "credit", "sec_code": "PPD", "description": "PAYOUT"}`,
		"CCD":        `{"bank_account": "` + a.ID + `", "direction": "credit", "amount": 100, "sec_code": "CCD", "description": "PAYOUT"}`,
		"WEB debit":  `{"bank_account": "` + a.ID + `", "direction": "debit", "amount": 100, "sec_code": "WEB", "description": "PAYOUT"}`,
		"over limit": `{"bank_account": "` + a.ID + `", "direction": "credit", "amount": 2500001, "sec_code": "PPD", "description": "PAYOUT"}`,
	} {
		if res := post("/api/v1/transfers", "bad-"+name, b); res.StatusCode != http.StatusBadRequest || errorCode(t, res) != "invalid" {
			t.Errorf("%s = %d %s", name, res.StatusCode, res.Body)
		}
	}
	first := env.call(t, http.MethodGet, "/api/v1/transfers?limit=2", key, "")
	page := decode[apiPage[apiTransfer]](t, first)
	if len(page.Data) != 2 || !page.HasMore || page.Data[0].ID != ids[2] {
		t.Fatalf("first page %s", first.Body)
	}
	rest := decode[apiPage[apiTransfer]](t, env.call(t, http.MethodGet, "/api/v1/transfers?limit=2&starting_after="+page.NextCursor, key, ""))
	if len(rest.Data) != 1 || rest.HasMore || rest.Data[0].ID != ids[0] {
		t.Fatalf("second page %+v", rest)
	}
	if res := post("/api/v1/transfers/"+ids[1]+"/cancel", "cancel-1", `{"reason": "customer asked"}`); decode[apiTransfer](t, res).Status != "canceled" {
		t.Fatalf("cancel = %d %s", res.StatusCode, res.Body)
	}
	if res := post("/api/v1/transfers/"+ids[1]+"/cancel", "cancel-2", ``); res.StatusCode != http.StatusConflict {
		t.Fatalf("canceling twice = %d %s", res.StatusCode, res.Body)
	}
	other := env.apiKey(t, "payments.read")
	if res := env.call(t, http.MethodGet, "/api/v1/transfers", other, ""); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a key without ACH scopes = %d", res.StatusCode)
	}
}

// A NACHA file holds account numbers: its download asks for a fresh code
// first, is served as an attachment and is recorded; its page shows the
// batches without them.
func TestACH_FileDownloadNeedsStepUp(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.loadList(t)
	u := env.newUser(t, "op.files", identity.Operator)
	c := env.signIn(t, u)
	ctx := identity.WithServiceCaller(context.Background(), audit.Actor{Type: audit.ActorUser, ID: u.Username}, identity.PermACHWrite, identity.PermACHFiles)
	a, err := env.ach.AddAccount(ctx, ach.NewAccount{RequestRef: "a", CustomerRef: "cus-f", HolderName: "Jane Ordinary", HolderType: ach.Person,
		Type: ach.Checking, Routing: "021000021", AccountNumber: "5550001234"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.ach.CreateTransfer(ctx, ach.NewTransfer{RequestRef: "t", Account: a.PublicID, Direction: ach.Credit, Amount: 4200, SEC: ach.PPD, Description: "PAYOUT"}); err != nil {
		t.Fatal(err)
	}
	f, made, err := env.ach.ForceCutoff(ctx)
	if err != nil || !made {
		t.Fatalf("cutoff: %v", err)
	}
	path := "/ach/files/" + itoa64(f.ID)
	if page := c.Get(path); page.StatusCode != http.StatusOK || strings.Contains(page.Body, "5550001234") || page.Text("[data-testid=batches]") == "" {
		t.Fatalf("the file's page = %d, or it shows the account number", page.StatusCode)
	}
	res := c.Get(path + "/download")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/stepup?next=") {
		t.Fatalf("download without a fresh code = %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	env.stepUp(t, c, u)
	res = c.Get(path + "/download")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") ||
		!strings.HasPrefix(res.Body, "101 ") || !strings.Contains(res.Body, "5550001234") {
		t.Fatalf("download after a step-up = %d %q", res.StatusCode, res.Header.Get("Content-Disposition"))
	}
	if n := env.count(t, `SELECT count(*) FROM audit_outbox WHERE audit_field(entry, '{action}') = 'ach.file.downloaded'`); n != 1 {
		t.Fatalf("%d download records", n)
	}
}

// An uploaded file moov-io/ach refuses is shown with its reason and
// changes nothing but the record of the refusal.
func TestACH_UploadOfARefusedFile(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	u := env.newUser(t, "op.returns", identity.Operator)
	c := env.signIn(t, u)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "returns.ach")
	fw.Write([]byte("101 this is not a NACHA file\n"))
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/ach/returns", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res := c.Do(req)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Text("[data-testid=returns-error]"), "The file was refused") {
		t.Fatalf("upload of a bad file = %d %s", res.StatusCode, res.Text("[data-testid=returns-error]"))
	}
	if n := env.count(t, `SELECT count(*) FROM ach_inbound WHERE status = 'applied'`); n != 0 {
		t.Fatalf("%d files applied", n)
	}
	if n := env.count(t, `SELECT count(*) FROM ach_inbound WHERE status = 'rejected'`); n != 1 {
		t.Fatalf("the refusal was not recorded (%d)", n)
	}
}

// The case queue: a hit on a new account's holder opens a case the
// officer sees; deciding asks for a fresh code (htmx is told, the form
// kept) and then a confirmation; an attachment comes back only as a
// download of opaque bytes.
func TestCases_Console(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.loadList(t)
	ctx := identity.WithServiceCaller(context.Background(), audit.Actor{Type: audit.ActorUser, ID: "op"}, identity.PermACHWrite)
	a, err := env.ach.AddAccount(ctx, ach.NewAccount{RequestRef: "a", CustomerRef: "cus-v", HolderName: testSanctioned, HolderType: ach.Person,
		Type: ach.Checking, Routing: "021000021", AccountNumber: "5550001234"})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := env.ach.CreateTransfer(ctx, ach.NewTransfer{RequestRef: "t", Account: a.PublicID, Direction: ach.Credit, Amount: 4200, SEC: ach.PPD, Description: "PAYOUT"})
	if err != nil || tr.Status != ach.Held || tr.CaseID == 0 {
		t.Fatalf("transfer to a designee = %+v, %v", tr, err)
	}
	c, officer := env.officer(t)
	queue := c.Get("/cases")
	if !strings.Contains(queue.Text("[data-testid=cases]"), testSanctioned) {
		t.Fatalf("the queue: %s", queue.Text("main"))
	}
	casePath := "/cases/" + itoa64(tr.CaseID)
	page := c.Get(casePath)
	if got := page.Text("[data-testid=hit-entry-name]"); got != "SANCTIONOV, Viktor" {
		t.Fatalf("the hit shows %q", got)
	}
	env.newUser(t, "op.notofficer", identity.Operator)
	for who, ok := range map[string]bool{"nobody.here": false, "op.notofficer": false, officer.Username: true} {
		res := c.Post(casePath+"/assign", url.Values{"username": {who}})
		if (res.StatusCode == http.StatusSeeOther) != ok {
			t.Errorf("assigning to %s = %d %s", who, res.StatusCode, res.Text("[data-testid=case-error]"))
		}
	}
	reviewed := c.Get(casePath).Doc.Find(`input[name=reviewed]`).AttrOr("value", "")
	form := url.Values{"decision": {"false_positive"}, "reason": {"Another person: born 1990"}, "until": {"2099-01-01"}, "reviewed": {reviewed}}
	if res := c.Post(casePath+"/decide", form, "HX-Request", "true"); res.Header.Get("X-Step-Up") != "required" {
		t.Fatalf("deciding without a fresh code = %d, X-Step-Up %q", res.StatusCode, res.Header.Get("X-Step-Up"))
	}
	env.stepUp(t, c, officer)
	res := c.Post(casePath+"/decide", form, "HX-Request", "true")
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Text("[data-testid=case-error]"), "within a year") {
		t.Fatalf("a whitelist for 75 years = %d %s", res.StatusCode, res.Text("[data-testid=case-error]"))
	}
	form.Set("until", env.clock.Now().AddDate(0, 3, 0).Format("2006-01-02"))
	res = c.Post(casePath+"/decide", form, "HX-Request", "true")
	if !strings.Contains(res.Text("[data-testid=decide-confirm-text]"), "False positive") {
		t.Fatalf("the decision was not confirmed first: %s", res.Text("main"))
	}
	if d, _ := env.ach.Transfer(identity.WithServiceCaller(context.Background(), audit.Actor{ID: "x"}, identity.PermACHRead), tr.PublicID); d.Transfer.Status != ach.Held {
		t.Fatal("the transfer moved before the decision was confirmed")
	}
	form.Set("confirmed", "yes")
	if res := c.Post(casePath+"/decide", form, "HX-Request", "true"); res.Header.Get("HX-Redirect") != casePath+"?notice=decided" {
		t.Fatalf("confirmed decision = %d %s", res.StatusCode, res.Text("main"))
	}
	wait.For(t, "the held transfer did not go on", func() bool {
		d, _ := env.ach.Transfer(identity.WithServiceCaller(context.Background(), audit.Actor{ID: "x"}, identity.PermACHRead), tr.PublicID)
		return d.Transfer.Status == ach.Approved
	})

	// Attachments go with open cases; this one is decided, so a new hit's.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "statement.html")
	fw.Write([]byte("<script>alert(1)</script>"))
	mw.Close()
	other, err := env.ach.AddAccount(ctx, ach.NewAccount{RequestRef: "b", CustomerRef: "cus-w", HolderName: "Viktor Sanctionov", HolderType: ach.Person,
		Type: ach.Checking, Routing: "021000021", AccountNumber: "5550009999"})
	if err != nil {
		t.Fatal(err)
	}
	second, _ := env.ach.CreateTransfer(ctx, ach.NewTransfer{RequestRef: "t2", Account: other.PublicID, Direction: ach.Credit, Amount: 100, SEC: ach.PPD, Description: "PAYOUT"})
	req := httptest.NewRequest(http.MethodPost, "/cases/"+itoa64(second.CaseID)+"/attachments", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if res := c.Do(req); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("attach = %d %s", res.StatusCode, res.Text("main"))
	}
	var attachment int64
	env.db.QueryRow(context.Background(), `SELECT id FROM case_attachments WHERE case_id = $1`, second.CaseID).Scan(&attachment)
	dl := c.Get("/cases/" + itoa64(second.CaseID) + "/attachments/" + itoa64(attachment))
	if dl.Header.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") ||
		dl.Body != "<script>alert(1)</script>" {
		t.Fatalf("the attachment is served as %q, %q", dl.Header.Get("Content-Type"), dl.Header.Get("Content-Disposition"))
	}
}

// An ad-hoc search finds the designee by a variant of the name and is
// recorded with the name asked; without a list it says screening cannot
// run rather than finding nothing, and that is recorded too.
func TestScreening_Search(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c, _ := env.officer(t)
	res := c.Post("/screening/search", url.Values{"name": {"Viktor Sanctionov"}}, "HX-Request", "true")
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Text("[data-testid=search-error]"), "fails closed") {
		t.Fatalf("a search with no list = %d %s", res.StatusCode, res.Text("#search-panel"))
	}
	env.loadList(t)
	res = c.Post("/screening/search", url.Values{"name": {"viktor SANCTIONOV"}, "type": {"individual"}}, "HX-Request", "true")
	if !strings.Contains(res.Text("[data-testid=search-results]"), "SANCTIONOV, Viktor") {
		t.Fatalf("the search found %s", res.Text("#search-panel"))
	}
	if res := c.Post("/screening/search", url.Values{"name": {"Jane Ordinary"}}, "HX-Request", "true"); res.Text("[data-testid=search-none]") == "" {
		t.Fatalf("a clean name: %s", res.Text("#search-panel"))
	}
	if n := env.count(t, `SELECT count(*) FROM audit_outbox WHERE audit_field(entry, '{action}') = 'screening.search'`); n != 3 {
		t.Fatalf("%d searches recorded, want 3 (the refused one too)", n)
	}
	if page := c.Get("/screening"); !strings.Contains(page.Text("[data-testid=versions]"), "active") {
		t.Fatalf("the versions: %s", page.Text("main"))
	}
}
