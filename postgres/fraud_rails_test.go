package postgres_test

import (
	"context"
	"testing"

	"github.com/paycompliance/console/domain/ach"
	"github.com/paycompliance/console/domain/fraud"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/payments"
	"github.com/paycompliance/console/postgres"
)

// The rails feed the engine in their own transactions, and a decline
// stops what they asked through their own services.

func newFraudRailsFixture(t *testing.T) (*escrowFixture, *fraudFixture) {
	t.Helper()
	ef := newEscrowFixture(t)
	return ef, fraudOn(t, ef.db, fraud.Rails{Payments: ef.payments, ACH: ef.ach, Escrow: ef.escrow})
}

func (f *fraudFixture) drain(t *testing.T) int {
	t.Helper()
	n, err := f.fraud.DrainFeed(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *fraudFixture) decisionOf(t *testing.T, rail, ref string) fraud.Decision {
	t.Helper()
	d, found, err := postgres.FraudStore{DB: f.db}.DecisionByEvent(context.Background(), rail, ref)
	if err != nil || !found {
		t.Fatalf("no decision for %s:%s (%v)", rail, ref, err)
	}
	return d
}

// applyPending applies the webhook events the queue would, here, where the
// fixture's queue clients each run only their own area's jobs.
func applyPending(t *testing.T, ef *escrowFixture) {
	t.Helper()
	rows, _ := ef.db.Query(context.Background(), `SELECT id FROM stripe_events WHERE state = 'received' ORDER BY created`)
	var ids []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		if err := ef.payments.ApplyEvent(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFraud_TheRailsAreScoredOnceEach(t *testing.T) {
	ef, f := newFraudRailsFixture(t)
	p := ef.paid(t, "order-1", 4_200, "cus-olga", map[string]string{"ip": "198.51.100.4", "ip_country": "ro", "device_id": "dev-9", "email": "Olga@Example.com"})
	acct := ef.account(t, "olga", "Olga Ordinary")
	tr := ef.transfer(t, "payout-1", acct, 1_500)
	esc := ef.open(t, "esc-1", twoOfThree(), 5_000)
	rel := ef.request(t, esc, "rel-1", 2_000)

	if n := f.drain(t); n < 4 {
		t.Fatalf("drained %d items, want the payment, transfer, escrow funding payment and release", n)
	}
	if n := f.drain(t); n != 0 {
		t.Errorf("a second drain found %d more", n)
	}
	pd := f.decisionOf(t, fraud.RailPayment, p.PublicID)
	e := pd.Event
	if e.Customer != "cus-olga" || e.Amount.Minor != 4_200 || e.IP != "198.51.100.4" || e.Country != "RO" || e.Email != "olga@example.com" ||
		e.CardFingerprint != p.Card.Fingerprint || e.CardCountry != p.Card.Country || e.RadarScore != p.Risk.Score {
		t.Errorf("the payment's event %+v from %+v", e, p)
	}
	td := f.decisionOf(t, fraud.RailACHTransfer, tr.PublicID)
	if td.Event.AccountToken == "" || td.Event.Amount.Minor != 1_500 || td.Event.Customer != tr.CustomerRef {
		t.Errorf("the transfer's event %+v", td.Event)
	}
	if rd := f.decisionOf(t, fraud.RailEscrowRelease, rel.PublicID); rd.Event.Amount.Minor != 2_000 || rd.Event.Customer != esc.PayerRef {
		t.Errorf("the release's event %+v", rd.Event)
	}
	if n := f.count(t, `SELECT count(*) FROM fraud_decisions`); n != 4 {
		t.Errorf("%d decisions, want 4", n)
	}

	// A fraudulent dispute and an unauthorized return label the decisions.
	if err := ef.payments.SimulateDispute(as("op.ada", identity.PermPaymentsWrite), p.PublicID); err != nil {
		t.Fatal(err)
	}
	applyPending(t, ef)
	if _, err := ef.owner.Exec(context.Background(), `UPDATE ach_transfers SET return_code = 'R10' WHERE public_id = $1`, tr.PublicID); err != nil {
		t.Fatal(err) // what applying a return file does to the row (tested with ACH)
	}
	f.drain(t)
	if l := f.decisionOf(t, fraud.RailPayment, p.PublicID).Label; l != fraud.Fraudulent {
		t.Errorf("the disputed payment is labelled %q", l)
	}
	if l := f.decisionOf(t, fraud.RailACHTransfer, tr.PublicID).Label; l != fraud.Fraudulent {
		t.Errorf("the unauthorized return is labelled %q", l)
	}
}

func TestFraud_ADeclineStopsThroughTheRails(t *testing.T) {
	ef, f := newFraudRailsFixture(t)
	if _, err := f.fraud.AddToList(reviewer("rita"), fraud.ListEntry{List: fraud.BlockList, Key: fraud.KeyEmail, Value: "mallory@example.com"}); err != nil {
		t.Fatal(err)
	}
	acct := ef.account(t, "mallory", "Mallory Person")
	var token string
	ef.db.QueryRow(context.Background(), `SELECT token FROM ach_accounts WHERE public_id = $1`, acct.PublicID).Scan(&token)
	if _, err := f.fraud.AddToList(reviewer("rita"), fraud.ListEntry{List: fraud.BlockList, Key: fraud.KeyAccount, Value: token}); err != nil {
		t.Fatal(err)
	}
	tr := ef.transfer(t, "payout-2", acct, 1_000)
	f.drain(t)
	blocked := f.decisionOf(t, fraud.RailACHTransfer, tr.PublicID)
	if blocked.Assessment.Verdict != fraud.Block || blocked.CaseID == 0 {
		t.Fatalf("a block-listed account's transfer: %+v", blocked.Assessment)
	}
	for range 2 { // the job's retry does nothing twice
		if err := f.fraud.Stop(context.Background(), blocked.CaseID); err != nil {
			t.Fatal(err)
		}
	}
	if got := ef.status(t, tr.PublicID); got.Status != ach.Canceled {
		t.Errorf("the blocked transfer is %s", got.Status)
	}
	if n := f.count(t, `SELECT count(*) FROM fraud_case_events WHERE case_id = $1 AND action = 'stopped'`, blocked.CaseID); n != 1 {
		t.Errorf("%d stops recorded", n)
	}

	// A succeeded payment from a blocked email is refunded through payments.
	q := ef.paid(t, "order-3", 2_000, "cus-ivan", map[string]string{"email": "mallory@example.com"})
	f.drain(t)
	d := f.decisionOf(t, fraud.RailPayment, q.PublicID)
	if d.Assessment.Verdict != fraud.Block {
		t.Fatalf("a block-listed email's payment: %+v", d.Assessment)
	}
	if err := f.fraud.Stop(context.Background(), d.CaseID); err != nil {
		t.Fatal(err)
	}
	detail, err := ef.payments.Detail(as("r", identity.PermPaymentsRead), q.PublicID)
	if err != nil {
		t.Fatal(err)
	}
	if len(detail.Refunds) != 1 || detail.Refunds[0].Reason != payments.ReasonFraudulent || detail.Refunds[0].Amount.Minor != 2_000 {
		t.Errorf("refunds of the blocked payment: %+v", detail.Refunds)
	}
}
