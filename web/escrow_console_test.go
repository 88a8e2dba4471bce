package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/escrow"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/internal/wait"
	"github.com/paycompliance/console/web/webtest"
)

// consoleEscrow is an escrow an operator opened, funded and asked a
// release of through the console's own forms, with a 2-of-3 policy over
// three escrow approvers.
type consoleEscrow struct {
	op        testUser
	opc       *webtest.Client
	approvers [3]testUser
	escrow    string // public ids
	release   string
}

// openEscrowInConsole makes a consoleEscrow: each step is the form a person
// would submit, checked for its redirect.
func (env *testEnv) openEscrowInConsole(t *testing.T) consoleEscrow {
	t.Helper()
	f := consoleEscrow{op: env.newUser(t, "esc.operator", identity.Operator)}
	for i, name := range []string{"ap.ben", "ap.priya", "ap.tomas"} {
		f.approvers[i] = env.newUser(t, name, identity.EscrowApprover)
	}
	f.opc = env.signIn(t, f.op)
	form := f.opc.Get("/escrow/new")
	nonce := form.Doc.Find(`[data-testid=escrow-form] input[name=nonce]`).AttrOr("value", "")
	res := f.opc.Post("/escrow", url.Values{"nonce": {nonce}, "payer_ref": {"cus-buyer"}, "payer_name": {"Acme Buyer"},
		"payee_name": {"Jane Ordinary"}, "payee_type": {"individual"}, "payee_kind": {"stripe_account"}, "payee_account": {"acct_1032D82eZvKYlo2C"},
		"currency": {"usd"}, "conditions": {"Goods delivered and inspected"}, "group_name_1": {"approvers"}, "group_threshold_1": {"2"},
		"group_members_1": {"ap.ben, ap.priya, ap.tomas"}, "ttl_hours": {"72"}, "max_release": {"400.00"}})
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/escrow/esc_") {
		t.Fatalf("open = %d %s %s", res.StatusCode, loc, res.Text("[data-testid=escrow-error]"))
	}
	f.escrow = strings.TrimPrefix(strings.Split(loc, "?")[0], "/escrow/")
	pay := env.succeededPayment(t, "escrow-deposit", "cus-buyer", 50_000)
	if res := f.opc.Post("/escrow/"+f.escrow+"/fund", url.Values{"source": {pay}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("fund = %d %s", res.StatusCode, res.Text("[data-testid=fund-error]"))
	}
	page := f.opc.Get("/escrow/" + f.escrow)
	if got := page.Text("[data-testid=balance-available]"); got != "500.00 USD" {
		t.Fatalf("after funding the escrow has %q available", got)
	}
	nonce = page.Doc.Find(`[data-testid=release-form] input[name=nonce]`).AttrOr("value", "")
	res = f.opc.Post("/escrow/"+f.escrow+"/releases", url.Values{"nonce": {nonce}, "amount": {"120.00"}, "reason": {"Milestone one delivered"}})
	loc = res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/escrow/releases/rel_") {
		t.Fatalf("request = %d %s %s", res.StatusCode, loc, res.Text("[data-testid=release-error]"))
	}
	f.release = strings.TrimPrefix(strings.Split(loc, "?")[0], "/escrow/releases/")
	return f
}

func (f consoleEscrow) releasePath() string { return "/escrow/releases/" + f.release }

// approve signs the release as c's user would: the hash the page shows,
// and code.
func (f consoleEscrow) approve(c *webtest.Client, hash, code string) webtest.Response {
	return c.Post(f.releasePath()+"/approve", url.Values{"payload_hash": {hash}, "code": {code}})
}

func (env *testEnv) approvals(t *testing.T, release string) int {
	return env.count(t, `SELECT count(*) FROM escrow_approvals a JOIN escrow_releases r ON r.id = a.release_id WHERE r.public_id = $1`, release)
}

