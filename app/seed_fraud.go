package app

import (
	"context"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/fraud"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/payments"
)

// demoFraud is `make run`'s scoring history, sent as the risk API's callers
// would (a merchant's checkout, type card_payment): ordinary customers with
// a few weeks of history, and the patterns the rules are for, each one
// the queue shows as a case. The console's own demo payments, transfers and
// releases are scored by the feed as the server starts.
type demoEvent struct {
	customer, card, device, ip, email, country, cardCountry string
	amount                                                  int64 // USD cents
	ago                                                     time.Duration
	radar                                                   int
	reset                                                   time.Duration // since the customer's password reset; 0 for none
}

func demoFraudEvents() []demoEvent {
	var out []demoEvent
	// Regulars: a purchase every few days for five weeks.
	for i, c := range []string{"lena-p", "marco-v", "sofia-k", "yuki-t"} {
		for d := 35; d > 0; d -= 3 + i {
			out = append(out, demoEvent{customer: c, card: "fp-" + c, device: "dev-" + c, ip: "203.0.113." + strconv.Itoa(10+i),
				email: c + "@example.com", country: "US", cardCountry: "US", amount: int64(4_000 + 500*i + 37*d), ago: time.Duration(d) * 24 * time.Hour, radar: 8 + i})
		}
	}
	// Card testing: one new card, small amounts, a burst from one IP.
	for i := range 6 {
		out = append(out, demoEvent{customer: "guest-" + strconv.Itoa(700+i), card: "fp-tested", device: "dev-bot", ip: "198.51.100.66",
			email: "guest" + strconv.Itoa(700+i) + "@mailinator.example", country: "VN", cardCountry: "US", amount: int64(100 + 50*i),
			ago: time.Duration(50-8*i) * time.Minute, radar: 60 + 5*i})
	}
	// Impossible travel and a takeover: a regular, from Lagos an hour after
	// New York, on a new device two days after a password reset, far above
	// her usual amounts.
	out = append(out, demoEvent{customer: "lena-p", card: "fp-lena-p", device: "dev-unknown-7", ip: "102.89.1.20", email: "lena-p@example.com",
		country: "NG", cardCountry: "US", amount: 189_900, ago: 40 * time.Minute, radar: 71, reset: 48 * time.Hour})
	// A synthetic identity ring: one device behind three new "customers".
	for i, c := range []string{"j.doe.1987", "jon-doe", "johnny-d", "john.d"} {
		out = append(out, demoEvent{customer: c, card: "fp-ring-" + strconv.Itoa(i), device: "dev-ring", ip: "192.0.2.44",
			email: c + "@example.com", country: "US", cardCountry: "US", amount: 45_000, ago: time.Duration(4-i) * time.Hour, radar: 70})
	}
	return out
}

func seedFraud(ctx context.Context, env seedEnv) (int, error) {
	ctx = identity.WithServiceCaller(ctx, audit.Actor{Type: audit.ActorAPIKey, ID: "pcc_demo"}, identity.PermFraudAssess, identity.PermFraudRead)
	reviewer := identity.WithServiceCaller(ctx, audit.Actor{Type: audit.ActorUser, ID: "chen.wu", Roles: []string{string(identity.FraudReviewer)}},
		identity.PermFraudRead, identity.PermFraudReview)
	if entries, _, err := env.fraud.Lists(ctx, 0); err != nil || len(entries) > 0 {
		return 0, err // seeded already
	}
	if _, err := env.fraud.AddToList(reviewer, fraud.ListEntry{List: fraud.BlockList, Key: fraud.KeyIP, Value: "198.51.100.250",
		Note: "Proxy exit node seen in last month's card testing"}); err != nil {
		return 0, err
	}
	now := time.Now().UTC()
	added := 1
	for i, d := range demoFraudEvents() {
		e := fraud.Event{Type: "card_payment", Ref: "demo-" + strconv.Itoa(i), Customer: d.customer, CardFingerprint: d.card,
			DeviceID: d.device, IP: d.ip, Email: d.email, Country: d.country, CardCountry: d.cardCountry,
			Amount: money.Amount{Minor: d.amount, Currency: "USD"}, RadarScore: d.radar, OccurredAt: now.Add(-d.ago)}
		if d.reset > 0 {
			e.AccountChangedAt = e.OccurredAt.Add(-d.reset)
		}
		if _, err := env.fraud.Assess(ctx, e); err != nil {
			return added, err
		}
		added++
	}
	if env.payments.TestMode() { // a real Stripe account gets no demo payments
		if err := seedSuspiciousPayment(ctx, env); err != nil {
			return added, err
		}
		added++
	}
	return added, nil
}

// seedSuspiciousPayment is a payment the feed scores for review as the
// server starts, the highest-risk case in the demo queue: Radar found it
// elevated, its IP is in Nigeria for a US card, its device is the ring's,
// and its customer is new. Declining it refunds it through payments.
func seedSuspiciousPayment(ctx context.Context, env seedEnv) error {
	ctx = identity.WithServiceCaller(ctx, audit.Actor{Type: audit.ActorUser, ID: "dana.reyes", Roles: []string{string(identity.Operator)}},
		identity.PermPaymentsRead, identity.PermPaymentsWrite)
	p, err := env.payments.Create(ctx, payments.NewPayment{RequestRef: "demo:fraud-1", Amount: money.Amount{Minor: 34_900, Currency: "USD"},
		CustomerRef: "nova-okoro", Description: "Order 88240, express shipping",
		Metadata: map[string]string{"source": "demo", "ip": "102.89.7.31", "ip_country": "NG", "device_id": "dev-ring", "email": "n.okoro@example.com"}})
	if err != nil {
		return err
	}
	return deliverNow(ctx, env.payments, p, payments.OutcomeReview)
}
