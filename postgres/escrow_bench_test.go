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
	var mu sync.Mutex
	now := time.Now().UTC()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ids := &identity.Service{Store: &postgres.CachedIdentityStore{IdentityStore: postgres.IdentityStore{DB: f.db}, TTL: time.Second},
		Tx: postgres.Transactor{DB: f.db}, Audit: f.escrow.Audit, Keys: f.ring, Policy: identity.DefaultPolicy(), Now: clock}
	f.escrow.Challenger = ids
	ctx := context.Background()
	creds, err := identity.NewDemoCredentials("ben")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := ids.EnsureDemoAccount(ctx, identity.NewUser{Username: "ben", Email: "ben@example.test", DisplayName: "Ben"},
		[]identity.Role{identity.EscrowApprover}, creds, false); err != nil {
		b.Fatal(err)
	}
	half, err := ids.Login(ctx, "ben", creds.Password, identity.Origin{IP: "192.0.2.1"})
	if err != nil {
		b.Fatal(err)
	}
	full, err := ids.VerifyMFA(ctx, half.ID, identity.TOTPCode(creds.TOTPSecret, clock()))
	if err != nil {
		b.Fatal(err)
	}
	signedIn := identity.WithPrincipal(ctx, full.ID, &full.Principal)

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
		mu.Lock()
		now = now.Add(30 * time.Second) // a new time step, so a new code
		mu.Unlock()
		code := identity.TOTPCode(creds.TOTPSecret, clock())
		hash := releases[i].Payload().Hash()
		b.StartTimer()
		start := time.Now()
		if _, err := f.escrow.Approve(signedIn, releases[i].PublicID, hash, code); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*50/100].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
}