// The requester sees no approve button and is refused by the endpoint,
// with nothing recorded; so is a role that may read escrows but not sign
// them; an approver's page offers the signature, and their inbox and
// overview show what awaits them.
func TestEscrowConsole_OnlyApproversSign(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	f := env.openEscrowInConsole(t)
	own := f.opc.Get(f.releasePath())
	if own.StatusCode != http.StatusOK || own.Doc.Find(`[data-testid=approve-submit]`).Length() != 0 {
		t.Fatalf("the requester's page = %d, approve button present: %v", own.StatusCode, own.Doc.Find(`[data-testid=approve-submit]`).Length() != 0)
	}
	if got := own.Text("[data-testid=approve-unavailable]"); !strings.Contains(got, "You requested this release") {
		t.Fatalf("the requester is told %q", got)
	}
	hash := own.Text("[data-testid=payload-hash]")
	if res := f.approve(f.opc, hash, env.code(f.op)); res.StatusCode != http.StatusForbidden {
		t.Fatalf("the requester's approval = %d %s", res.StatusCode, res.Text("main"))
	}
	officer, _ := env.officer(t)
	if res := f.approve(officer, hash, "123456"); res.StatusCode != http.StatusForbidden || !strings.Contains(res.Body, "Your roles do not allow") {
		t.Fatalf("a compliance officer's approval = %d", res.StatusCode)
	}
	if page := officer.Get(f.releasePath()); page.StatusCode != http.StatusOK || page.Doc.Find(`[data-testid=approve-submit]`).Length() != 0 {
		t.Fatalf("the officer's view of the release = %d, with an approve button", page.StatusCode)
	}
	reviewer := env.signIn(t, env.newUser(t, "fraud.only", identity.FraudReviewer))
	if res := reviewer.Get(f.releasePath()); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a fraud reviewer reading the release = %d", res.StatusCode)
	}
	if n := env.approvals(t, f.release); n != 0 {
		t.Fatalf("%d approvals recorded", n)
	}
	if n := env.count(t, `SELECT count(*) FROM audit_outbox WHERE audit_field(entry, '{action}') = 'escrow.release.approved'`); n != 0 {
		t.Fatalf("%d approvals audited", n)
	}

	ben := env.signIn(t, f.approvers[0])
	page := ben.Get(f.releasePath())
	if page.Doc.Find(`[data-testid=approve-submit]`).Length() != 1 || page.Doc.Find(`[data-testid=approve-hash]`).AttrOr("value", "") != hash {
		t.Fatalf("the approver's page has no approve form over the payload: %s", page.Text("#release-actions"))
	}
	if got := page.Text(`[data-group=approvers] [data-testid=group-progress-text]`); got != "0 of 2 signatures" {
		t.Fatalf("progress reads %q", got)
	}
	if inbox := ben.Get("/escrow"); !strings.Contains(inbox.Text("[data-testid=inbox]"), f.release) || !strings.Contains(inbox.Text("[data-testid=inbox]"), "120.00 USD") {
		t.Fatalf("the approver's inbox: %s", inbox.Text("#escrow-inbox"))
	}
	if home := ben.Get("/"); !strings.Contains(home.Text("[data-testid=widget-escrow-waiting]"), "1 release awaits your signature") {
		t.Fatalf("the overview says %q", home.Text("[data-testid=widget-escrow]"))
	}
	if inbox := f.opc.Get("/escrow"); inbox.Doc.Find(`[data-testid=escrow-inbox]`).Length() != 0 || !strings.Contains(inbox.Text("[data-testid=escrows]"), f.escrow) {
		t.Fatalf("the operator's escrow page: %s", inbox.Text("main"))
	}
}

