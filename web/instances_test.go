package web

import (
	"context"
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/handlers"
	"github.com/paycompliance/console/internal/wait"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/web/webtest"
)

// Sessions are served from each instance's memory, yet ending one, or
// taking a role away, takes effect on every instance at once: the change
// is announced over LISTEN/NOTIFY. The second instance here would keep a
// stale entry for an hour if it relied on expiry.
func TestInstances_RevocationReachesEveryInstance(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	other := env.secondInstance(t, time.Hour)
	u := env.newUser(t, "roaming", identity.ComplianceOfficer)
	a := env.signIn(t, u)
	b := webtest.NewClient(t, other.Handler())
	b.Cookies, b.Header = maps.Clone(a.Cookies), a.Header.Clone() // the same browser, behind a load balancer

	if res := b.Get("/audit"); res.StatusCode != http.StatusOK {
		t.Fatalf("the session does not work on the second instance: %d", res.StatusCode)
	}
	admin := env.newUser(t, "remover", identity.Administrator)
	ac := env.signIn(t, admin)
	if res := ac.Post(userPath(u.ID)+"/roles/compliance_officer/revoke", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke = %d %s", res.StatusCode, res.Body)
	}
	wait.For(t, "the revoked role still opens the audit log on the second instance", func() bool {
		return b.Get("/audit").StatusCode == http.StatusForbidden
	})
	if res := a.Post("/logout", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout = %d", res.StatusCode)
	}
	wait.For(t, "the ended session still works on the second instance", func() bool {
		return b.Get("/account").Header.Get("Location") == "/login?ended=1"
	})
}

// secondInstance is another server on the same database and keys, with its
// own principal cache of the given lifetime, as a second `console serve`.
func (env *testEnv) secondInstance(t *testing.T, ttl time.Duration) *Server {
	t.Helper()
	principals := &postgres.CachedIdentityStore{IdentityStore: postgres.IdentityStore{DB: env.db}, TTL: ttl}
	ident := *env.identity
	ident.Store = principals
	changes := &postgres.Listener{DB: env.db, Channel: postgres.IdentityChannel, Log: env.srv.log}
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go changes.Run(ctx)
	go principals.Watch(ctx, changes)
	deps := env.srv.deps
	sessions := &SessionStore{Identity: &ident}
	deps.Identity, deps.Sessions = &ident, sessions
	deps.SignIn = &handlers.SignIn{Identity: &ident, Cookies: sessions}
	deps.Account = &handlers.Account{Identity: &ident, Cookies: sessions}
	deps.Users = &handlers.Users{Identity: &ident}
	deps.APIKeys = &handlers.APIKeys{Identity: &ident}
	listening(t, env, 2)
	return New(env.srv.cfg, env.srv.log, deps)
}

// listening waits until n connections LISTEN for identity changes.
func listening(t *testing.T, env *testEnv, n int) {
	t.Helper()
	wait.For(t, "the identity listeners never issued LISTEN", func() bool {
		var got int
		env.db.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND query LIKE '%LISTEN "identity_changed"%'`).Scan(&got)
		return got >= n
	})
}
