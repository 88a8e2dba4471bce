package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/ach"
	"github.com/paycompliance/console/domain/aml"
	"github.com/paycompliance/console/domain/cases"
	"github.com/paycompliance/console/postgres"
)

// Monitoring reads our own transfers: three just under $10,000 in four
// days open one structuring case, raised once however often the rules
// run; found suspicious, it opens a SAR due 30 days from the alert, which
// is filed only with its BSA identifier.
func TestAML_MonitorOpensCasesOnce(t *testing.T) {
	t.Parallel()
	f := newACHFixture(t, true)
	a := f.account(t, "acct-aml", "Jane Ordinary")
	monitor := &aml.Service{Activity: postgres.AMLStore{DB: f.db}, Store: postgres.AMLStore{DB: f.db}, Tx: postgres.Transactor{DB: f.db},
		Audit: f.svc.Audit, Cases: f.cases, Rules: aml.Default(), Now: f.now}
	f.cases.Deciders[cases.AMLAlert], f.cases.Deciders[cases.SAR] = monitor, monitor
	for i, cents := range []int64{950_000, 920_000, 990_000} {
		if _, err := f.ach.CreateTransfer(operator("op.ada"), ach.NewTransfer{RequestRef: "aml-" + string(rune('a'+i)), Account: a.PublicID,
			Direction: ach.Debit, Amount: cents, SEC: ach.PPD, Description: "DEPOSIT"}); err != nil {
			t.Fatal(err)
		}
		f.advance(30 * time.Hour)
	}
	opened, err := monitor.Monitor(context.Background())
	if err != nil || opened != 1 {
		t.Fatalf("monitor opened %d, %v; want the structuring case", opened, err)
	}
	if again, _ := monitor.Monitor(context.Background()); again != 0 {
		t.Fatalf("a second run opened %d more", again)
	}
	// A fourth deposit, and the first falls out of the five days: the
	// window slides on over the same pattern, which is not a new case.
	if _, err := f.ach.CreateTransfer(operator("op.ada"), ach.NewTransfer{RequestRef: "aml-d", Account: a.PublicID,
		Direction: ach.Debit, Amount: 930_000, SEC: ach.PPD, Description: "DEPOSIT"}); err != nil {
		t.Fatal(err)
	}
	f.advance(36 * time.Hour)
	if more, err := monitor.Monitor(context.Background()); err != nil || more != 0 {
		t.Fatalf("the window sliding on opened %d more cases (%v)", more, err)
	}
	queue, _, _ := f.cases.Queue(officer(), cases.Query{Kind: cases.AMLAlert})
	if len(queue) != 1 || queue[0].Subject[:len("aml:structuring")] != "aml:structuring" {
		t.Fatalf("AML cases %+v", queue)
	}
	alert := queue[0]
	if _, err := f.cases.Decide(officer(), alert.ID, cases.DecisionInput{Decision: cases.Suspicious, Reason: "No business reason for the pattern"}); err != nil {
		t.Fatal(err)
	}
	sar, found, _ := f.cases.Store.OpenCase(context.Background(), cases.SAR, alert.Subject)
	if !found || !sar.DueAt.Equal(cases.SARDue(alert.OpenedAt)) {
		t.Fatalf("SAR %+v (found %v), want due %v", sar, found, cases.SARDue(alert.OpenedAt))
	}
	if _, err := f.cases.Decide(officer(), sar.ID, cases.DecisionInput{Decision: cases.Filed, Reason: "Filed with FinCEN today"}); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("filing without the BSA identifier = %v", err)
	}
	if _, err := f.cases.Decide(officer(), sar.ID, cases.DecisionInput{Decision: cases.Filed, Reason: "Filed with FinCEN today", Reference: "31000123456789"}); err != nil {
		t.Fatal(err)
	}
}