// A code spent already (here, at sign-in) signs nothing; a fresh one signs
// once, and the approver's form is gone.
func TestEscrowConsole_ReusedCodeRefused(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	f := env.openEscrowInConsole(t)
	ben := env.signIn(t, f.approvers[0])
	spent := identity.TOTPCode(f.approvers[0].TOTPSecret, env.clock.Now()) // the sign-in's code
	hash := ben.Get(f.releasePath()).Text("[data-testid=payload-hash]")
	res := f.approve(ben, hash, spent)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Text("[data-testid=release-action-error]"), "not accepted") {
		t.Fatalf("approval with a spent code = %d %s", res.StatusCode, res.Text("[data-testid=release-action-error]"))
	}
	if n := env.approvals(t, f.release); n != 0 {
		t.Fatalf("a spent code signed: %d approvals", n)
	}
	if res := f.approve(ben, hash, env.code(f.approvers[0])); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != f.releasePath()+"?notice=signed" {
		t.Fatalf("approval with a fresh code = %d %s", res.StatusCode, res.Text("main"))
	}
	page := ben.Get(f.releasePath())
	if got := page.Text(`[data-testid=group-progress-text]`); got != "1 of 2 signatures" || page.Doc.Find(`[data-testid=approve-submit]`).Length() != 0 {
		t.Fatalf("after signing: progress %q, approve button %d", got, page.Doc.Find(`[data-testid=approve-submit]`).Length())
	}
	if got := page.Text(`[data-approver="ap.ben"] [data-testid=approval-counts]`); got != "counts" {
		t.Fatalf("the signature reads %q", got)
	}
	if n := env.approvals(t, f.release); n != 1 {
		t.Fatalf("%d approvals", n)
	}
}

