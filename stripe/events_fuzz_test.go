package stripe_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	sdk "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/payments"
	"github.com/paycompliance/console/stripe"
)

// maxFuzzEvent caps a fuzzed body: Stripe's events are a few KiB.
const maxFuzzEvent = 16 << 10

// A webhook body, signed now with the endpoint's secret, verifies exactly
// when it reads as an event (and then as the same event); an event read
// carries an id and at most one update, each only under a type of its
// object (payment_intent.*, charge.*, charge.dispute.*, refund.*,
// review.*); the body with a byte flipped, under another secret or signed
// too long ago is refused; and whatever the header, Verify refuses with
// EINVALID and never panics. Seeds: events of the types the console acts
// on, signed with stripe-go's webhook.GenerateTestSignedPayload.
func FuzzEventsVerify(f *testing.F) {
	const secret = "whsec_fuzz"
	now := time.Now()
	sign := func(body []byte, secret string, at time.Time) string {
		return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: at}).Header
	}
	p := payments.Payment{PublicID: "pay_1", IntentID: "pi_fuzz", CustomerRef: "cus_1", Amount: money.Amount{Minor: 4200, Currency: "EUR"}}
	for _, o := range []payments.Outcome{payments.OutcomeSucceeded, payments.OutcomeReview, payments.OutcomeDeclined, payments.OutcomeDispute,
		payments.OutcomeRequiresAction, payments.OutcomeProcessing} {
		signed, err := stripe.Simulator{Secret: secret}.Simulate(p, o, now)
		if err != nil {
			f.Fatal(err)
		}
		for _, s := range signed {
			f.Add(s.Payload, s.Signature, 0)
		}
	}
	refund := map[string]any{"id": "re_1", "object": "refund", "amount": 1200, "currency": "eur", "payment_intent": "pi_fuzz",
		"status": "succeeded", "reason": "requested_by_customer", "metadata": map[string]string{"pcc_refund": "7"}}
	for typ, object := range map[string]any{
		"charge.refunded": map[string]any{"id": "ch_1", "object": "charge", "amount": 4200, "currency": "eur", "payment_intent": "pi_fuzz",
			"refunded": true, "refunds": map[string]any{"object": "list", "data": []any{refund}}},
		"refund.updated":   refund,
		"customer.created": map[string]any{"id": "cus_1", "object": "customer"},
	} {
		body, err := json.Marshal(map[string]any{"id": "evt_" + strings.ReplaceAll(typ, ".", "_"), "object": "event", "api_version": sdk.APIVersion,
			"created": now.Unix(), "type": typ, "data": map[string]any{"object": object}})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body, sign(body, secret, now), 1)
	}
	f.Add([]byte(`{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":[]}}`), "t=1,v1=00", 2)
	f.Add([]byte("not json"), "", 3)
	ev := stripe.Events{Secret: secret, Tolerance: 5 * time.Minute}
	f.Fuzz(func(t *testing.T, body []byte, header string, flip int) {
		if len(body) > maxFuzzEvent {
			return
		}
		if _, err := ev.Verify(body, header); err != nil && domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("refused with %v, want EINVALID", err)
		}
		now := time.Now()
		e, err := ev.Verify(body, sign(body, secret, now))
		read, rerr := ev.Read(body)
		if err != nil {
			if domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("refused with %v, want EINVALID", err)
			}
			if rerr == nil && !strings.Contains(err.Error(), "API version") {
				t.Fatalf("a signed body that reads as an event was refused: %v", err)
			}
			return
		}
		if rerr != nil || !sameEvent(e, read) {
			t.Fatalf("verified as %+v, read as %+v, %v", e, read, rerr)
		}
		checkEvent(t, e)
		if _, err := ev.Verify(body, sign(body, "whsec_other", now)); err == nil {
			t.Fatal("a body signed with another secret verified")
		}
		if _, err := ev.Verify(body, sign(body, secret, now.Add(-6*time.Minute))); err == nil {
			t.Fatal("a body signed six minutes ago verified")
		}
		tampered := []byte(string(body))
		i := (flip%len(body) + len(body)) % len(body)
		tampered[i] ^= 1
		if _, err := ev.Verify(tampered, sign(body, secret, now)); err == nil {
			t.Fatalf("the body with byte %d flipped verified", i)
		}
	})
}

// checkEvent fails t unless e has an id and at most one update, under a
// type of that update's object.
func checkEvent(t *testing.T, e payments.Event) {
	t.Helper()
	object, _, _ := strings.Cut(e.Type, ".")
	var updates []string
	if e.Intent != nil {
		updates = append(updates, "intent")
		if object != "payment_intent" || !e.Intent.Status.Valid() {
			t.Fatalf("%s read as a PaymentIntent update %+v", e.Type, e.Intent)
		}
	}
	if e.Charge != nil {
		updates = append(updates, "charge")
		if object != "charge" || strings.HasPrefix(e.Type, "charge.dispute.") {
			t.Fatalf("%s read as a charge update", e.Type)
		}
	}
	if e.Dispute != nil {
		updates = append(updates, "dispute")
		if !strings.HasPrefix(e.Type, "charge.dispute.") {
			t.Fatalf("%s read as a dispute update", e.Type)
		}
	}
	if e.Refund != nil {
		updates = append(updates, "refund")
		if object != "refund" && e.Type != "charge.refund.updated" {
			t.Fatalf("%s read as a refund update", e.Type)
		}
	}
	if e.Review != nil {
		updates = append(updates, "review")
		if object != "review" {
			t.Fatalf("%s read as a review update", e.Type)
		}
	}
	if e.ID == "" || len(updates) > 1 {
		t.Fatalf("event %q of type %s carries updates %v", e.ID, e.Type, updates)
	}
}

// sameEvent compares two reads of one body.
func sameEvent(a, b payments.Event) bool {
	x, errA := json.Marshal(a)
	y, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(x) == string(y)
}
