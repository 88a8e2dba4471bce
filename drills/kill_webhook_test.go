package drills

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/payments"
	"github.com/paycompliance/console/stripe"
)

// A Stripe event is delivered to an instance that dies by SIGKILL twice:
// once after storing and queuing it but before answering Stripe
// (webhook.after-store), so Stripe delivers it again; and, restarted,
// once after its effect committed but before its job completed
// (webhook.after-apply), so River runs the job again. Restarted without
// failpoints, Stripe's redelivery is answered 200 and changes nothing, the
// rescued job finds the event applied: one stored event, one job, one
// status change in the payment's history, one audit entry, and the trail
// verifies.
func TestKill_WebhookProcessing(t *testing.T) {
	t.Parallel()
	cl := NewCluster(t)
	cl.Env = quickRescue
	a := cl.Start(t)
	ctx := context.Background()
	// The demo's events and their jobs done first: the failpoints below
	// are reached by any webhook delivery or job, not only the drill's.
	waitFor(t, "the demo's webhook events and jobs to be done", func() bool {
		return count(t, cl, `SELECT count(*) FROM stripe_events WHERE state = 'received'`) == 0 &&
			count(t, cl, `SELECT count(*) FROM river_job WHERE kind = 'payments.webhook' AND state <> 'completed'`) == 0
	})

	// A demo payment still waiting, and the event Stripe sends when it
	// succeeds, signed with the endpoint's secret as Stripe signs it.
	var p payments.Payment
	var currency string
	if err := cl.DB.QueryRow(ctx, `SELECT id, public_id, intent_id, amount, currency, customer_ref FROM payments
		WHERE status IN ('open', 'requires_action', 'processing') AND intent_id IS NOT NULL ORDER BY id LIMIT 1`).
		Scan(&p.ID, &p.PublicID, &p.IntentID, &p.Amount.Minor, &currency, &p.CustomerRef); err != nil {
		t.Fatalf("no waiting demo payment: %v", err)
	}
	p.Amount.Currency = money.Currency(currency)
	secret, err := os.ReadFile(filepath.Join(cl.DataDir, "stripe-webhook-secret"))
	if err != nil {
		t.Fatal(err)
	}
	events, err := stripe.Simulator{Secret: strings.TrimSpace(string(secret))}.Simulate(p, payments.OutcomeSucceeded, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	event := events[len(events)-1] // payment_intent.succeeded
	var head struct{ ID, Type string }
	if err := json.Unmarshal(event.Payload, &head); err != nil || head.Type != "payment_intent.succeeded" {
		t.Fatalf("the simulated event is %q (%v)", head.Type, err)
	}
	deliver := func() (int, error) { // as Stripe delivers it
		req, _ := http.NewRequest(http.MethodPost, a.URL+"/webhooks/stripe", bytes.NewReader(event.Payload))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Stripe-Signature", event.Signature)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		res.Body.Close()
		return res.StatusCode, nil
	}
	eventState := func() string {
		var state string
		cl.DB.QueryRow(ctx, `SELECT state FROM stripe_events WHERE id = $1`, head.ID).Scan(&state)
		return state
	}

	// 1. Killed after storing it, before answering: Stripe got no answer.
	a.Stop(t)
	a.RestartWith(t, failpoint("webhook.after-store"))
	if status, err := deliver(); err == nil {
		t.Fatalf("the delivery was answered %d: the instance did not die before answering", status)
	}
	a.WaitCrash(t, 10*time.Second)
	if got := eventState(); got != "received" {
		t.Fatalf("after the first kill the event is %q, want received (stored, not yet applied)", got)
	}

	// 2. Restarted, the queued job applies it and the instance dies before
	// the job is marked completed.
	a.RestartWith(t, failpoint("webhook.after-apply"))
	a.WaitCrash(t, 15*time.Second)
	if got := eventState(); got != "applied" {
		t.Fatalf("after the second kill the event is %q, want applied", got)
	}

	// 3. Restarted without failpoints: Stripe's retry is answered, and the
	// rescued job runs again to no effect.
	start := time.Now()
	a.RestartWith(t)
	if status, err := deliver(); err != nil || status != http.StatusOK {
		t.Fatalf("Stripe's retry was answered %d (%v), want 200", status, err)
	}
	job := `SELECT count(*) FROM river_job WHERE kind = 'payments.webhook' AND args->>'event_id' = $1`
	waitRescue(t, "the rescued job to complete", func() bool { return count(t, cl, job+` AND state = 'completed'`, head.ID) == 1 })
	t.Logf("the rescued job completed %s after the restart began", time.Since(start).Round(100*time.Millisecond))

	if n := count(t, cl, job, head.ID); n != 1 {
		t.Errorf("%d jobs for the event, want 1: the redelivery queued another", n)
	}
	if n := count(t, cl, job+` AND attempt >= 2`, head.ID); n != 1 {
		t.Errorf("the event's job ran once: it was not rescued after the kill")
	}
	if n := count(t, cl, `SELECT count(*) FROM stripe_events WHERE id = $1 AND state = 'applied'`, head.ID); n != 1 {
		t.Errorf("%d applied stored events for %s, want 1", n, head.ID)
	}
	if n := count(t, cl, `SELECT count(*) FROM payments WHERE id = $1 AND status = 'succeeded'`, p.ID); n != 1 {
		t.Errorf("the payment did not succeed")
	}
	if n := count(t, cl, `SELECT count(*) FROM payment_history WHERE payment_id = $1 AND source = $2`, p.ID, head.ID); n != 1 {
		t.Errorf("%d history entries from the event, want 1", n)
	}
	waitFor(t, "the audit outbox to drain", func() bool { return count(t, cl, `SELECT count(*) FROM audit_outbox`) == 0 })
	if n := count(t, cl, `SELECT count(*) FROM audit_log WHERE audit_field(entry, '{action}') = 'payment.webhook.applied'
		AND audit_field(entry, '{detail,event}') = $1`, head.ID); n != 1 {
		t.Errorf("%d payment.webhook.applied audit entries for the event, want 1", n)
	}
	verifyAudit(t, cl)
}