// A signature is over the payload the approver read: once a policy change
// rebinds the request (a new payload), the old hash is refused with 409
// and nothing is signed; the page read again signs.
func TestEscrowConsole_StalePayloadRefused(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	f := env.openEscrowInConsole(t)
	ben := env.signIn(t, f.approvers[0])
	stale := ben.Get(f.releasePath()).Text("[data-testid=payload-hash]")

	res := f.opc.Post("/escrow/"+f.escrow+"/policies", url.Values{"group_name_1": {"approvers"}, "group_threshold_1": {"2"},
		"group_members_1": {"ap.ben, ap.priya, ap.tomas"}, "ttl_hours": {"48"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("propose = %d %s", res.StatusCode, res.Text("[data-testid=policy-error]"))
	}
	priya := env.signIn(t, f.approvers[1])
	if page := priya.Get("/escrow/" + f.escrow); page.Doc.Find(`[data-testid=decide-approve]`).Length() != 1 {
		t.Fatalf("the approver is not offered the decision: %s", page.Text("#escrow-policy"))
	}
	res = priya.Post("/escrow/"+f.escrow+"/policies/2/decide", url.Values{"decision": {"approve"}, "code": {env.code(f.approvers[1])}})
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "notice=activated") {
		t.Fatalf("decide = %d %s", res.StatusCode, res.Text("[data-testid=decide-error]"))
	}
	tomas := env.signIn(t, f.approvers[2]) // too late: the version is decided, and the page says so
	res = tomas.Post("/escrow/"+f.escrow+"/policies/2/decide", url.Values{"decision": {"reject"}, "code": {env.code(f.approvers[2])}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(res.Text("[data-testid=decide-error]"), "not waiting") {
		t.Fatalf("deciding a decided version = %d %q", res.StatusCode, res.Text("[data-testid=decide-error]"))
	}

	res = f.approve(ben, stale, env.code(f.approvers[0]))
	if res.StatusCode != http.StatusConflict || !strings.Contains(res.Text("[data-testid=release-action-error]"), "changed after you read it") {
		t.Fatalf("approval over the old payload = %d %s", res.StatusCode, res.Text("[data-testid=release-action-error]"))
	}
	if n := env.approvals(t, f.release); n != 0 {
		t.Fatalf("the old payload was signed: %d approvals", n)
	}
	fresh := res.Text("[data-testid=payload-hash]") // the refusal shows the request as it is now
	if fresh == stale || len(fresh) != 64 {
		t.Fatalf("the payload did not change with the policy: %q", fresh)
	}
	if res := f.approve(ben, fresh, env.code(f.approvers[0])); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approval over the new payload = %d %s", res.StatusCode, res.Text("[data-testid=release-action-error]"))
	}
}

// Two of three sign (the third finds nothing left to sign), the release
// is paid by its job, and its certificate, as downloaded, verifies.
func TestEscrowConsole_TwoOfThreePaidAndCertified(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.loadList(t) // the payee is screened before the payout, failing closed
	f := env.openEscrowInConsole(t)
	for i, u := range f.approvers[:2] {
		c := env.signIn(t, u)
		hash := c.Get(f.releasePath()).Text("[data-testid=payload-hash]")
		want := []string{"signed", "complete"}[i]
		if res := f.approve(c, hash, env.code(u)); res.Header.Get("Location") != f.releasePath()+"?notice="+want {
			t.Fatalf("%s's approval = %d %s %s", u.Username, res.StatusCode, res.Header.Get("Location"), res.Text("main"))
		}
	}
	ctx := identity.WithServiceCaller(context.Background(), audit.Actor{Type: audit.ActorUser, ID: "reader"}, identity.PermEscrowRead)
	wait.For(t, "the approved release was not paid", func() bool {
		v, err := env.escrow.Release(ctx, f.release)
		return err == nil && v.Release.Status == escrow.Executed
	})
	tomas := env.signIn(t, f.approvers[2])
	page := tomas.Get(f.releasePath())
	if page.Text("[data-testid=release-status]") != "executed" || page.Doc.Find(`[data-testid=approve-submit]`).Length() != 0 ||
		page.Doc.Find(`[data-testid=reject-release]`).Length() != 0 {
		t.Fatalf("the paid release offers actions or reads %q", page.Text("[data-testid=release-status]"))
	}
	link := page.Doc.Find(`[data-testid=certificate-link]`).AttrOr("href", "")
	if cert := tomas.Get(link); cert.StatusCode != http.StatusOK || cert.Doc.Find(`[data-testid=certificate-verified]`).Length() != 1 ||
		cert.Doc.Find(`[data-testid=certificate-approval]`).Length() != 2 {
		t.Fatalf("the certificate page = %d %s", cert.StatusCode, cert.Text("main"))
	}
	file := tomas.Get(link + ".json")
	if file.StatusCode != http.StatusOK || !strings.HasPrefix(file.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("the certificate download = %d %q", file.StatusCode, file.Header.Get("Content-Disposition"))
	}
	c, err := escrow.VerifyCertificate([]byte(file.Body))
	if err != nil {
		t.Fatalf("the downloaded certificate does not verify: %v", err)
	}
	if len(c.Approvals) != 2 || c.Approvals[0].Approver != "ap.ben" || c.Approvals[1].Approver != "ap.priya" || c.RequestedBy != f.op.Username {
		t.Fatalf("the certificate names %+v, requested by %s", c.Approvals, c.RequestedBy)
	}
	if n := env.count(t, `SELECT count(*) FROM audit_outbox WHERE audit_field(entry, '{action}') = 'escrow.certificate.issued'`); n != 2 {
		t.Fatalf("%d certificate issues recorded, want 2 (the page and the file)", n)
	}
}

// Bad input shows what to fix on the form, as typed, and changes nothing;
// a veto asks for confirmation first, then ends the request and frees its
// amount.
func TestEscrowConsole_RefusalsAndVeto(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	f := env.openEscrowInConsole(t)
	escrows := env.count(t, `SELECT count(*) FROM escrows`)
	nonce := f.opc.Get("/escrow/new").Doc.Find(`input[name=nonce]`).AttrOr("value", "")
	bad := url.Values{"nonce": {nonce}, "payer_ref": {"cus-x"}, "payer_name": {"X Buyer"}, "payee_name": {"Jane Ordinary"},
		"payee_type": {"individual"}, "payee_kind": {"stripe_account"}, "payee_account": {"acct_1032D82eZvKYlo2C"}, "currency": {"USD"},
		"group_name_1": {"approvers"}, "group_threshold_1": {"3"}, "group_members_1": {"ap.ben, ap.priya"}}
	for name, tweak := range map[string]func(url.Values){
		"threshold above the group": func(url.Values) {},
		"no group":                  func(v url.Values) { v.Del("group_name_1"); v.Del("group_members_1") },
		"a time lock that is not":   func(v url.Values) { v.Set("group_threshold_1", "2"); v.Set("time_lock", "tomorrow") },
		"a bank account by acct_":   func(v url.Values) { v.Set("group_threshold_1", "2"); v.Set("payee_kind", "bank_account") },
	} {
		form := url.Values{}
		for k, vs := range bad {
			form[k] = append([]string(nil), vs...)
		}
		tweak(form)
		res := f.opc.Post("/escrow", form)
		if res.StatusCode != http.StatusUnprocessableEntity || res.Text("[data-testid=escrow-error]") == "" ||
			res.Doc.Find(`#e-payer-name`).AttrOr("value", "") != "X Buyer" {
			t.Errorf("%s = %d %q", name, res.StatusCode, res.Text("[data-testid=escrow-error]"))
		}
	}
	if n := env.count(t, `SELECT count(*) FROM escrows`); n != escrows {
		t.Fatalf("refused forms opened %d escrows", n-escrows)
	}
	path := "/escrow/" + f.escrow
	if res := f.opc.Post(path+"/fund", url.Values{"source": {"pi_nosuchpayment"}}); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(res.Text("[data-testid=fund-error]"), "pi_nosuchpayment") {
		t.Fatalf("funding from nothing = %d %s", res.StatusCode, res.Text("[data-testid=fund-error]"))
	}
	nonce = f.opc.Get(path).Doc.Find(`[data-testid=release-form] input[name=nonce]`).AttrOr("value", "")
	for amount, want := range map[string]string{"12.345": "not an amount", "390.00": "Only 380.00 USD is available", "0": "more than zero"} {
		res := f.opc.Post(path+"/releases", url.Values{"nonce": {nonce}, "amount": {amount}, "reason": {"Another milestone"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Text("[data-testid=release-error]"), want) ||
			res.Doc.Find(`#release-amount`).AttrOr("value", "") != amount {
			t.Errorf("a release of %s = %d %q", amount, res.StatusCode, res.Text("[data-testid=release-error]"))
		}
	}
	if n := env.count(t, `SELECT count(*) FROM escrow_releases`); n != 1 {
		t.Fatalf("%d releases after the refusals", n)
	}

	tomas := env.signIn(t, f.approvers[2])
	confirm := tomas.Post(f.releasePath()+"/reject", url.Values{})
	if !strings.Contains(confirm.Text("[data-testid=reject-confirm-text]"), "final") {
		t.Fatalf("the veto was not confirmed first: %s", confirm.Text("#release-actions"))
	}
	short := url.Values{"confirmed": {"yes"}, "reason": {"no"}, "code": {env.code(f.approvers[2])}}
	if res := tomas.Post(f.releasePath()+"/reject", short); res.StatusCode != http.StatusUnprocessableEntity ||
		res.Doc.Find(`[data-testid=reject-confirm]`).Length() != 1 {
		t.Fatalf("a veto without a reason = %d %s", res.StatusCode, res.Text("#release-actions"))
	}
	veto := url.Values{"confirmed": {"yes"}, "reason": {"The goods were not as described"}, "code": {env.code(f.approvers[2])}}
	if res := tomas.Post(f.releasePath()+"/reject", veto); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("veto = %d %s", res.StatusCode, res.Text("[data-testid=release-action-error]"))
	}
	page := tomas.Get(f.releasePath())
	if page.Text("[data-testid=release-status]") != "rejected" || page.Doc.Find(`[data-testid=approve-submit]`).Length() != 0 {
		t.Fatalf("after the veto the release reads %q", page.Text("[data-testid=release-status]"))
	}
	if got := f.opc.Get(path).Text("[data-testid=balance-available]"); got != "500.00 USD" {
		t.Fatalf("after the veto %q is available", got)
	}
}
