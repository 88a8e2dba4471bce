package postgres_test

import (
	"context"
	"testing"

	"github.com/paycompliance/console/domain/identity"
)

// BenchmarkLogin times a refused password step for an unknown username and
// for a known one (wrong password, then locked): they must cost the same,
// so that timing does not tell which accounts exist. Both spend one
// argon2id verification.
//
//	go test -run '^$' -bench Login -benchtime 200x ./postgres/
func BenchmarkLogin(b *testing.B) {
	ctx := context.Background()
	f := newIdentityFixture(b)
	known := f.user(b, "timed.user")
	for _, c := range []struct{ name, username string }{{"UnknownUser", "no.such.user"}, {"KnownUser", known.username}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := f.svc.Login(ctx, c.username, "wrong password 123", identity.Origin{}); err != identity.ErrSignInFailed {
					b.Fatal(err)
				}
			}
		})
	}
}
