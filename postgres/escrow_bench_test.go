package postgres_test

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/paycompliance/console/domain/escrow"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/postgres"
)

// BenchmarkEscrow_Approve times one approval as the console makes it: the
// approver's TOTP code checked and its time step spent (identity, on
// PostgreSQL), the request locked and re-checked, the payload signed by
// the keyring, the approval and its audit record committed together. Each
// iteration signs another pending request, with the next step's code.
//
//	go test -run '^$' -bench Escrow_Approve -benchtime 2000x ./postgres/
func BenchmarkEscrow_Approve(b *testing.B) {
	f := newEscrowFixture(b)
	ben := f.signedInApprover(b, "ben")
	e := f.open(b, "bench", escrow.PolicyRules{Groups: []escrow.Group{{Name: "finance", Threshold: 2, Members: []string{"ben", "priya"}}}},
		int64(b.N)*100)
	releases := make([]escrow.Release, b.N)
	for i := range releases {
		r, err := f.escrow.RequestRelease(writer("op.ada"), e.PublicID, escrow.NewRelease{RequestRef: "bench-" + strconv.Itoa(i), Amount: 100, Reason: "Benchmark release"})
		if err != nil {
			b.Fatal(err)
		}
		releases[i] = r
	}
	took := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		code := ben.nextCode()
		hash := releases[i].Payload().Hash()
		b.StartTimer()
		start := time.Now()
		if _, err := f.escrow.Approve(ben.ctx, releases[i].PublicID, hash, code); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*50/100].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
}

// realApprover is an escrow approver signed in through the real identity
// service on the fixture's database, with a clock their codes follow.
type realApprover struct {
	ctx    context.Context
	secret string
	mu     sync.Mutex
	now    time.Time
}

func (a *realApprover) clock() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.now
}

// nextCode moves to the next TOTP time step and returns its code.
func (a *realApprover) nextCode() string {
	a.mu.Lock()
	a.now = a.now.Add(30 * time.Second)
	a.mu.Unlock()
	return identity.TOTPCode(a.secret, a.clock())
}

// signedInApprover makes the escrow service check codes with identity
// (replacing the fixture's stand-in) and signs username in.
func (f *escrowFixture) signedInApprover(t testing.TB, username string) *realApprover {
	t.Helper()
	ctx := context.Background()
	a := &realApprover{now: time.Now().UTC()}
	ids := &identity.Service{Store: &postgres.CachedIdentityStore{IdentityStore: postgres.IdentityStore{DB: f.db}, TTL: time.Second},
		Tx: postgres.Transactor{DB: f.db}, Audit: f.escrow.Audit, Keys: f.ring, Policy: identity.DefaultPolicy(), Now: a.clock}
	f.escrow.Challenger = ids
	creds, err := identity.NewDemoCredentials(username)
	if err != nil {
		t.Fatal(err)
	}
	a.secret = creds.TOTPSecret
	if _, err := ids.EnsureDemoAccount(ctx, identity.NewUser{Username: username, Email: username + "@example.test", DisplayName: username},
		[]identity.Role{identity.EscrowApprover}, creds, false); err != nil {
		t.Fatal(err)
	}
	half, err := ids.Login(ctx, username, creds.Password, identity.Origin{IP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	full, err := ids.VerifyMFA(ctx, half.ID, identity.TOTPCode(creds.TOTPSecret, a.clock()))
	if err != nil {
		t.Fatal(err)
	}
	a.ctx = identity.WithPrincipal(ctx, full.ID, &full.Principal)
	return a
}
