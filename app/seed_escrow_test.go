package app

import (
	"bytes"
	"context"
	"testing"

	"github.com/paycompliance/console/postgres/pgtest"
)

// The demo escrow: paying a demo bank account under 2 of the 3 demo
// approvers, funded, with one release by the second operator waiting;
// seeding again adds nothing.
func TestSeed_DemoEscrow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, url := pgtest.NewDB(t)
	env := map[string]string{"DATABASE_URL": url, "DATA_DIR": t.TempDir()}
	for range 2 {
		var out bytes.Buffer
		if code := Main(ctx, []string{"seed"}, &out, &out, func(k string) string { return env[k] }); code != 0 {
			t.Fatalf("seed: exit %d\n%s", code, out.String())
		}
	}
	var escrows, funded, pending int
	var kind, account, requester, policy string
	db.QueryRow(ctx, `SELECT count(*), min(payee_kind), min(payee_account) FROM escrows`).Scan(&escrows, &kind, &account)
	db.QueryRow(ctx, `SELECT count(*) FROM escrow_postings WHERE kind = 'funded'`).Scan(&funded)
	db.QueryRow(ctx, `SELECT count(*), min(requested_by) FROM escrow_releases WHERE status = 'pending'`).Scan(&pending, &requester)
	db.QueryRow(ctx, `SELECT rules->'groups'->0->>'threshold' || ' of ' || jsonb_array_length(rules->'groups'->0->'members') FROM escrow_policies`).Scan(&policy)
	if escrows != 1 || kind != "bank_account" || len(account) < 4 || account[:3] != "ba_" || funded != 1 || pending != 1 ||
		requester != demoOperators[1] || policy != "2 of 3" {
		t.Fatalf("demo escrow: %d escrows paying %s %s, %d fundings, %d pending by %s, policy %s",
			escrows, kind, account, funded, pending, requester, policy)
	}
}
