package stripe

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	sdk "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/paycompliance/console/domain/payments"
)

// Simulator implements payments.Simulator: for test mode, it writes the
// events Stripe would send for an outcome, in Stripe's shapes and signed
// with the endpoint's secret, so they take the same path as real ones.
type Simulator struct {
	Secret string
}

var _ payments.Simulator = Simulator{}

// testCard is a Stripe test card as a charge reports it.
type testCard struct {
	brand, last4 string
	risk         payments.Risk
	network      string // outcome.network_status
	outcomeType  string
}

var (
	approvedCard = testCard{"visa", "4242", payments.Risk{Level: payments.RiskNormal, Score: 12, Message: "Payment complete."},
		"approved_by_network", "authorized"}
	elevatedCard = testCard{"visa", "9235", payments.Risk{Level: payments.RiskElevated, Score: 72, Reason: "elevated_risk_level",
		Message: "Stripe evaluated this payment as having elevated risk, and placed it in your manual review queue."},
		"approved_by_network", "manual_review"}
	declinedCard = testCard{"visa", "0002", payments.Risk{Level: payments.RiskNormal, Score: 20, Reason: "generic_decline",
		Message: "The bank did not return any further details with this decline."}, "declined_by_network", "issuer_declined"}
)

// Simulate implements payments.Simulator.
func (s Simulator) Simulate(p payments.Payment, o payments.Outcome, at time.Time) ([]payments.SignedEvent, error) {
	chargeID := "ch_sim_" + token(6)
	var events []event
	switch o {
	case payments.OutcomeSucceeded:
		events = []event{s.charge("charge.succeeded", p, chargeID, approvedCard, "succeeded"), s.intent("payment_intent.succeeded", p, "succeeded", nil)}
	case payments.OutcomeReview:
		events = []event{s.charge("charge.succeeded", p, chargeID, elevatedCard, "succeeded"),
			{"review.opened", map[string]any{"id": "prv_sim_" + token(6), "object": "review", "charge": chargeID,
				"payment_intent": p.IntentID, "open": true, "opened_reason": "rule", "reason": "rule", "created": at.Unix()}},
			s.intent("payment_intent.succeeded", p, "succeeded", nil)}
	case payments.OutcomeDeclined:
		events = []event{s.charge("charge.failed", p, chargeID, declinedCard, "failed"),
			s.intent("payment_intent.payment_failed", p, "requires_payment_method", map[string]any{
				"type": "card_error", "code": "card_declined", "decline_code": "generic_decline", "message": "Your card was declined."})}
	case payments.OutcomeRequiresAction:
		events = []event{s.intent("payment_intent.requires_action", p, "requires_action", nil)}
	case payments.OutcomeProcessing:
		events = []event{s.intent("payment_intent.processing", p, "processing", nil)}
	case payments.OutcomeDispute:
		events = []event{{"charge.dispute.created", map[string]any{"id": "dp_sim_" + token(6), "object": "dispute",
			"amount": p.Amount.Minor, "currency": p.Amount.Currency.Lower(), "charge": "ch_sim_" + token(6), "payment_intent": p.IntentID,
			"reason": "fraudulent", "status": "needs_response", "created": at.Unix(), "is_charge_refundable": true,
			"evidence_details": map[string]any{"due_by": at.Add(7 * 24 * time.Hour).Unix(), "has_evidence": false, "past_due": false, "submission_count": 0}}}}
	}
	out := make([]payments.SignedEvent, len(events))
	for i, e := range events {
		body, err := json.Marshal(map[string]any{"id": "evt_sim_" + token(8), "object": "event", "api_version": sdk.APIVersion,
			"created": at.Unix(), "livemode": false, "pending_webhooks": 1, "type": e.typ, "data": map[string]any{"object": e.object}})
		if err != nil {
			return nil, err
		}
		signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: s.Secret, Timestamp: at})
		out[i] = payments.SignedEvent{Payload: body, Signature: signed.Header}
	}
	return out, nil
}

type event struct {
	typ    string
	object map[string]any
}

func (Simulator) intent(typ string, p payments.Payment, status string, lastError map[string]any) event {
	return event{typ, map[string]any{"id": p.IntentID, "object": "payment_intent", "amount": p.Amount.Minor,
		"currency": p.Amount.Currency.Lower(), "status": status, "last_payment_error": lastError, "livemode": false}}
}

func (Simulator) charge(typ string, p payments.Payment, id string, c testCard, status string) event {
	// Each customer pays with a card of their own, as payers do: a test card
	// number shared by every simulated payer would look like one stolen
	// card to the fraud rules.
	fingerprint := sha256.Sum256([]byte("simulated card " + c.last4 + " of " + p.CustomerRef))
	return event{typ, map[string]any{"id": id, "object": "charge", "amount": p.Amount.Minor, "currency": p.Amount.Currency.Lower(),
		"payment_intent": p.IntentID, "status": status, "paid": status == "succeeded",
		"payment_method_details": map[string]any{"type": "card", "card": map[string]any{"brand": c.brand, "last4": c.last4,
			"country": "US", "exp_month": 12, "exp_year": 2030, "funding": "credit", "fingerprint": hex.EncodeToString(fingerprint[:8])}},
		"outcome": map[string]any{"network_status": c.network, "risk_level": c.risk.Level, "risk_score": c.risk.Score,
			"reason": c.risk.Reason, "seller_message": c.risk.Message, "type": c.outcomeType}}}
}

// token is a random id suffix of n bytes, in lower-case base32 like
// Stripe's own ids: never a long run of digits the card-number check in
// the audit trail would stop.
func token(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}
