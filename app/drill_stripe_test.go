package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/payments"
	"github.com/paycompliance/console/e2e"
	"github.com/paycompliance/console/postgres/pgtest"
	"github.com/paycompliance/console/stripe"
	"github.com/paycompliance/console/stripe/stripetest"
)

// stripeTimeout and stripeRetries bound how long one create may wait on
// Stripe: (retries+1) attempts of the timeout each, plus short backoffs.
const (
	stripeTimeout = time.Second
	stripeRetries = 1
	createBound   = 8 * time.Second
)

// TestDrill_StripeUnreachable: Stripe refuses connections, then hangs,
// then takes the request but loses its answer. Each time creating a
// payment fails within the configured timeout with the API's 503 asking
// for a retry, and no payment is stored. Once Stripe answers, the retry
// under the same Idempotency-Key makes one payment, and every attempt
// asked Stripe under the one idempotency key (Stripe makes one
// PaymentIntent of them). Webhooks catch up by Stripe's redelivery and,
// for an event whose webhook never comes, by the console reading Stripe's
// event list: each event, however it arrives and however often, takes
// effect once.
func TestDrill_StripeUnreachable(t *testing.T) {
	t.Parallel()
	stripeAPI := stripetest.Start(t)
	target, _ := url.Parse(stripeAPI.URL)
	var hang atomic.Bool
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ErrorLog = log.New(io.Discard, "", 0) // the lost answers are the point
	// Stripe as the console reaches it, on a port of its own that can be
	// closed (refusing connections) and opened again.
	serve := func(ln net.Listener) *http.Server {
		front := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hang.Load() {
				<-r.Context().Done() // accepted, never answered
				return
			}
			proxy.ServeHTTP(w, r)
		})}
		go front.Serve(ln)
		t.Cleanup(func() { front.Close() })
		return front
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	front := serve(ln) // the demo data makes payments at start

	db, dbURL := pgtest.NewDB(t)
	c := e2e.StartConsole(t, "DATABASE_URL", dbURL, "STRIPE_API_URL", "http://"+addr,
		"STRIPE_TIMEOUT", stripeTimeout.String(), "STRIPE_MAX_RETRIES", "1", "STRIPE_EVENTS_CATCHUP_EVERY", "1s")
	key := c.APIKey(t, "payments.write", "payments.read")
	seeded := len(stripeAPI.Requests(http.MethodPost, "/v1/payment_intents"))
	const idem = "drill-stripe-1"
	body := paymentBody(idem)
	stored := func() (rows, audited int) {
		t.Helper()
		err := db.QueryRow(context.Background(), `
			SELECT count(*), (SELECT count(*) FROM (SELECT entry FROM audit_outbox UNION ALL SELECT entry FROM audit_log) e
			                  WHERE audit_field(e.entry, '{action}') = 'payment.created'
			                    AND audit_field(e.entry, '{target,id}') = min(p.public_id))
			FROM payments p WHERE p.customer_ref = $1`, idem).Scan(&rows, &audited)
		if err != nil {
			t.Fatal(err)
		}
		return rows, audited
	}
	failsCleanly := func(how string) {
		t.Helper()
		start := time.Now()
		a := callAPI(c, http.MethodPost, "/api/v1/payments", key, idem, body)
		took := time.Since(start)
		if a.status != http.StatusServiceUnavailable || a.cleanFailure() != "" || !strings.Contains(string(a.body), "same Idempotency-Key") {
			t.Errorf("Stripe %s: create = %d %.300s (%v), want 503 asking for a retry under the same Idempotency-Key", how, a.status, a.body, a.err)
		}
		if took > createBound {
			t.Errorf("Stripe %s: create took %v, over %v for a %v timeout and %d retry", how, took, createBound, stripeTimeout, stripeRetries)
		}
		if rows, _ := stored(); rows != 0 {
			t.Errorf("Stripe %s: %d payments stored", how, rows)
		}
	}

	front.Close()
	failsCleanly("refusing connections")
	if ln, err = net.Listen("tcp", addr); err != nil {
		t.Fatalf("listening again on %s: %v", addr, err)
	}
	serve(ln)
	hang.Store(true)
	failsCleanly("hanging")
	hang.Store(false)
	stripeAPI.SetDropAnswers(true)
	failsCleanly("losing its answers")
	stripeAPI.SetDropAnswers(false)

	first := callAPI(c, http.MethodPost, "/api/v1/payments", key, idem, body)
	again := callAPI(c, http.MethodPost, "/api/v1/payments", key, idem, body)
	if first.status != http.StatusCreated || again.status != http.StatusCreated || string(again.body) != string(first.body) {
		t.Fatalf("with Stripe back: create = %d %.300s, then %d %.300s; want one 201 replayed", first.status, first.body, again.status, again.body)
	}
	if rows, audited := stored(); rows != 1 || audited != 1 {
		t.Fatalf("%d payments with %d audit entries, want 1 and 1", rows, audited)
	}
	keys := map[string]int{}
	for _, r := range stripeAPI.Requests(http.MethodPost, "/v1/payment_intents")[seeded:] {
		keys[r.IdempotencyKey]++
	}
	if len(keys) != 1 {
		t.Errorf("the payment's PaymentIntent asked for under %d idempotency keys %v, want 1", len(keys), keys)
	}

	// Stripe redelivers what it could not deliver: every event twice.
	var p payments.Payment
	var amount int64
	if err := db.QueryRow(context.Background(), `SELECT public_id, intent_id, amount FROM payments WHERE customer_ref = $1`, idem).
		Scan(&p.PublicID, &p.IntentID, &amount); err != nil {
		t.Fatal(err)
	}
	p.Amount = money.Amount{Minor: amount, Currency: money.Currency("USD")}
	events, err := stripe.Simulator{Secret: webhookSecret(t, c)}.Simulate(p, payments.OutcomeSucceeded, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range events {
		var id struct{ ID string }
		json.Unmarshal(e.Payload, &id)
		ids = append(ids, id.ID)
	}
	deliver := func(e payments.SignedEvent) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, c.URL+"/webhooks/stripe", strings.NewReader(string(e.Payload)))
		req.Header.Set("Stripe-Signature", e.Signature)
		req.Header.Set("Content-Type", "application/json")
		res, err := drillClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("webhook delivery = %d", res.StatusCode)
		}
	}
	// The charge's event is redelivered twice; the intent's webhook never
	// comes, but Stripe's event list has it: the catch-up applies it, and
	// its webhooks arriving after all (twice) change nothing.
	deliver(events[0])
	deliver(events[0])
	stripeAPI.AddEvents(events[1].Payload)
	waitFor(t, 20*time.Second, "the listed event caught up", func() bool {
		var applied int
		db.QueryRow(context.Background(), `SELECT count(*) FROM stripe_events WHERE state = 'applied' AND id = $1`, ids[1]).Scan(&applied)
		return applied == 1
	})
	deliver(events[1])
	deliver(events[1])
	waitFor(t, 20*time.Second, "the redelivered events applied", func() bool {
		var applied int
		db.QueryRow(context.Background(), `SELECT count(*) FROM stripe_events WHERE state = 'applied' AND id = ANY($1)`, ids).Scan(&applied)
		return applied == len(events)
	})
	var status string
	var receivedEvents, appliedEntries int
	if err := db.QueryRow(context.Background(), `
		SELECT status, (SELECT count(*) FROM stripe_events WHERE id = ANY($2)),
		       (SELECT count(*) FROM (SELECT entry FROM audit_outbox UNION ALL SELECT entry FROM audit_log) e
		        WHERE audit_field(e.entry, '{action}') = 'payment.webhook.applied' AND audit_field(e.entry, '{target,id}') = $1)
		FROM payments WHERE public_id = $1`, p.PublicID, ids).Scan(&status, &receivedEvents, &appliedEntries); err != nil {
		t.Fatal(err)
	}
	if status != "succeeded" || receivedEvents != len(events) || appliedEntries != len(events) {
		t.Errorf("after %d events delivered twice or listed: status %s, %d events stored, %d applied in the audit trail; want succeeded, %d, %d",
			len(events), status, receivedEvents, appliedEntries, len(events), len(events))
	}
}

// webhookSecret is test mode's signing secret, as the console generated it.
func webhookSecret(t *testing.T, c *e2e.Console) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.DataDir, "stripe-webhook-secret"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}
