package app

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/paycompliance/console/postgres/pgtest"
)

// The large dataset at 1/1000: each area holds its share on top of the
// demo data, the audit chain it imported verifies, and a second run is
// refused without adding anything.
func TestSeed_LargeAtAThousandth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, url := pgtest.NewDB(t)
	env := map[string]string{"DATABASE_URL": url, "DATA_DIR": t.TempDir()}
	run := func(args ...string) (int, string) {
		var out bytes.Buffer
		code := Main(ctx, args, &out, &out, func(k string) string { return env[k] })
		return code, out.String()
	}
	if code, out := run("seed", "--scale", "0.001"); code != 0 || !strings.Contains(out, "large dataset (scale 0.001) loaded") {
		t.Fatalf("seed --scale 0.001: exit %d\n%s", code, out)
	}
	counts := map[string]int{}
	for table, want := range map[string]int{
		"audit_log": 10_000, "payments": 1_000, "fraud_decisions": 3_000, "fraud_cases": 3,
		"screening_parties": 100, "ach_transfers": 200, "escrows": 2,
	} {
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts[table] = n
		if n < want || n > want+want/2+50 { // the demo's own rows come on top
			t.Errorf("%s: %d rows, want about %d", table, n, want)
		}
	}
	var history, refunds int
	db.QueryRow(ctx, `SELECT count(*) FROM payment_history h JOIN payments p ON p.id = h.payment_id WHERE p.request_ref LIKE 'seed:%'`).Scan(&history)
	db.QueryRow(ctx, `SELECT count(*) FROM refunds`).Scan(&refunds)
	if history < counts["payments"] || refunds == 0 {
		t.Errorf("%d history rows for %d payments, %d refunds", history, counts["payments"], refunds)
	}
	if code, out := run("audit", "verify"); code != 0 {
		t.Fatalf("audit verify after the large seed: exit %d\n%s", code, out)
	}
	if code, out := run("seed", "--scale", "0.001"); code == 0 || !strings.Contains(out, "new database only") {
		t.Fatalf("a second run: exit %d\n%s", code, out)
	}
	var again int
	db.QueryRow(ctx, `SELECT count(*) FROM payments`).Scan(&again)
	if again != counts["payments"] {
		t.Errorf("the refused run changed the payments: %d, then %d", counts["payments"], again)
	}
	if code, out := run("seed", "--scale", "lots"); code == 0 || !strings.Contains(out, "--scale takes") {
		t.Errorf("--scale lots: exit %d\n%s", code, out)
	}
}
