package stripe_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/payments"
	"github.com/paycompliance/console/stripe"
	"github.com/paycompliance/console/stripe/stripetest"
)

func newClient(t *testing.T) (*stripe.Client, *stripetest.Server) {
	srv := stripetest.Start(t)
	return stripe.New(stripe.Config{SecretKey: "sk_test_console", APIURL: srv.URL, Timeout: 2 * time.Second, MaxRetries: 1}), srv
}

// Against stripe-mock: every call carries our idempotency key, and the
// answers read back as the console's types.
func TestClient_AgainstStripeMock(t *testing.T) {
	t.Parallel()
	c, srv := newClient(t)
	ctx := context.Background()
	pi, err := c.CreateIntent(ctx, "pcc_create_pay_1", payments.IntentRequest{Amount: money.Amount{Minor: 1234, Currency: "USD"},
		Description: "Order 7", Metadata: map[string]string{"pcc_payment": "pay_1"}})
	if err != nil || !strings.HasPrefix(pi.ID, "pi_") || pi.ClientSecret == "" {
		t.Fatalf("CreateIntent = %+v, %v", pi, err)
	}
	created := srv.Requests("POST", "/v1/payment_intents")
	if len(created) != 1 || created[0].IdempotencyKey != "pcc_create_pay_1" || created[0].Form.Get("amount") != "1234" ||
		created[0].Form.Get("currency") != "usd" || created[0].Form.Get("metadata[pcc_payment]") != "pay_1" {
		t.Fatalf("the PaymentIntent request was %+v", created)
	}
	if _, err := c.CancelIntent(ctx, "pcc_cancel_pay_1", pi.ID); err != nil {
		t.Fatalf("CancelIntent: %v", err)
	}
	if keys := srv.IdempotencyKeys("POST", "/v1/payment_intents/"+pi.ID+"/cancel"); keys["pcc_cancel_pay_1"] != 1 {
		t.Fatalf("cancel keys %v", keys)
	}
	r, err := c.CreateRefund(ctx, "pcc_refund_9", payments.RefundRequest{IntentID: pi.ID, Amount: 500, Reason: payments.ReasonDuplicate})
	if err != nil || !strings.HasPrefix(r.ID, "re_") || r.Status == "" {
		t.Fatalf("CreateRefund = %+v, %v", r, err)
	}
	refund := srv.Requests("POST", "/v1/refunds")
	if len(refund) != 1 || refund[0].IdempotencyKey != "pcc_refund_9" || refund[0].Form.Get("amount") != "500" || refund[0].Form.Get("reason") != "duplicate" {
		t.Fatalf("the refund request was %+v", refund)
	}
}

// Stripe refusing a request is the caller's to fix; Stripe unreachable is
// "try again" (after the client's own retries, under the same key).
func TestClient_Errors(t *testing.T) {
	t.Parallel()
	c, srv := newClient(t)
	ctx := context.Background()
	_, err := c.CreateRefund(ctx, "k1", payments.RefundRequest{IntentID: "pi_x", Amount: 500, Reason: "not_a_reason"})
	if domain.ErrorCode(err) != domain.EINVALID || !strings.Contains(domain.ErrorMessage(err), "refused") {
		t.Fatalf("a request stripe-mock refuses = %v, want invalid", err)
	}
	srv.SetDown(true)
	_, err = c.CreateIntent(ctx, "k2", payments.IntentRequest{Amount: money.Amount{Minor: 1000, Currency: "USD"}})
	if domain.ErrorCode(err) != domain.EUNAVAILABLE {
		t.Fatalf("Stripe unreachable = %v, want unavailable", err)
	}
	// stripe-go retried (and Go's transport, for a request marked
	// idempotent): every attempt under the one key.
	tries := srv.Requests("POST", "/v1/payment_intents")
	if keys := srv.IdempotencyKeys("POST", "/v1/payment_intents"); len(tries) < 2 || len(keys) != 1 || keys["k2"] == 0 || tries[0].Reached {
		t.Fatalf("attempts while Stripe was down: %+v", tries)
	}
}

// Simulated events carry a valid signature and read back as the effects
// the simulator meant; a changed byte, another secret or an old timestamp
// is refused.
func TestEvents_VerifyAndRead(t *testing.T) {
	t.Parallel()
	const secret = "whsec_test_secret"
	ev := stripe.Events{Secret: secret, Tolerance: 5 * time.Minute}
	p := payments.Payment{PublicID: "pay_1", IntentID: "pi_123", Amount: money.Amount{Minor: 4200, Currency: "EUR"}}
	now := time.Now().UTC()
	read := func(o payments.Outcome) []payments.Event {
		signed, err := stripe.Simulator{Secret: secret}.Simulate(p, o, now)
		if err != nil {
			t.Fatal(err)
		}
		var out []payments.Event
		for _, s := range signed {
			e, err := ev.Verify(s.Payload, s.Signature)
			if err != nil {
				t.Fatalf("%s: a simulated event failed verification: %v", o, err)
			}
			out = append(out, e)
		}
		return out
	}
	ok := read(payments.OutcomeSucceeded)
	if len(ok) != 2 || ok[0].Charge == nil || ok[0].Charge.Card.Last4 != "4242" || ok[0].Charge.Risk.Level != payments.RiskNormal ||
		ok[1].Intent == nil || ok[1].Intent.Status != payments.Succeeded || ok[1].Intent.IntentID != "pi_123" {
		t.Fatalf("succeeded events read as %+v", ok)
	}
	review := read(payments.OutcomeReview)
	if review[1].Review == nil || !review[1].Review.Open || review[0].Charge.Risk.Level != payments.RiskElevated {
		t.Fatalf("review events read as %+v", review)
	}
	declined := read(payments.OutcomeDeclined)
	if declined[1].Intent.Status != payments.Failed || declined[1].Intent.FailureCode != "generic_decline" {
		t.Fatalf("declined events read as %+v", declined[1].Intent)
	}
	dispute := read(payments.OutcomeDispute)
	if d := dispute[0].Dispute; d == nil || d.Amount.Currency != "EUR" || d.EvidenceDueBy.Before(now.Add(6*24*time.Hour)) {
		t.Fatalf("dispute read as %+v", dispute[0].Dispute)
	}

	signed, _ := stripe.Simulator{Secret: secret}.Simulate(p, payments.OutcomeSucceeded, now)
	body := signed[1].Payload
	tampered := []byte(strings.Replace(string(body), `"succeeded"`, `"canceled"`, 1))
	other, _ := stripe.Simulator{Secret: "whsec_other"}.Simulate(p, payments.OutcomeSucceeded, now)
	old := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: now.Add(-6 * time.Minute)})
	for name, tc := range map[string]struct {
		body []byte
		sig  string
	}{
		"tampered body":  {tampered, signed[1].Signature},
		"another secret": {other[1].Payload, other[1].Signature},
		"stale":          {body, old.Header},
		"unsigned":       {body, ""},
	} {
		if _, err := ev.Verify(tc.body, tc.sig); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("%s: Verify = %v, want refused", name, err)
		}
	}
}
