package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/keyfile"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/postgres/pgtest"
)

// identityFixture is the identity service on a fresh database, through the
// application role as the console runs it, with a clock the test moves.
type identityFixture struct {
	db   *pgxpool.Pool
	svc  *identity.Service
	ring *keys.Keyring
	now  time.Time
	mu   sync.Mutex
}

func newIdentityFixture(t testing.TB) *identityFixture {
	t.Helper()
	ctx := context.Background()
	_, url := pgtest.NewDB(t)
	db, err := postgres.Connect(ctx, url, 8, postgres.AppRole)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	p, err := keyfile.Open(filepath.Join(t.TempDir(), "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	f := &identityFixture{db: db, ring: keys.New(p, keys.Options{}), now: time.Now().UTC()}
	f.svc = &identity.Service{Store: &postgres.CachedIdentityStore{IdentityStore: postgres.IdentityStore{DB: db}, TTL: time.Second},
		Tx: postgres.Transactor{DB: db}, Audit: audit.NewLog(postgres.AuditOutbox{DB: db}), Keys: f.ring,
		Policy: identity.DefaultPolicy(), Now: f.clock}
	return f
}

func (f *identityFixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *identityFixture) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

type account struct {
	id       int64
	username string
	identity.DemoCredentials
}

func (f *identityFixture) user(t testing.TB, username string, roles ...identity.Role) account {
	t.Helper()
	ctx := context.Background()
	c, err := identity.NewDemoCredentials(username)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.EnsureDemoAccount(ctx, identity.NewUser{Username: username, Email: username + "@example.test", DisplayName: username}, roles, c, false); err != nil {
		t.Fatal(err)
	}
	u, _, err := f.svc.Store.UserByUsername(ctx, username)
	if err != nil {
		t.Fatal(err)
	}
	return account{u.ID, username, c}
}

// signIn passes both steps with a code one step later than the last.
func (f *identityFixture) signIn(t *testing.T, a account) identity.Started {
	t.Helper()
	ctx := context.Background()
	half, err := f.svc.Login(ctx, a.username, a.Password, identity.Origin{IP: "192.0.2.1"})
	if err != nil {
		t.Fatalf("password step for %s: %v", a.username, err)
	}
	f.advance(30 * time.Second)
	full, err := f.svc.VerifyMFA(ctx, half.ID, identity.TOTPCode(a.TOTPSecret, f.clock()))
	if err != nil {
		t.Fatalf("TOTP step for %s: %v", a.username, err)
	}
	return full
}

func (f *identityFixture) outboxCount(t *testing.T, action audit.Action, target string) int {
	t.Helper()
	var n int
	f.db.QueryRow(context.Background(), `SELECT count(*) FROM audit_outbox WHERE audit_field(entry, '{action}') = $1
		AND audit_field(entry, '{target,id}') = $2`, string(action), target).Scan(&n)
	return n
}

// The TOTP secret column holds ciphertext bound to its user: it does not
// decrypt as anyone else's.
func TestIdentity_TOTPSecretAtRest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newIdentityFixture(t)
	a, b := f.user(t, "alice.rest"), f.user(t, "bob.rest")
	var ct []byte
	if err := f.db.QueryRow(ctx, `SELECT totp_secret FROM users WHERE id = $1`, a.id).Scan(&ct); err != nil {
		t.Fatal(err)
	}
	if len(ct) == 0 || bytes.Contains(ct, []byte(a.TOTPSecret)) {
		t.Fatal("the TOTP secret is stored in the clear")
	}
	aad := func(id int64) []byte { return []byte("user:" + strconv.FormatInt(id, 10) + ":totp") }
	if plain, err := f.ring.Decrypt(ctx, ct, aad(a.id)); err != nil || string(plain) != a.TOTPSecret {
		t.Fatalf("decrypting with its own user id: %q, %v", plain, err)
	}
	if _, err := f.ring.Decrypt(ctx, ct, aad(b.id)); !errors.Is(err, keys.ErrAuthentication) {
		t.Fatalf("decrypting with another user's id: %v, want ErrAuthentication", err)
	}
	// Moved to the other user's row, it opens nothing there.
	f.db.Exec(ctx, `UPDATE users SET totp_secret = $1 WHERE id = $2`, ct, b.id)
	half, err := f.svc.Login(ctx, b.username, b.Password, identity.Origin{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.VerifyMFA(ctx, half.ID, identity.TOTPCode(a.TOTPSecret, f.clock())); err == nil {
		t.Fatal("a secret copied from another user's row signed in")
	}
}

// A new password may not be any of the last four.
func TestIdentity_PasswordHistoryOfFour(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newIdentityFixture(t)
	a := f.user(t, "historian")
	s := f.signIn(t, a)
	current := a.Password
	used := []string{current}
	for i := range 4 {
		next := "history passphrase number " + strconv.Itoa(i) + " here"
		var err error
		if s, err = f.svc.ChangePassword(ctx, s.ID, &s.Principal, current, next); err != nil {
			t.Fatalf("change %d: %v", i, err)
		}
		current = next
		used = append(used, next)
	}
	for _, old := range used[1:] {
		if _, err := f.svc.ChangePassword(ctx, s.ID, &s.Principal, current, old); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("reusing one of the last four: %v, want refused", err)
		}
	}
	// The first of five is no longer among the last four.
	if _, err := f.svc.ChangePassword(ctx, s.ID, &s.Principal, current, used[0]); err != nil {
		t.Fatalf("the fifth-last password: %v, want accepted", err)
	}
}

// Accounts unused for 90 days are disabled and their sessions end.
func TestIdentity_InactiveAccountsAreDisabled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newIdentityFixture(t)
	stale, recent := f.user(t, "stale.user"), f.user(t, "recent.user")
	session := f.signIn(t, stale)
	f.signIn(t, recent)
	now := f.clock()
	f.db.Exec(ctx, `UPDATE users SET last_activity_at = $2 WHERE id = $1`, stale.id, now.Add(-91*24*time.Hour))
	f.db.Exec(ctx, `UPDATE users SET last_activity_at = $2 WHERE id = $1`, recent.id, now.Add(-89*24*time.Hour))
	n, err := f.svc.DisableInactive(ctx)
	if err != nil || n != 1 {
		t.Fatalf("DisableInactive = %d, %v; want 1", n, err)
	}
	var status string
	var sessions int
	f.db.QueryRow(ctx, `SELECT status, (SELECT count(*) FROM sessions WHERE user_id = $1) FROM users WHERE id = $1`, stale.id).Scan(&status, &sessions)
	if status != "disabled" || sessions != 0 {
		t.Fatalf("the stale account is %s with %d sessions", status, sessions)
	}
	f.db.QueryRow(ctx, `SELECT status FROM users WHERE id = $1`, recent.id).Scan(&status)
	if status != "active" {
		t.Fatal("an account used 89 days ago was disabled")
	}
	if _, err := f.svc.Resume(ctx, session.ID); !errors.Is(err, identity.ErrSessionExpired) {
		t.Fatalf("the disabled account's session: %v", err)
	}
	if f.outboxCount(t, audit.UserDisabled, "stale.user") != 1 {
		t.Fatal("the sweep left no audit record")
	}
	if n, _ := f.svc.DisableInactive(ctx); n != 0 {
		t.Fatalf("a second sweep disabled %d more", n)
	}
}

// Resetting someone's authenticator needs a second administrator; then the
// user's sessions end and the next sign-in sets up a new one.
func TestIdentity_MFAResetNeedsTwoAdministrators(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newIdentityFixture(t)
	a, b := f.user(t, "admin.a", identity.Administrator), f.user(t, "admin.b", identity.Administrator)
	u := f.user(t, "lost.phone", identity.Operator)
	sa, sb := f.signIn(t, a), f.signIn(t, b)
	victim := f.signIn(t, u)
	if err := f.svc.RequestMFAReset(ctx, &sa.Principal, u.id, "lost phone"); err != nil {
		t.Fatal(err)
	}
	pending, _ := f.svc.Requests(ctx, &sa.Principal, identity.RequestQuery{Status: identity.RequestPending})
	if len(pending) != 1 {
		t.Fatalf("%d pending requests", len(pending))
	}
	if err := f.svc.Decide(ctx, &sa.Principal, pending[0].ID, true); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("the requester approving: %v", err)
	}
	if err := f.svc.RequestMFAReset(ctx, &sa.Principal, a.id, "mine"); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("asking to reset one's own authenticator this way: %v", err)
	}
	if err := f.svc.Decide(ctx, &sb.Principal, pending[0].ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Resume(ctx, victim.ID); !errors.Is(err, identity.ErrSessionExpired) {
		t.Fatalf("after the reset the user's session: %v", err)
	}
	half, err := f.svc.Login(ctx, u.username, u.Password, identity.Origin{})
	if err != nil || half.Principal.MFAEnrolled {
		t.Fatalf("after the reset the sign-in: enrolled %v, %v", half.Principal.MFAEnrolled, err)
	}
	if f.outboxCount(t, audit.MFAReset, "lost.phone") != 1 || f.outboxCount(t, audit.MFAResetRequested, "lost.phone") != 1 {
		t.Fatal("the request and the reset are not both recorded")
	}
}

