package payments

import (
	"context"
	"slices"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
)

// Outcome is what a simulated payment attempt ends in, in test mode.
type Outcome string

const (
	OutcomeSucceeded      Outcome = "succeeded"
	OutcomeReview         Outcome = "review" // succeeds with elevated risk, and Radar opens a review
	OutcomeDeclined       Outcome = "declined"
	OutcomeRequiresAction Outcome = "requires_action"
	OutcomeProcessing     Outcome = "processing"
	OutcomeDispute        Outcome = "dispute" // the cardholder disputes a succeeded payment
)

// PayerOutcomes are those a payer's page offers.
var PayerOutcomes = []Outcome{OutcomeSucceeded, OutcomeReview, OutcomeDeclined, OutcomeRequiresAction, OutcomeProcessing}

// Label is the outcome as the page offers it.
func (o Outcome) Label() string {
	return map[Outcome]string{OutcomeSucceeded: "Payment succeeds", OutcomeReview: "Succeeds, held for Radar review",
		OutcomeDeclined: "Card declined", OutcomeRequiresAction: "Bank asks for 3-D Secure", OutcomeProcessing: "Stays processing",
		OutcomeDispute: "Cardholder disputes it"}[o]
}

// SimulateForPayer sends the events a payer's attempt would cause, signed
// as the processor signs them, through the webhook path: test mode only.
func (s *Service) SimulateForPayer(ctx context.Context, publicID, token string, o Outcome) error {
	if !s.TestMode() {
		return notFound()
	}
	if !slices.Contains(PayerOutcomes, o) {
		return domain.Errorf(domain.EINVALID, "%q is not an outcome a payer can simulate.", o)
	}
	v, err := s.Payer(ctx, publicID, token, false)
	if err != nil {
		return err
	}
	if v.Payment.Status.Terminal() {
		return domain.Errorf(domain.ECONFLICT, "This payment is %s: there is nothing to pay.", v.Payment.Status.Label())
	}
	return s.simulate(ctx, v.Payment, o)
}

// SimulateDispute sends the dispute a cardholder would open on a succeeded
// payment: test mode only, for operators trying the dispute workflow.
func (s *Service) SimulateDispute(ctx context.Context, publicID string) error {
	if !s.TestMode() {
		return notFound()
	}
	_, ctx, err := identity.Authorize(ctx, identity.PermPaymentsWrite)
	if err != nil {
		return err
	}
	p, found, err := s.Store.Payment(ctx, publicID, false)
	if err != nil || !found {
		return errOr(err, notFound())
	}
	if p.Status != Succeeded {
		return domain.Errorf(domain.ECONFLICT, "Only a succeeded payment can be disputed.")
	}
	return s.simulate(ctx, p, OutcomeDispute)
}

func (s *Service) simulate(ctx context.Context, p Payment, o Outcome) error {
	events, err := s.Simulator.Simulate(p, o, s.now())
	if err != nil {
		return err
	}
	if err := s.record(ctx, audit.PaymentOutcomeSimulate, audit.Success, p, map[string]string{"outcome": string(o)}); err != nil {
		return err
	}
	for _, e := range events {
		if err := s.ReceiveWebhook(ctx, e.Payload, e.Signature); err != nil {
			return err
		}
	}
	return nil
}
