package stripe

import (
	"encoding/json"
	"strings"
	"time"

	sdk "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/payments"
)

// Events implements payments.EventReader with the webhook endpoint's
// signing secret.
type Events struct {
	Secret    string
	Tolerance time.Duration // how old a signature's timestamp may be
}

var _ payments.EventReader = Events{}

// Verify implements payments.EventReader: the signature and timestamp are
// checked (and the event's API version against stripe-go's, as
// webhook.ConstructEvent does) before the body is read.
func (e Events) Verify(payload []byte, signature string) (payments.Event, error) {
	if _, err := webhook.ConstructEventWithOptions(payload, signature, e.Secret, webhook.ConstructEventOptions{Tolerance: e.Tolerance}); err != nil {
		return payments.Event{}, domain.Errorf(domain.EINVALID, "The webhook was refused: %s", refusal(err))
	}
	return e.Read(payload)
}

// refusal says why a webhook failed verification, without echoing it.
func refusal(err error) string {
	switch {
	case strings.Contains(err.Error(), "API version"):
		return "its API version is not " + sdk.APIVersion + "; create the endpoint with that version."
	case err == webhook.ErrTooOld:
		return "its timestamp is outside the tolerance."
	case err == webhook.ErrNotSigned, err == webhook.ErrInvalidHeader:
		return "it carries no valid Stripe-Signature header."
	case err == webhook.ErrNoValidSignature:
		return "its signature does not match the endpoint's secret."
	}
	return "its body is not an event."
}

// Read implements payments.EventReader.
func (Events) Read(payload []byte) (payments.Event, error) {
	var se sdk.Event
	if err := json.Unmarshal(payload, &se); err != nil || se.ID == "" || se.Data == nil {
		return payments.Event{}, domain.Errorf(domain.EINVALID, "The body is not a Stripe event.")
	}
	e := payments.Event{ID: se.ID, Type: string(se.Type), Created: time.Unix(se.Created, 0).UTC(), Livemode: se.Livemode}
	object, _, _ := strings.Cut(e.Type, ".")
	var err error
	switch {
	case object == "payment_intent":
		e.Intent, err = readIntent(e.Type, se.Data.Raw)
	case strings.HasPrefix(e.Type, "charge.dispute."):
		e.Dispute, err = readDispute(se.Data.Raw)
	case e.Type == "charge.refund.updated" || object == "refund":
		var r sdk.Refund
		if err = json.Unmarshal(se.Data.Raw, &r); err == nil {
			u := refundUpdate(&r)
			e.Refund = &u
		}
	case object == "charge":
		e.Charge, err = readCharge(se.Data.Raw)
	case object == "review":
		e.Review, err = readReview(se.Data.Raw)
	}
	if err != nil {
		return e, domain.Errorf(domain.EINVALID, "The %s event's object could not be read.", e.Type)
	}
	return e, nil
}

// intentStatuses are the PaymentIntent events that set a status.
var intentStatuses = map[string]payments.Status{
	"payment_intent.succeeded":       payments.Succeeded,
	"payment_intent.processing":      payments.Processing,
	"payment_intent.payment_failed":  payments.Failed,
	"payment_intent.canceled":        payments.Canceled,
	"payment_intent.requires_action": payments.RequiresAction,
}

func readIntent(typ string, raw json.RawMessage) (*payments.IntentUpdate, error) {
	status, handled := intentStatuses[typ]
	if !handled {
		return nil, nil
	}
	var pi sdk.PaymentIntent
	if err := json.Unmarshal(raw, &pi); err != nil {
		return nil, err
	}
	u := &payments.IntentUpdate{IntentID: pi.ID, Status: status}
	if status == payments.Failed && pi.LastPaymentError != nil {
		u.FailureCode, u.FailureMessage = string(pi.LastPaymentError.Code), pi.LastPaymentError.Msg
		if pi.LastPaymentError.DeclineCode != "" {
			u.FailureCode = string(pi.LastPaymentError.DeclineCode)
		}
	}
	return u, nil
}

func readCharge(raw json.RawMessage) (*payments.ChargeUpdate, error) {
	var ch sdk.Charge
	if err := json.Unmarshal(raw, &ch); err != nil || ch.PaymentIntent == nil {
		return nil, err
	}
	u := &payments.ChargeUpdate{IntentID: ch.PaymentIntent.ID, ChargeID: ch.ID, Risk: payments.Risk{Score: -1}}
	if d := ch.PaymentMethodDetails; d != nil && d.Card != nil {
		u.Card = payments.Card{Brand: string(d.Card.Brand), Last4: d.Card.Last4, Country: d.Card.Country, Fingerprint: d.Card.Fingerprint}
		if d.Card.Wallet != nil {
			u.Card.Wallet = string(d.Card.Wallet.Type)
		}
	}
	if o := ch.Outcome; o != nil {
		u.Risk = payments.Risk{Level: payments.RiskLevel(o.RiskLevel), Score: int(o.RiskScore), Reason: o.Reason, Message: o.SellerMessage}
		if o.RiskLevel == "" || o.RiskLevel == string(payments.RiskNotAssessed) {
			u.Risk.Score = -1
		}
	}
	if ch.Refunds != nil {
		for _, r := range ch.Refunds.Data {
			u.Refunds = append(u.Refunds, refundUpdate(r))
		}
	}
	return u, nil
}

func refundUpdate(r *sdk.Refund) payments.RefundUpdate {
	u := payments.RefundUpdate{ProviderID: r.ID, Amount: money.Amount{Minor: r.Amount, Currency: currency(r.Currency)},
		Status: refundStatus(r.Status), Reason: payments.RefundReason(r.Reason), FailureReason: string(r.FailureReason),
		OurID: payments.ParseOurRefundID(r.Metadata)}
	if r.PaymentIntent != nil {
		u.IntentID = r.PaymentIntent.ID
	}
	return u
}

func readDispute(raw json.RawMessage) (*payments.DisputeUpdate, error) {
	var d sdk.Dispute
	if err := json.Unmarshal(raw, &d); err != nil || d.PaymentIntent == nil {
		return nil, err
	}
	u := &payments.DisputeUpdate{ProviderID: d.ID, IntentID: d.PaymentIntent.ID, Amount: money.Amount{Minor: d.Amount, Currency: currency(d.Currency)},
		Reason: string(d.Reason), Status: string(d.Status), Created: time.Unix(d.Created, 0).UTC()}
	if d.EvidenceDetails != nil && d.EvidenceDetails.DueBy > 0 {
		u.EvidenceDueBy = time.Unix(d.EvidenceDetails.DueBy, 0).UTC()
	}
	return u, nil
}

func readReview(raw json.RawMessage) (*payments.ReviewUpdate, error) {
	var r sdk.Review
	if err := json.Unmarshal(raw, &r); err != nil || r.PaymentIntent == nil {
		return nil, err
	}
	return &payments.ReviewUpdate{ProviderID: r.ID, IntentID: r.PaymentIntent.ID, Reason: string(r.Reason), Open: r.Open,
		ClosedReason: string(r.ClosedReason), Created: time.Unix(r.Created, 0).UTC()}, nil
}

func currency(c sdk.Currency) money.Currency { return money.Currency(strings.ToUpper(string(c))) }