// A temporary password works once, and not after 72 hours.
func TestIdentity_TemporaryPasswords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newIdentityFixture(t)
	admin := f.signIn(t, f.user(t, "issuer", identity.Administrator))
	u, temp, err := f.svc.CreateUser(ctx, &admin.Principal, identity.NewUser{Username: "fresh", Email: "fresh@example.test", DisplayName: "Fresh"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Login(ctx, "fresh", temp, identity.Origin{}); err != nil {
		t.Fatalf("first use: %v", err)
	}
	if _, err := f.svc.Login(ctx, "fresh", temp, identity.Origin{}); err != identity.ErrSignInFailed {
		t.Fatalf("second use: %v", err)
	}
	again, err := f.svc.ResetPassword(ctx, &admin.Principal, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.advance(73 * time.Hour)
	if _, err := f.svc.Login(ctx, "fresh", again, identity.Origin{}); err != identity.ErrSignInFailed {
		t.Fatalf("a reset password 73 hours later: %v", err)
	}
	if _, err := f.svc.ResetPassword(ctx, &admin.Principal, admin.Principal.UserID); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("an administrator resetting their own password: %v", err)
	}
}

// Two requests racing with one code in two half-signed-in sessions: the
// compare-and-set on the time step lets exactly one through, every time.
func TestIdentity_ParallelCodeAcceptedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newIdentityFixture(t)
	a := f.user(t, "racer")
	for round := range 10 {
		h1, err1 := f.svc.Login(ctx, a.username, a.Password, identity.Origin{})
		h2, err2 := f.svc.Login(ctx, a.username, a.Password, identity.Origin{})
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		f.advance(30 * time.Second)
		code := identity.TOTPCode(a.TOTPSecret, f.clock())
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, h := range []identity.Started{h1, h2} {
			wg.Go(func() { _, errs[i] = f.svc.VerifyMFA(ctx, h.ID, code) })
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("round %d: outcomes %v and %v, want exactly one success", round, errs[0], errs[1])
		}
	}
}
