package app

import (
	"bytes"
	"context"
	"testing"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/fraud"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/jobs"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/postgres/pgtest"
)

// The demo scoring history: its patterns open the cases the queue shows
// (card testing on one card, the regular's takeover from abroad, the ring
// on one device), the regulars' events do not, and the suspicious payment
// heads the queue once the feed has scored it; seeding again adds nothing.
func TestSeed_DemoFraud(t *testing.T) {
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
	cases := map[string]string{}
	rows, err := db.Query(ctx, `SELECT c.customer, c.verdict FROM fraud_cases c JOIN fraud_decisions d ON d.id = c.decision_id
		WHERE d.event_type = 'card_payment' ORDER BY c.score DESC`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var customer, verdict string
		rows.Scan(&customer, &verdict)
		cases[customer] = verdict
	}
	var decisions, regularCases int
	db.QueryRow(ctx, `SELECT count(*) FROM fraud_decisions WHERE event_type = 'card_payment'`).Scan(&decisions)
	db.QueryRow(ctx, `SELECT count(*) FROM fraud_cases WHERE customer IN ('marco-v', 'sofia-k', 'yuki-t')`).Scan(&regularCases)
	if decisions != len(demoFraudEvents()) || cases["lena-p"] == "" || cases["john.d"] == "" || regularCases != 0 {
		t.Fatalf("%d decisions; cases %v; %d of the regulars", decisions, cases, regularCases)
	}
	tested := 0
	for c := range cases {
		if len(c) > 6 && c[:6] == "guest-" {
			tested++
		}
	}
	if tested == 0 {
		t.Errorf("the card testing opened no case: %v", cases)
	}

	// As the server starts, the feed scores the demo payments: the
	// suspicious one heads the queue.
	app, err := postgres.Connect(ctx, url, 4, postgres.AppRole)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	inserter, err := jobs.NewInserter(app)
	if err != nil {
		t.Fatal(err)
	}
	svc := &fraud.Service{Store: postgres.FraudStore{DB: app}, Tx: postgres.Transactor{DB: app}, Audit: audit.NewLog(postgres.AuditOutbox{DB: app}), Jobs: inserter}
	if _, err := svc.DrainFeed(ctx); err != nil {
		t.Fatal(err)
	}
	reader := identity.WithServiceCaller(ctx, audit.Actor{ID: "test"}, identity.PermFraudRead)
	queue, _, err := svc.Queue(reader, fraud.CaseQuery{})
	if err != nil || len(queue) == 0 || queue[0].Customer != "nova-okoro" || queue[0].Rail() != fraud.RailPayment || queue[0].Verdict != fraud.Review {
		t.Fatalf("the queue after the feed: %+v, %v", queue, err)
	}
}
