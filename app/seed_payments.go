package app

import (
	"context"
	"strconv"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/payments"
)

// demoPayments are `make run`'s payments, in test mode only: each created
// through the service against stripe-mock, then taken to its outcome by
// signed events through the webhook path, as a payer would.
var demoPayments = []struct {
	customer, description string
	amount                money.Amount
	outcome               payments.Outcome // "" stays open
	dispute               bool
	refund                int64 // minor units; above the threshold it awaits approval
}{
	{"acme-corp", "Invoice INV-2026-0412", money.Amount{Minor: 125_000, Currency: "USD"}, payments.OutcomeSucceeded, false, 0},
	{"globex", "Invoice INV-2026-0413", money.Amount{Minor: 48_900, Currency: "USD"}, payments.OutcomeSucceeded, false, 4_900},
	{"initech", "Subscription, December", money.Amount{Minor: 2_900, Currency: "EUR"}, payments.OutcomeSucceeded, false, 0},
	{"umbrella", "Order 88231", money.Amount{Minor: 310_000, Currency: "USD"}, payments.OutcomeReview, false, 0},
	{"hooli", "Order 88232", money.Amount{Minor: 89_500, Currency: "GBP"}, payments.OutcomeSucceeded, true, 0},
	{"stark-ind", "Invoice INV-2026-0414", money.Amount{Minor: 720_000, Currency: "USD"}, payments.OutcomeSucceeded, false, 120_000},
	{"wayne-ent", "Order 88233", money.Amount{Minor: 15_000, Currency: "JPY"}, payments.OutcomeSucceeded, false, 0},
	{"soylent", "Order 88234", money.Amount{Minor: 6_400, Currency: "USD"}, payments.OutcomeDeclined, false, 0},
	{"tyrell", "Deposit", money.Amount{Minor: 250_000, Currency: "EUR"}, payments.OutcomeRequiresAction, false, 0},
	{"cyberdyne", "Order 88235", money.Amount{Minor: 33_300, Currency: "USD"}, payments.OutcomeProcessing, false, 0},
	{"massive-dyn", "Order 88236", money.Amount{Minor: 99_000, Currency: "USD"}, payments.OutcomeReview, false, 0},
	{"oscorp", "Invoice INV-2026-0415", money.Amount{Minor: 41_250, Currency: "USD"}, "", false, 0},
	{"vandelay", "Order 88237", money.Amount{Minor: 1_250, Currency: "KWD"}, "", false, 0},
}

func seedPayments(ctx context.Context, env seedEnv) (int, error) {
	svc := env.payments
	if !svc.TestMode() {
		return 0, nil // never make demo payments against a real Stripe account
	}
	ctx = identity.WithServiceCaller(ctx, audit.Actor{Type: audit.ActorUser, ID: "dana.reyes", Roles: []string{string(identity.Operator)}},
		identity.PermPaymentsRead, identity.PermPaymentsWrite, identity.PermPaymentsRefund)
	if existing, _, err := svc.List(ctx, payments.Query{Limit: 1}); err != nil || len(existing) > 0 {
		return 0, err
	}
	for i, d := range demoPayments {
		p, err := svc.Create(ctx, payments.NewPayment{RequestRef: "demo:" + strconv.Itoa(i), Amount: d.amount,
			CustomerRef: d.customer, Description: d.description, Metadata: map[string]string{"source": "demo"}})
		if err != nil {
			return i, err
		}
		outcomes := []payments.Outcome{d.outcome}
		if d.dispute {
			outcomes = append(outcomes, payments.OutcomeDispute)
		}
		for _, o := range outcomes {
			if o == "" {
				continue
			}
			if err := deliverNow(ctx, svc, p, o); err != nil {
				return i, err
			}
		}
		if d.refund > 0 {
			if _, err := svc.RequestRefund(ctx, payments.NewRefund{PaymentID: p.PublicID, Amount: d.refund,
				Reason: payments.ReasonRequestedByCustomer, RequestRef: "demo:" + strconv.Itoa(i)}); err != nil {
				return i, err
			}
		}
	}
	return len(demoPayments), nil
}

// deliverNow sends an outcome's signed events through the webhook path and
// applies them at once (their queued jobs then find nothing left to do),
// so that the demo's refunds can follow.
func deliverNow(ctx context.Context, svc *payments.Service, p payments.Payment, o payments.Outcome) error {
	events, err := svc.Simulator.Simulate(p, o, audit.Now())
	if err != nil {
		return err
	}
	for _, e := range events {
		if err := svc.ReceiveWebhook(ctx, e.Payload, e.Signature); err != nil {
			return err
		}
		read, err := svc.Events.Read(e.Payload)
		if err != nil {
			return err
		}
		if err := svc.ApplyEvent(ctx, read.ID); err != nil {
			return err
		}
	}
	return nil
}
