package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/payments"
	"github.com/paycompliance/console/internal/wait"
	"github.com/paycompliance/console/stripe"
)

// listed is an event as Stripe's API lists it, made from a simulated one
// with the given creation time and, if not empty, another API version.
func listed(t *testing.T, e payments.SignedEvent, created time.Time, apiVersion string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(e.Payload, &m); err != nil {
		t.Fatal(err)
	}
	m["created"] = created.Unix()
	if apiVersion != "" {
		m["api_version"] = apiVersion
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func eventID(t *testing.T, payload []byte) string {
	t.Helper()
	var head struct{ ID string }
	if err := json.Unmarshal(payload, &head); err != nil {
		t.Fatal(err)
	}
	return head.ID
}

// TestPayments_CatchUpAppliesEventsNoWebhookBrought: events Stripe lists
// that no webhook brought are stored and applied once, across pages; one
// that came by webhook too, and later runs over the same window, apply
// nothing twice; events older than the first run's look-back, of types the
// console does not act on, or in another API version are not stored (the
// last counted in the audit entry); a run with Stripe unreachable moves
// nothing, and the next lists the same window again.
func TestPayments_CatchUpAppliesEventsNoWebhookBrought(t *testing.T) {
	t.Parallel()
	f := newPaymentsFixture(t)
	f.svc.Lister = f.svc.Gateway.(*stripe.Client)
	ctx := context.Background()
	now := time.Now()
	p := f.create(t, "catchup-1", 1500)

	succeeded, err := f.sim.Simulate(p, payments.OutcomeSucceeded, now) // charge.succeeded, payment_intent.succeeded
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.ReceiveWebhook(ctx, succeeded[0].Payload, succeeded[0].Signature); err != nil { // the charge's webhook came
		t.Fatal(err)
	}
	f.stripe.AddEvents(listed(t, succeeded[0], now, ""), listed(t, succeeded[1], now, "")) // the intent's never did
	others := 0
	for i := range 120 { // more than a page (100): events about PaymentIntents not ours, stored as ignored
		other := p
		other.IntentID = fmt.Sprintf("pi_not_ours_%03d", i)
		e, err := f.sim.Simulate(other, payments.OutcomeProcessing, now)
		if err != nil {
			t.Fatal(err)
		}
		f.stripe.AddEvents(listed(t, e[0], now.Add(time.Duration(i)*time.Millisecond), ""))
		others++
	}
	old, _ := f.sim.Simulate(p, payments.OutcomeDispute, now)
	f.stripe.AddEvents(listed(t, old[0], now.Add(-payments.CatchUpFirstLookBack-payments.CatchUpOverlap-time.Minute), ""))
	otherVersion, _ := f.sim.Simulate(p, payments.OutcomeDispute, now)
	f.stripe.AddEvents(listed(t, otherVersion[0], now, "2020-08-27"))
	f.stripe.AddEvents([]byte(fmt.Sprintf(`{"id":"evt_plan","object":"event","api_version":null,"created":%d,"type":"plan.created","data":{"object":{"id":"plan_1","object":"plan"}}}`, now.Unix())))

	n, err := f.svc.CatchUpEvents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1+others {
		t.Fatalf("the first run stored %d events, want the intent's and the %d others'", n, others)
	}
	f.waitStatus(t, p.PublicID, payments.Succeeded)
	for _, id := range []string{eventID(t, old[0].Payload), eventID(t, otherVersion[0].Payload), "evt_plan"} {
		if f.count(t, `SELECT count(*) FROM stripe_events WHERE id = $1`, id) != 0 {
			t.Errorf("event %s was stored: it is older than the look-back, in another API version or of a type not acted on", id)
		}
	}
	entries := f.count(t, `SELECT count(*) FROM audit_outbox WHERE convert_from(entry, 'UTF8')::jsonb->>'action' = $1
		AND convert_from(entry, 'UTF8')::jsonb->'detail'->>'stored' = $2 AND convert_from(entry, 'UTF8')::jsonb->'detail'->>'unreadable' = '1'`,
		string(audit.WebhooksCaughtUp), fmt.Sprint(n))
	if entries != 1 {
		t.Errorf("%d caught-up audit entries with stored=%d and unreadable=1, want 1", entries, n)
	}

	// Again over the same window, and the intent's webhook arriving late:
	// nothing new is stored or applied.
	if n, err := f.svc.CatchUpEvents(ctx); err != nil || n != 0 {
		t.Fatalf("a second run stored %d (%v), want 0", n, err)
	}
	if err := f.svc.ReceiveWebhook(ctx, succeeded[1].Payload, succeeded[1].Signature); err != nil {
		t.Fatal(err)
	}
	wait.For(t, "events not all finished", func() bool {
		return f.count(t, `SELECT count(*) FROM stripe_events WHERE state = 'received'`) == 0
	})
	if got := f.count(t, `SELECT count(*) FROM stripe_events WHERE payment_id = $1 AND state = 'applied'`, p.ID); got != 2 {
		t.Errorf("%d events applied to the payment, want 2 (charge and intent, once each)", got)
	}
	if got := f.count(t, `SELECT count(*) FROM payment_history WHERE payment_id = $1 AND status = 'succeeded'`, p.ID); got != 1 {
		t.Errorf("%d succeeded history entries, want 1", got)
	}

	// Stripe unreachable: the run fails and the cursor stays, so the event
	// made meanwhile is caught up by the next run.
	dispute, _ := f.sim.Simulate(p, payments.OutcomeDispute, now)
	f.stripe.AddEvents(listed(t, dispute[0], time.Now(), ""))
	f.stripe.SetDown(true)
	if _, err := f.svc.CatchUpEvents(ctx); err == nil {
		t.Fatal("a run with Stripe unreachable succeeded")
	}
	f.stripe.SetDown(false)
	if n, err := f.svc.CatchUpEvents(ctx); err != nil || n != 1 {
		t.Fatalf("the run after the outage stored %d (%v), want the dispute's event", n, err)
	}
	wait.For(t, "the dispute was not applied", func() bool {
		return f.count(t, `SELECT count(*) FROM disputes WHERE payment_id = $1`, p.ID) == 1
	})
}
