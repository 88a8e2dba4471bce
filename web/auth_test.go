package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/views/layout"
	"github.com/paycompliance/console/web/webtest"
)

// The session cookie is __Host- prefixed, Secure, HttpOnly, SameSite=Strict,
// for the whole site and the browser session only; its id changes after the
// password step and again after TOTP, and an id once replaced opens nothing.
func TestSession_CookieAndIDRotation(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	u := env.newUser(t, "rotating", identity.Operator)
	c := webtest.NewClient(t, env.srv.Handler())

	// A session id planted before sign-in (fixation) must not survive it.
	planted := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	c.Cookies[SessionCookie] = planted
	res := c.Post("/login", url.Values{"username": {u.Username}, "password": {u.Password}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login/mfa" {
		t.Fatalf("password step = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	cookie := sessionCookie(t, res)
	raw := res.Header.Get("Set-Cookie")
	for _, attr := range []string{"Path=/", "HttpOnly", "Secure", "SameSite=Strict"} {
		if !strings.Contains(raw, attr) {
			t.Errorf("cookie %q lacks %s", raw, attr)
		}
	}
	if cookie.Domain != "" || cookie.MaxAge != 0 || !cookie.Expires.IsZero() {
		t.Errorf("cookie has Domain %q, Max-Age %d, Expires %v: want a host-only browser-session cookie", cookie.Domain, cookie.MaxAge, cookie.Expires)
	}
	afterPassword := cookie.Value
	if afterPassword == planted || len(afterPassword) != 43 {
		t.Fatalf("session id after the password step = %q: want a fresh 256-bit id", afterPassword)
	}
	env.csrf(c)
	res = c.Post("/login/mfa", url.Values{"code": {env.code(u)}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("TOTP step = %d %s", res.StatusCode, res.Body)
	}
	afterTOTP := sessionCookie(t, res).Value
	if afterTOTP == afterPassword || afterTOTP == planted {
		t.Fatal("the session id did not change after the TOTP step")
	}
	if res := c.Get("/account"); res.StatusCode != http.StatusOK {
		t.Fatalf("signed in, /account = %d", res.StatusCode)
	}
	for _, old := range []string{afterPassword, planted} {
		stale := webtest.NewClient(t, env.srv.Handler())
		stale.Cookies[SessionCookie] = old
		if res := stale.Get("/account"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Errorf("a replaced session id still opens /account: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
	}
	var stored int
	env.db.QueryRow(context.Background(), `SELECT count(*) FROM sessions WHERE id_hash = $1 OR handle = $2`,
		[]byte(afterTOTP), afterTOTP).Scan(&stored)
	if stored != 0 {
		t.Fatal("the session id is stored in the clear")
	}
}

// Without a session, a page load goes to sign in and comes back after it;
// a JSON client gets a 401 it can read.
func TestSession_SignInFirst(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c := webtest.NewClient(t, env.srv.Handler())
	if res := c.Get("/audit?action=auth.login.failed"); res.Header.Get("Location") != "/login?next=%2Faudit%3Faction%3Dauth.login.failed" {
		t.Fatalf("GET /audit signed out = %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res := c.Get("/account", "Accept", "application/json"); res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Body, `"code":"unauthorized"`) {
		t.Fatalf("a JSON client signed out = %d %s", res.StatusCode, res.Body)
	}
	if res := c.Get("/widgets/system", "HX-Request", "true"); res.Header.Get("HX-Redirect") != "/login" {
		t.Fatalf("an htmx request signed out = %d %v", res.StatusCode, res.Header)
	}
	u := env.newUser(t, "returning", identity.Auditor)
	c.Post("/login", url.Values{"username": {u.Username}, "password": {u.Password}, "next": {"/audit?action=auth.login.failed"}})
	env.csrf(c)
	res := c.Post("/login/mfa", url.Values{"code": {env.code(u)}, "next": {"/audit?action=auth.login.failed"}})
	if res.Header.Get("Location") != "/audit?action=auth.login.failed" {
		t.Fatalf("after signing in: %q, want back to the page asked for", res.Header.Get("Location"))
	}
}

func sessionCookie(t *testing.T, res webtest.Response) *http.Cookie {
	t.Helper()
	for _, c := range res.Cookies() {
		if c.Name == SessionCookie {
			return c
		}
	}
	t.Fatalf("no %s cookie set (%d)", SessionCookie, res.StatusCode)
	return nil
}

// Idle sessions end after 15 minutes and every session after 12 hours,
// measured on the server; polling does not count as activity.
func TestSession_IdleAndAbsoluteTimeouts(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	u := env.newUser(t, "sleeper", identity.Auditor)
	t.Run("Idle", func(t *testing.T) {
		c := env.signIn(t, u)
		for range 3 {
			env.clock.Advance(15*time.Minute - time.Second)
			if res := c.Get("/account"); res.StatusCode != http.StatusOK {
				t.Fatalf("used within 15 minutes, /account = %d %s", res.StatusCode, res.Header.Get("Location"))
			}
		}
		// Background polling neither keeps the session alive nor fails it.
		env.clock.Advance(10 * time.Minute)
		if res := c.Get("/widgets/system", "HX-Request", "true", "X-Activity", "background"); res.StatusCode != http.StatusOK {
			t.Fatalf("poll = %d", res.StatusCode)
		}
		env.clock.Advance(5 * time.Minute)
		res := c.Get("/account")
		if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "ended=1") {
			t.Fatalf("after 15 idle minutes /account = %d %q, want the sign-in page saying the session ended", res.StatusCode, res.Header.Get("Location"))
		}
		if _, ok := c.Cookies[SessionCookie]; ok {
			t.Error("the ended session's cookie was not cleared")
		}
	})
	t.Run("Absolute", func(t *testing.T) {
		c := env.signIn(t, u)
		for elapsed := time.Duration(0); elapsed < 12*time.Hour-10*time.Minute; elapsed += 10 * time.Minute {
			env.clock.Advance(10 * time.Minute)
			if res := c.Get("/account"); res.StatusCode != http.StatusOK {
				t.Fatalf("active session refused after %s: %d", elapsed+10*time.Minute, res.StatusCode)
			}
		}
		env.clock.Advance(10 * time.Minute)
		if res := c.Get("/account"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("an active session still works 12 hours after sign-in: %d", res.StatusCode)
		}
	})
}

// Signing out, an administrator ending a session, disabling the user and
// changing the password each end sessions at once.
func TestSession_Revocation(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	admin := env.newUser(t, "admin", identity.Administrator)
	u := env.newUser(t, "revoked", identity.Operator)
	ac := env.signIn(t, admin)
	env.stepUp(t, ac, admin)
	ended := func(t *testing.T, c *webtest.Client) {
		t.Helper()
		if res := c.Get("/account"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Fatalf("the session still works: %d", res.StatusCode)
		}
	}

	t.Run("Logout", func(t *testing.T) {
		c := env.signIn(t, u)
		cookie := c.Cookies[SessionCookie]
		if res := c.Post("/logout", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout = %d", res.StatusCode)
		}
		c.Cookies[SessionCookie] = cookie // a copy kept by an attacker
		ended(t, c)
	})
	t.Run("AdminEndsSession", func(t *testing.T) {
		c := env.signIn(t, u)
		handle := onlyHandle(t, env, u.ID)
		if res := ac.Post("/sessions/"+handle+"/end", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("end session = %d %s", res.StatusCode, res.Body)
		}
		ended(t, c)
	})
	t.Run("UserEndsOnlyTheirOwn", func(t *testing.T) {
		victim := env.signIn(t, admin)
		c := env.signIn(t, u)
		for _, h := range handles(t, env, admin.ID) {
			if res := c.Post("/sessions/"+h+"/end", nil); res.StatusCode != http.StatusNotFound {
				t.Fatalf("an operator ending an administrator's session = %d, want 404", res.StatusCode)
			}
		}
		if res := victim.Get("/account"); res.StatusCode != http.StatusOK {
			t.Fatal("the administrator's session was ended by someone else")
		}
		c.Post("/logout", nil)
	})
	t.Run("PasswordChange", func(t *testing.T) {
		other := env.signIn(t, u)
		c := env.signIn(t, u)
		before := c.Cookies[SessionCookie]
		newPassword := "a new passphrase 2026 for revocation"
		res := c.Post("/account/password", url.Values{"current": {u.Password}, "new": {newPassword}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("change password = %d %s", res.StatusCode, res.Body)
		}
		ended(t, other)
		if c.Cookies[SessionCookie] == before {
			t.Fatal("the session id did not change with the password")
		}
		env.csrf(c)
		if res := c.Get("/account"); res.StatusCode != http.StatusOK {
			t.Fatal("the session that changed the password was ended too")
		}
		u.Password = newPassword
		c.Post("/logout", nil)
	})
	t.Run("Disable", func(t *testing.T) {
		c := env.signIn(t, u)
		res := ac.Post(userPath(u.ID)+"/disable", url.Values{"reason": {"left the company"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("disable = %d %s", res.StatusCode, res.Body)
		}
		ended(t, c)
		if res := webtest.NewClient(t, env.srv.Handler()).Post("/login", url.Values{"username": {u.Username}, "password": {u.Password}}); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("a disabled user signs in: %d", res.StatusCode)
		}
	})
}

func handles(t *testing.T, env *testEnv, userID int64) []string {
	t.Helper()
	list, err := env.identity.Store.ListSessions(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range list {
		out = append(out, s.Handle)
	}
	return out
}

func onlyHandle(t *testing.T, env *testEnv, userID int64) string {
	t.Helper()
	hs := handles(t, env, userID)
	if len(hs) != 1 {
		t.Fatalf("user %d has %d sessions, want 1", userID, len(hs))
	}
	return hs[0]
}

func userPath(id int64) string { return "/admin/users/" + itoa64(id) }

// State changes need the session's CSRF token, and a request a browser
// marks as cross-site is refused whatever it carries.
func TestCSRF(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	u := env.newUser(t, "csrf", identity.Operator)
	c := env.signIn(t, u)
	token := c.Header.Get("X-CSRF-Token")
	c.Header.Del("X-CSRF-Token")
	post := func(form url.Values, headers ...string) int {
		return c.Post("/account/password", form, headers...).StatusCode
	}
	change := url.Values{"current": {u.Password}, "new": {"a fresh passphrase 99 for tests"}}
	if got := post(change); got != http.StatusForbidden {
		t.Errorf("POST without a token = %d, want 403", got)
	}
	if got := post(change, "X-CSRF-Token", token[:len(token)-1]+"x"); got != http.StatusForbidden {
		t.Errorf("POST with a wrong token = %d, want 403", got)
	}
	if got := post(change, "X-CSRF-Token", token, "Sec-Fetch-Site", "cross-site"); got != http.StatusForbidden {
		t.Errorf("cross-site POST with the token = %d, want 403", got)
	}
	if got := post(change, "X-CSRF-Token", token, "Origin", "https://evil.example", "Host", "console.example"); got != http.StatusForbidden {
		t.Errorf("POST from another origin = %d, want 403", got)
	}
	var changed bool
	env.db.QueryRow(context.Background(), `SELECT password_changed_at > now() - interval '1 hour' AND EXISTS (
		SELECT 1 FROM password_history WHERE user_id = $1 GROUP BY user_id HAVING count(*) > 1) FROM users WHERE id = $1`, u.ID).Scan(&changed)
	if changed {
		t.Fatal("a refused request changed the password")
	}
	withField := url.Values{"current": {u.Password}, "new": {"a fresh passphrase 99 for tests"}, layout.CSRFFieldName: {token}}
	if got := post(withField); got != http.StatusSeeOther {
		t.Fatalf("POST with the token in the form = %d, want 303", got)
	}
}

// Sensitive actions need a TOTP code from the last 5 minutes; an htmx
// request is asked in place (the modal), changing nothing until then.
func TestStepUp(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	admin := env.newUser(t, "stepper", identity.Administrator)
	target := env.newUser(t, "target", identity.ComplianceOfficer)
	c := env.signIn(t, admin)
	grant := url.Values{"role": {"auditor"}, "reason": {"quarterly access review"}}

	res := c.Post(userPath(target.ID)+"/roles", grant, "HX-Request", "true")
	if res.StatusCode != http.StatusOK || res.Header.Get("X-Step-Up") != "required" || res.Header.Get("HX-Retarget") != "#modal" ||
		res.Doc.Find("[data-testid=stepup-modal] form[hx-post='/stepup']").Length() != 1 {
		t.Fatalf("sensitive htmx POST without step-up = %d %v\n%.400s", res.StatusCode, res.Header, res.Body)
	}
	if roles := rolesOf(t, env, target.ID); len(roles) != 1 {
		t.Fatalf("the role was granted before the step-up: %v", roles)
	}
	if res := c.Get("/admin/api-keys"); res.StatusCode != http.StatusOK {
		t.Fatal("a non-sensitive page asked for a step-up")
	}
	// A page reached by a link goes to the step-up page and comes back.
	if res := c.Get("/admin/users/new"); res.StatusCode != http.StatusOK {
		t.Fatalf("/admin/users/new = %d", res.StatusCode)
	}

	wrong := c.Post("/stepup", url.Values{"code": {"000000"}}, "HX-Request", "true")
	if wrong.StatusCode != http.StatusUnprocessableEntity || wrong.Doc.Find("[data-testid=stepup-error]").Length() != 1 {
		t.Fatalf("wrong step-up code = %d %.300s", wrong.StatusCode, wrong.Body)
	}
	ok := c.Post("/stepup", url.Values{"code": {env.code(admin)}}, "HX-Request", "true")
	if ok.StatusCode != http.StatusOK || ok.Header.Get("HX-Trigger") != "stepUpDone" {
		t.Fatalf("right step-up code = %d %v", ok.StatusCode, ok.Header)
	}
	if res := c.Post(userPath(target.ID)+"/roles", grant, "HX-Request", "true"); res.Header.Get("HX-Redirect") == "" {
		t.Fatalf("after the step-up, the same request = %d %v %.300s", res.StatusCode, res.Header, res.Body)
	}
	if roles := rolesOf(t, env, target.ID); len(roles) != 2 {
		t.Fatalf("after the step-up the auditor role was not granted: %v", roles)
	}
	env.clock.Advance(5 * time.Minute)
	res = c.Post(userPath(target.ID)+"/password", nil, "HX-Request", "true")
	if res.Header.Get("X-Step-Up") != "required" {
		t.Fatalf("5 minutes after the step-up a sensitive action = %d %v, want a new step-up", res.StatusCode, res.Header)
	}
	page := c.Get("/audit/export.csv")
	if page.StatusCode != http.StatusForbidden { // an administrator may not export the audit log at all
		t.Fatalf("administrator exporting evidence = %d, want 403", page.StatusCode)
	}
	officer := env.newUser(t, "officer", identity.ComplianceOfficer)
	oc := env.signIn(t, officer)
	page = oc.Get("/audit/export.csv?action=auth.login.failed")
	if page.StatusCode != http.StatusSeeOther || !strings.HasPrefix(page.Header.Get("Location"), "/stepup?next=%2Faudit%2Fexport.csv") {
		t.Fatalf("export link without step-up = %d %q, want the step-up page", page.StatusCode, page.Header.Get("Location"))
	}
	back := oc.Post("/stepup", url.Values{"code": {env.code(officer)}, "next": {"/audit/export.csv?action=auth.login.failed"}})
	if back.Header.Get("Location") != "/audit/export.csv?action=auth.login.failed" {
		t.Fatalf("after the step-up page: %d %q", back.StatusCode, back.Header.Get("Location"))
	}
	if res := oc.Post("/stepup", url.Values{"code": {env.code(officer)}, "next": {"https://evil.example/"}}); res.Header.Get("Location") != "/" {
		t.Fatalf("step-up sent the user off-site: %q", res.Header.Get("Location"))
	}
}

func rolesOf(t *testing.T, env *testEnv, id int64) []identity.Role {
	t.Helper()
	u, _, err := env.identity.Store.User(context.Background(), id, false)
	if err != nil {
		t.Fatal(err)
	}
	return u.Roles
}

// Ten failures lock an account for 30 minutes; an unknown user gets the
// very same answer; an administrator can unlock.
func TestLockout(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	u := env.newUser(t, "locked.out", identity.Operator)
	login := func(username, password string) webtest.Response {
		return webtest.NewClient(t, env.srv.Handler()).Post("/login", url.Values{"username": {username}, "password": {password}})
	}
	// The page echoes the username back into its form; apart from that,
	// failures must be byte for byte the same.
	same := func(a, b webtest.Response, aName, bName string) bool {
		return a.StatusCode == b.StatusCode &&
			strings.ReplaceAll(a.Body, `value="`+aName+`"`, "") == strings.ReplaceAll(b.Body, `value="`+bName+`"`, "")
	}
	wrong := login(u.Username, "not the password 1")
	unknown := login("nobody.here", "not the password 1")
	if wrong.StatusCode != http.StatusUnauthorized || !same(wrong, unknown, u.Username, "nobody.here") {
		t.Fatalf("wrong password and unknown user answer differently:\n%d %s\n%d %s", wrong.StatusCode, wrong.Text("[data-testid=login-error]"),
			unknown.StatusCode, unknown.Text("[data-testid=login-error]"))
	}
	for range 9 {
		login(u.Username, "not the password 1")
	}
	locked := login(u.Username, u.Password)
	if locked.StatusCode != http.StatusUnauthorized || !same(locked, unknown, u.Username, "nobody.here") {
		t.Fatalf("the right password on a locked account = %d, want the same answer as for an unknown user", locked.StatusCode)
	}
	env.clock.Advance(29 * time.Minute)
	if res := login(u.Username, u.Password); res.StatusCode != http.StatusUnauthorized {
		t.Fatal("the lockout ended before 30 minutes")
	}
	env.clock.Advance(time.Minute)
	if res := login(u.Username, u.Password); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("30 minutes later the right password = %d", res.StatusCode)
	}

	t.Run("WrongCodesCountToo", func(t *testing.T) {
		c := webtest.NewClient(t, env.srv.Handler())
		c.Post("/login", url.Values{"username": {u.Username}, "password": {u.Password}})
		env.csrf(c)
		var res webtest.Response
		for i := range 10 {
			res = c.Post("/login/mfa", url.Values{"code": {"123456"}})
			if i < 9 && res.Doc.Find("[data-testid=mfa-error]").Length() != 1 {
				t.Fatalf("wrong code %d = %d %.300s", i+1, res.StatusCode, res.Body)
			}
		}
		if !strings.Contains(res.Text("[data-testid=login-error]"), "locked") {
			t.Fatalf("the 10th wrong code = %d %.400s, want the account locked", res.StatusCode, res.Body)
		}
		if res := c.Post("/login/mfa", url.Values{"code": {env.code(u)}}); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Fatalf("the locked sign-in still accepts codes: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		if res := login(u.Username, u.Password); res.StatusCode != http.StatusUnauthorized {
			t.Fatal("locked after 10 wrong codes, yet the password step passes")
		}
	})
	t.Run("AdministratorUnlocks", func(t *testing.T) {
		admin := env.newUser(t, "unlocker", identity.Administrator)
		ac := env.signIn(t, admin)
		if res := ac.Post(userPath(u.ID)+"/unlock", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("unlock = %d %s", res.StatusCode, res.Body)
		}
		if res := login(u.Username, u.Password); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("after the unlock the right password = %d", res.StatusCode)
		}
		env.seq.Drain(context.Background())
		var n int
		env.db.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE audit_field(entry, '{action}') = 'auth.account.unlocked'
			AND audit_field(entry, '{actor,id}') = 'unlocker' AND audit_field(entry, '{target,id}') = 'locked.out'`).Scan(&n)
		if n != 1 {
			t.Fatalf("%d unlock records, want 1 naming who unlocked whom", n)
		}
	})
}

// One code signs in once: used again in sequence, or sent twice at once
// from two sign-ins, it is accepted once.
func TestTOTPReplay(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	u := env.newUser(t, "replayer", identity.Auditor)
	halfSignedIn := func() *webtest.Client {
		c := webtest.NewClient(t, env.srv.Handler())
		c.Post("/login", url.Values{"username": {u.Username}, "password": {u.Password}})
		env.csrf(c)
		return c
	}
	code := env.code(u)
	if res := halfSignedIn().Post("/login/mfa", url.Values{"code": {code}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("first use of the code = %d", res.StatusCode)
	}
	if res := halfSignedIn().Post("/login/mfa", url.Values{"code": {code}}); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("second use of the code = %d, want 401", res.StatusCode)
	}
	for round := range 5 {
		a, b := halfSignedIn(), halfSignedIn()
		code := env.code(u)
		results := make([]int, 2)
		var wg sync.WaitGroup
		for i, c := range []*webtest.Client{a, b} {
			wg.Go(func() { results[i] = c.Post("/login/mfa", url.Values{"code": {code}}).StatusCode })
		}
		wg.Wait()
		if successes := countOf(results, http.StatusSeeOther); successes != 1 {
			t.Fatalf("round %d: one code sent twice at once signed in %d times (%v)", round, successes, results)
		}
	}
}

func countOf(xs []int, v int) int {
	n := 0
	for _, x := range xs {
		if x == v {
			n++
		}
	}
	return n
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
