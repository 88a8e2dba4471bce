package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/web/webtest"
)

// No log line holds a password, a TOTP secret or code, a recovery code, a
// session id, a CSRF token or an API key, whatever the requests did: sign
// in, fail, step up, invite, create and use a key (PCI DSS 3.3, 8.3.2).
func TestLogs_HoldNoSecrets(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	admin := env.newUser(t, "logged.admin", identity.Administrator)
	var secrets []string
	var codes []string

	bad := webtest.NewClient(t, env.srv.Handler())
	wrong := "Wrong-Password-Zebra-4417"
	bad.Post("/login", url.Values{"username": {admin.Username}, "password": {wrong}})
	bad.Post("/login", url.Values{"username": {"nobody.at.all"}, "password": {wrong}})
	secrets = append(secrets, wrong, admin.Password, admin.TOTPSecret)

	c := env.signIn(t, admin)
	secrets = append(secrets, c.Cookies[SessionCookie], c.Header.Get("X-CSRF-Token"))
	codes = append(codes, identity.TOTPCode(admin.TOTPSecret, env.clock.Now()))
	c.Post("/stepup", url.Values{"code": {"999999"}}, "HX-Request", "true")
	env.stepUp(t, c, admin)
	codes = append(codes, identity.TOTPCode(admin.TOTPSecret, env.clock.Now()))

	invited := c.Post("/admin/users", url.Values{"username": {"logged.user"}, "name": {"Logged User"}, "email": {"l@example.test"}}, "HX-Request", "true")
	temp := invited.Text("[data-testid=temporary-password]")
	created := c.Post("/admin/api-keys", url.Values{"name": {"siem"}, "scope": {"audit.read"}, "days": {"30"}}, "HX-Request", "true")
	key := created.Text("[data-testid=new-api-key]")
	if temp == "" || key == "" {
		t.Fatalf("setup: temporary password %q, key %q", temp, key)
	}
	secrets = append(secrets, temp, key)
	for _, auth := range []string{"Bearer " + key, "Bearer " + key + "x", "Bearer pcc_00000000_" + strings.Repeat("A", 43)} {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/audit/entries?limit=1", nil)
		req.Header.Set("Authorization", auth)
		webtest.Do(t, env.srv.Handler(), req)
	}

	nu := webtest.NewClient(t, env.srv.Handler())
	nu.Post("/login", url.Values{"username": {"logged.user"}, "password": {temp}})
	env.csrf(nu)
	secret := nu.Post("/login/enroll", nil).Text("[data-testid=enroll-secret]")
	env.clock.Advance(30 * time.Second)
	code := identity.TOTPCode(secret, env.clock.Now())
	recovery := nu.Post("/login/enroll/confirm", url.Values{"code": {code}}).Doc.Find("[data-testid=recovery-codes] li").First().Text()
	if secret == "" || recovery == "" {
		t.Fatal("setup: enrollment failed")
	}
	secrets = append(secrets, secret, recovery)
	codes = append(codes, code)

	env.seq.Drain(context.Background())
	logs := env.logs.String()
	if !strings.Contains(logs, `"route":"POST /login"`) {
		t.Fatalf("the captured log has no request lines; the test sees nothing:\n%.500s", logs)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("the log holds a secret (%.6s…)", s)
		}
	}
	for _, c := range codes {
		// A six-digit code next to a field name, as a logged form would show it.
		if regexp.MustCompile(`(?i)(code|totp|otp)\W{1,4}` + c).MatchString(logs) {
			t.Errorf("the log holds a TOTP code")
		}
	}
}
