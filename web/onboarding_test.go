package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/web/webtest"
)

// An administrator invites someone; their first sign-in spends the
// temporary password, sets up TOTP (the code that confirms it cannot sign
// in later), shows recovery codes once, and forces a password of their own
// that the policy accepts.
func TestOnboarding_FirstSignIn(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	admin := env.newUser(t, "inviter", identity.Administrator)
	ac := env.signIn(t, admin)
	created := ac.Post("/admin/users", url.Values{"username": {"New.Hire"}, "name": {"New Hire"}, "email": {"new.hire@example.test"}}, "HX-Request", "true")
	temp := created.Text("[data-testid=temporary-password]")
	if created.StatusCode != http.StatusCreated || identity.CheckPassword(temp, "") != nil {
		t.Fatalf("invite = %d, temporary password %q", created.StatusCode, temp)
	}
	if res := ac.Post("/admin/users", url.Values{"username": {"new.hire"}, "name": {"Again"}, "email": {"other@example.test"}}, "HX-Request", "true"); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a second user with the same username = %d, want 422", res.StatusCode)
	}

	c := webtest.NewClient(t, env.srv.Handler())
	res := c.Post("/login", url.Values{"username": {"new.hire"}, "password": {temp}})
	if res.Header.Get("Location") != "/login/enroll" {
		t.Fatalf("first sign-in goes to %q, want /login/enroll", res.Header.Get("Location"))
	}
	if res := webtest.NewClient(t, env.srv.Handler()).Post("/login", url.Values{"username": {"new.hire"}, "password": {temp}}); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the temporary password worked twice: %d", res.StatusCode)
	}
	env.csrf(c)
	for _, path := range []string{"/", "/account", "/account/password", "/login/mfa"} {
		if res := c.Get(path); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login/") {
			t.Errorf("before enrollment GET %s = %d %q, want back to sign-in", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
	setup := c.Post("/login/enroll", nil)
	secret := setup.Text("[data-testid=enroll-secret]")
	if setup.StatusCode != http.StatusOK || len(secret) != 32 || setup.Doc.Find("img[data-testid=enroll-qr]").Length() != 1 {
		t.Fatalf("enrollment page = %d, secret %q", setup.StatusCode, secret)
	}
	qr := c.Get("/login/enroll/qr.png")
	if qr.StatusCode != http.StatusOK || qr.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(qr.Body, "\x89PNG") {
		t.Fatalf("QR code = %d %s", qr.StatusCode, qr.Header.Get("Content-Type"))
	}
	if res := c.Post("/login/enroll/confirm", url.Values{"code": {"000000"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a wrong enrollment code = %d", res.StatusCode)
	}
	env.clock.Advance(30 * 1e9)
	enrollCode := identity.TOTPCode(secret, env.clock.Now())
	done := c.Post("/login/enroll/confirm", url.Values{"code": {enrollCode}})
	codes := done.Doc.Find("[data-testid=recovery-codes] li")
	if done.StatusCode != http.StatusOK || codes.Length() != identity.RecoveryCodeCount {
		t.Fatalf("confirm = %d with %d recovery codes", done.StatusCode, codes.Length())
	}
	recovery := codes.First().Text()
	env.csrf(c)
	if res := c.Get("/"); res.Header.Get("Location") != "/account/password" {
		t.Fatalf("after enrollment GET / = %d %q, want the forced password change", res.StatusCode, res.Header.Get("Location"))
	}
	form := c.Get("/account/password")
	if form.Doc.Find("[data-testid=password-required]").Length() != 1 || form.Doc.Find("#current").Length() != 0 {
		t.Fatal("the forced change asks for the spent temporary password")
	}
	for _, bad := range []string{"short1", "password1234", "nodigitsatallhere", "new.hire is 2026 great"} {
		if res := c.Post("/account/password", url.Values{"new": {bad}}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("password %q accepted (%d)", bad, res.StatusCode)
		}
	}
	passphrase := "my own passphrase of sixty four bytes or more: 1 2 3 4 5 6 7 8!"
	if res := c.Post("/account/password", url.Values{"new": {passphrase}}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("a 64-byte passphrase = %d %s", res.StatusCode, res.Text("[data-testid=password-error]"))
	}
	env.csrf(c)
	if res := c.Get("/"); res.StatusCode != http.StatusOK {
		t.Fatalf("after the change GET / = %d", res.StatusCode)
	}
	c.Post("/logout", nil)

	// The code that confirmed the enrollment does not sign in.
	again := webtest.NewClient(t, env.srv.Handler())
	again.Post("/login", url.Values{"username": {"new.hire"}, "password": {passphrase}})
	env.csrf(again)
	if res := again.Post("/login/mfa", url.Values{"code": {enrollCode}}); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the enrollment code signed in: %d", res.StatusCode)
	}
	// A recovery code signs in, once.
	if res := again.Post("/login/mfa", url.Values{"code": {strings.ToUpper(recovery)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a recovery code = %d", res.StatusCode)
	}
	third := webtest.NewClient(t, env.srv.Handler())
	third.Post("/login", url.Values{"username": {"new.hire"}, "password": {passphrase}})
	env.csrf(third)
	if res := third.Post("/login/mfa", url.Values{"code": {recovery}}); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a recovery code worked twice: %d", res.StatusCode)
	}
}

// A privileged role needs a second administrator; nobody approves their
// own request or a request about themselves; toxic combinations are refused.
func TestFourEyes_RoleGrant(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	first := env.newUser(t, "first.admin", identity.Administrator)
	second := env.newUser(t, "second.admin", identity.Administrator)
	u := env.newUser(t, "grantee", identity.FraudReviewer)
	a, b := env.signIn(t, first), env.signIn(t, second)
	env.stepUp(t, a, first)
	env.stepUp(t, b, second)

	res := a.Post(userPath(u.ID)+"/roles", url.Values{"role": {"escrow_approver"}, "reason": {"joins the release desk"}})
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "role-requested") {
		t.Fatalf("request = %d %q %s", res.StatusCode, res.Header.Get("Location"), res.Body)
	}
	if len(rolesOf(t, env, u.ID)) != 1 {
		t.Fatal("a privileged role was granted without a second administrator")
	}
	reqs := b.Get("/admin/requests")
	approve, ok := reqs.Doc.Find("form[hx-post$='/approve']").Attr("hx-post")
	if !ok {
		t.Fatalf("the second administrator is offered no approval:\n%.600s", reqs.Body)
	}
	if mine := a.Get("/admin/requests"); mine.Doc.Find("form[hx-post$='/approve']").Length() != 0 {
		t.Fatal("the requester is offered to approve their own request")
	}
	if res := a.Post(approve, nil); res.StatusCode != http.StatusForbidden {
		t.Fatalf("the requester approving = %d, want 403", res.StatusCode)
	}
	if res := b.Post(approve, nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the second administrator approving = %d %s", res.StatusCode, res.Body)
	}
	if roles := rolesOf(t, env, u.ID); len(roles) != 2 {
		t.Fatalf("approved, the user holds %v", roles)
	}
	if res := b.Post(approve, nil); res.StatusCode != http.StatusConflict {
		t.Fatalf("approving twice = %d, want 409", res.StatusCode)
	}

	// About oneself: the second administrator asks for a role for the first,
	// who may not approve it.
	res = b.Post(userPath(first.ID)+"/roles", url.Values{"role": {"compliance_officer"}, "reason": {"cover"}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(res.Body, "cannot be combined") {
		t.Fatalf("administrator + compliance officer = %d, want refused as toxic", res.StatusCode)
	}
	res = b.Post(userPath(u.ID)+"/roles", url.Values{"role": {"operator"}, "reason": {"both desks"}})
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("operator on top of escrow approver = %d, want refused as toxic", res.StatusCode)
	}
	third := env.newUser(t, "third", identity.Operator)
	b.Post(userPath(third.ID)+"/roles", url.Values{"role": {"administrator"}, "reason": {"x"}})
	pending, _ := env.identity.Store.ListRequests(context.Background(), identity.RequestQuery{Status: identity.RequestPending, Limit: 10})
	if len(pending) != 0 {
		t.Fatalf("a toxic grant became a request: %+v", pending)
	}

	env.seq.Drain(context.Background())
	var requested, granted int
	env.db.QueryRow(context.Background(), `SELECT
		count(*) FILTER (WHERE audit_field(entry, '{action}') = 'user.role.grant_requested' AND audit_field(entry, '{actor,id}') = 'first.admin'),
		count(*) FILTER (WHERE audit_field(entry, '{action}') = 'user.role.granted' AND audit_field(entry, '{actor,id}') = 'second.admin'
			AND audit_field(entry, '{detail,requested_by}') = 'first.admin' AND audit_field(entry, '{target,id}') = 'grantee')
		FROM audit_log`).Scan(&requested, &granted)
	if requested != 1 || granted != 1 {
		t.Fatalf("audit: %d requests and %d grants recorded, want 1 each naming both administrators", requested, granted)
	}
}
