package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/payments"
	"github.com/paycompliance/console/internal/wait"
	"github.com/paycompliance/console/jobs"
	"github.com/paycompliance/console/jobs/jobstest"
	"github.com/paycompliance/console/keyfile"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/postgres/pgtest"
	"github.com/paycompliance/console/stripe"
	"github.com/paycompliance/console/stripe/stripetest"
)

const webhookSecret = "whsec_payments_test"

// paymentsFixture is the payments service as the console wires it: on a
// fresh database through the application role, stripe-mock behind a
// recording proxy, the job queue running with quick retries.
type paymentsFixture struct {
	db     *pgxpool.Pool
	owner  *pgxpool.Pool
	svc    *payments.Service
	stripe *stripetest.Server
	sim    stripe.Simulator
}

func newPaymentsFixture(t *testing.T) *paymentsFixture {
	t.Helper()
	ctx := context.Background()
	owner, url := pgtest.NewDB(t)
	db, err := postgres.Connect(ctx, url, 8, postgres.AppRole)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	p, err := keyfile.Open(filepath.Join(t.TempDir(), "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	srv := stripetest.Start(t)
	inserter, err := jobs.NewInserter(db)
	if err != nil {
		t.Fatal(err)
	}
	f := &paymentsFixture{db: db, owner: owner, stripe: srv, sim: stripe.Simulator{Secret: webhookSecret}}
	f.svc = &payments.Service{Store: postgres.PaymentStore{DB: db}, Tx: postgres.Transactor{DB: db},
		Audit:   audit.NewLog(postgres.AuditOutbox{DB: db}),
		Gateway: stripe.New(stripe.Config{SecretKey: "sk_test_console", APIURL: srv.URL, Timeout: 2 * time.Second, MaxRetries: 1}),
		Events:  stripe.Events{Secret: webhookSecret, Tolerance: 5 * time.Minute}, Simulator: f.sim,
		Jobs: inserter, Keys: keys.New(p, keys.Options{}), RefundApprovalAbove: 10_000}
	var opts jobs.Options
	jobs.AddPaymentJobs(&opts, f.svc, 0)
	jobstest.Start(t, db, opts)
	return f
}

// as is a context acting as an operator (or any caller) named id.
func as(id string, perms ...identity.Permission) context.Context {
	if len(perms) == 0 {
		perms = []identity.Permission{identity.PermPaymentsRead, identity.PermPaymentsWrite, identity.PermPaymentsRefund}
	}
	return identity.WithServiceCaller(context.Background(), audit.Actor{Type: audit.ActorUser, ID: id}, perms...)
}

func (f *paymentsFixture) create(t *testing.T, ref string, minor int64) payments.Payment {
	t.Helper()
	p, err := f.svc.Create(as("op.ada"), payments.NewPayment{RequestRef: ref, Amount: money.Amount{Minor: minor, Currency: "USD"},
		CustomerRef: "cus-" + ref, Description: "Order " + ref})
	if err != nil {
		t.Fatalf("create %s: %v", ref, err)
	}
	return p
}

// deliver signs the outcome's events and delivers each as Stripe would.
func (f *paymentsFixture) deliver(t *testing.T, p payments.Payment, o payments.Outcome, at time.Time) []payments.SignedEvent {
	t.Helper()
	events, err := f.sim.Simulate(p, o, at)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if err := f.svc.ReceiveWebhook(context.Background(), e.Payload, e.Signature); err != nil {
			t.Fatalf("deliver %s: %v", o, err)
		}
	}
	return events
}

// refund asks for a refund as an operator, under a fresh request reference.
func (f *paymentsFixture) refund(ctx context.Context, id string, amount int64, reason payments.RefundReason) (payments.Refund, error) {
	b := make([]byte, 8)
	rand.Read(b)
	return f.svc.RequestRefund(ctx, payments.NewRefund{PaymentID: id, Amount: amount, Reason: reason, RequestRef: hex.EncodeToString(b)})
}

func (f *paymentsFixture) payment(t *testing.T, id string) payments.Payment {
	t.Helper()
	p, err := f.svc.Get(as("reader", identity.PermPaymentsRead), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *paymentsFixture) waitStatus(t *testing.T, id string, want payments.Status) payments.Payment {
	t.Helper()
	var p payments.Payment
	wait.For(t, "payment "+id+" never became "+string(want), func() bool { p = f.payment(t, id); return p.Status == want })
	return p
}

func (f *paymentsFixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.owner.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *paymentsFixture) audited(t *testing.T, action audit.Action) int {
	return f.count(t, `SELECT count(*) FROM audit_outbox WHERE convert_from(entry, 'UTF8')::jsonb->>'action' = $1`, string(action))
}

// The same request reference always means the same payment: retried in
// turn or raced, one payment is stored and Stripe is asked under one
// idempotency key; the same reference for another payment is refused.
func TestPayments_CreateIsIdempotent(t *testing.T) {
	t.Parallel()
	f := newPaymentsFixture(t)
	first := f.create(t, "ref-1", 2500)
	again := f.create(t, "ref-1", 2500)
	if again.PublicID != first.PublicID || again.IntentID != first.IntentID {
		t.Fatalf("a retry made another payment: %s then %s", first.PublicID, again.PublicID)
	}
	_, err := f.svc.Create(as("op.ada"), payments.NewPayment{RequestRef: "ref-1", Amount: money.Amount{Minor: 9900, Currency: "USD"}, CustomerRef: "cus-ref-1", Description: "Order ref-1"})
	if domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("the same reference for a different payment = %v, want conflict", err)
	}
	var wg sync.WaitGroup
	ids := make([]string, 10)
	for i := range ids {
		wg.Go(func() {
			p, err := f.svc.Create(as("op.ada"), payments.NewPayment{RequestRef: "race", Amount: money.Amount{Minor: 700, Currency: "EUR"}, CustomerRef: "cus-race"})
			if err != nil && domain.ErrorCode(err) != domain.ECONFLICT {
				t.Errorf("raced create: %v", err)
			}
			ids[i] = p.PublicID
		})
	}
	wg.Wait()
	if n := f.count(t, `SELECT count(*) FROM payments WHERE request_ref = 'race'`); n != 1 {
		t.Fatalf("%d payments stored for one raced reference", n)
	}
	keys := f.stripe.IdempotencyKeys("POST", "/v1/payment_intents")
	if len(keys) != 2 {
		t.Fatalf("Stripe was asked under %d idempotency keys for two payments: %v", len(keys), keys)
	}
	if n := f.audited(t, audit.PaymentCreated); n != 2 {
		t.Fatalf("%d payment.created records for two payments", n)
	}
}

// A webhook event delivered twice in turn, then twenty times at once, is
// stored once, queued once and applied once.
func TestPayments_WebhookAppliedOnce(t *testing.T) {
	t.Parallel()
	f := newPaymentsFixture(t)
	p := f.create(t, "once", 1800)
	events, err := f.sim.Simulate(p, payments.OutcomeProcessing, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	e := events[0]
	for range 2 {
		if err := f.svc.ReceiveWebhook(context.Background(), e.Payload, e.Signature); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if err := f.svc.ReceiveWebhook(context.Background(), e.Payload, e.Signature); err != nil {
				t.Errorf("concurrent delivery: %v", err)
			}
		})
	}
	wg.Wait()
	f.waitStatus(t, p.PublicID, payments.Processing)
	wait.For(t, "the event was not marked applied", func() bool {
		return f.count(t, `SELECT count(*) FROM stripe_events WHERE state = 'applied'`) == 1
	})
	for what, sql := range map[string]string{
		"stored events":   `SELECT count(*) FROM stripe_events`,
		"queued jobs":     `SELECT count(*) FROM river_job WHERE kind = 'payments.webhook'`,
		"history entries": `SELECT count(*) FROM payment_history WHERE status = 'processing'`,
		"kept payloads":   `SELECT count(*) FROM stripe_events WHERE payload IS NOT NULL`,
	} {
		want := 1
		if what == "kept payloads" {
			want = 0
		}
		if n := f.count(t, sql); n != want {
			t.Errorf("%s: %d, want %d", what, n, want)
		}
	}
	if n := f.audited(t, audit.WebhookApplied); n != 1 {
		t.Errorf("%d webhook.applied records for one event", n)
	}
}

// Events applied in any order leave the payment as the latest report
// says: a late "processing" never overwrites "succeeded".
func TestPayments_OutOfOrderEvents(t *testing.T) {
	t.Parallel()
	f := newPaymentsFixture(t)
	p := f.create(t, "late", 3000)
	now := time.Now()
	f.deliver(t, p, payments.OutcomeSucceeded, now.Add(2*time.Second))
	f.waitStatus(t, p.PublicID, payments.Succeeded)
	f.deliver(t, p, payments.OutcomeProcessing, now.Add(time.Second))
	f.deliver(t, p, payments.OutcomeProcessing, now.Add(10*time.Second))
	wait.For(t, "the late events were not applied", func() bool {
		return f.count(t, `SELECT count(*) FROM stripe_events WHERE state = 'applied'`) == 4
	})
	got := f.payment(t, p.PublicID)
	if got.Status != payments.Succeeded || got.Card.Last4 != "4242" || got.Risk.Level != payments.RiskNormal {
		t.Fatalf("after late events the payment is %s (card %+v, risk %+v)", got.Status, got.Card, got.Risk)
	}
	if n := f.count(t, `SELECT count(*) FROM stripe_events WHERE note LIKE 'kept succeeded%'`); n != 2 {
		t.Fatalf("%d late events noted as kept, want 2", n)
	}
	// A stale failure after a newer "processing" does not win either.
	q := f.create(t, "stale", 3000)
	f.deliver(t, q, payments.OutcomeProcessing, now.Add(5*time.Second))
	f.waitStatus(t, q.PublicID, payments.Processing)
	f.deliver(t, q, payments.OutcomeDeclined, now.Add(3*time.Second))
	wait.For(t, "the stale failure was not applied", func() bool {
		return f.count(t, `SELECT count(*) FROM stripe_events e JOIN payments p ON p.id = e.payment_id WHERE p.public_id = $1 AND e.state = 'applied'`, q.PublicID) == 3
	})
	if got := f.payment(t, q.PublicID); got.Status != payments.Processing {
		t.Fatalf("a stale failure overwrote processing: %s", got.Status)
	}
}

// A bad signature changes nothing and is recorded; events of unknown
// types, or for PaymentIntents that are not ours, are kept as ignored.
func TestPayments_WebhookRefusedAndIgnored(t *testing.T) {
	t.Parallel()
	f := newPaymentsFixture(t)
	p := f.create(t, "sig", 1000)
	events, _ := f.sim.Simulate(p, payments.OutcomeSucceeded, time.Now())
	bad := strings.Replace(events[1].Signature, "v1=", "v1=00", 1)
	if err := f.svc.ReceiveWebhook(context.Background(), events[1].Payload, bad); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("a bad signature = %v, want invalid", err)
	}
	if n := f.count(t, `SELECT count(*) FROM stripe_events`); n != 0 {
		t.Fatalf("a refused webhook stored %d events", n)
	}
	if n := f.audited(t, audit.WebhookRejected); n != 1 {
		t.Fatalf("%d webhook.rejected records", n)
	}
	stranger := p
	stranger.IntentID = "pi_not_ours"
	f.deliver(t, stranger, payments.OutcomeProcessing, time.Now())
	unknown := stripe.Simulator{Secret: webhookSecret}
	signed, _ := unknown.Simulate(p, payments.OutcomeProcessing, time.Now())
	body := strings.Replace(string(signed[0].Payload), "payment_intent.processing", "payment_intent.partially_funded", 1)
	sig := signBody(t, []byte(body))
	if err := f.svc.ReceiveWebhook(context.Background(), []byte(body), sig); err != nil {
		t.Fatal(err)
	}
	wait.For(t, "the events were not settled", func() bool {
		return f.count(t, `SELECT count(*) FROM stripe_events WHERE state = 'ignored'`) == 2
	})
	if got := f.payment(t, p.PublicID); got.Status != payments.Open {
		t.Fatalf("an ignored event changed the payment to %s", got.Status)
	}
}

// Partial refunds up to the threshold go to Stripe at once under the
// refund's own key; above it a second operator must approve, never the
// one who asked; nothing can refund more than was paid.
func TestPayments_Refunds(t *testing.T) {
	t.Parallel()
	f := newPaymentsFixture(t)
	p := f.create(t, "refund", 50_000)
	if _, err := f.refund(as("op.ada"), p.PublicID, 100, payments.ReasonRequestedByCustomer); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("refunding an unpaid payment = %v, want conflict", err)
	}
	f.deliver(t, p, payments.OutcomeSucceeded, time.Now())
	f.waitStatus(t, p.PublicID, payments.Succeeded)

	small, err := f.refund(as("op.ada"), p.PublicID, 2_500, payments.ReasonRequestedByCustomer)
	if err != nil || small.Status != payments.RefundPending {
		t.Fatalf("a small refund = %+v, %v", small, err)
	}
	wait.For(t, "the small refund was not sent", func() bool {
		d, _ := f.svc.Detail(as("r", identity.PermPaymentsRead), p.PublicID)
		return len(d.Refunds) == 1 && d.Refunds[0].ProviderID != "" && d.Refunds[0].Status == payments.RefundSucceeded
	})
	if keys := f.stripe.IdempotencyKeys("POST", "/v1/refunds"); len(keys) != 1 || keys["pcc_refund_"+itoa(small.ID)] == 0 {
		t.Fatalf("refund calls under keys %v", keys)
	}

	big, err := f.refund(as("op.ada"), p.PublicID, 40_000, payments.ReasonDuplicate)
	if err != nil || big.Status != payments.RefundAwaitingApproval {
		t.Fatalf("a large refund = %+v, %v", big, err)
	}
	if _, err := f.refund(as("op.ada"), p.PublicID, 8_000, payments.ReasonDuplicate); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("refunding more than remains (the pending approval holds its part) = %v, want invalid", err)
	}
	if _, err := f.svc.DecideRefund(as("op.ada"), big.ID, true); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("the requester approving their own refund = %v, want forbidden", err)
	}
	if _, err := f.svc.DecideRefund(as("auditor", identity.PermPaymentsRead), big.ID, true); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("a reader approving = %v, want forbidden", err)
	}
	if len(f.stripe.Requests("POST", "/v1/refunds")) != 1 {
		t.Fatal("a refund awaiting approval reached Stripe")
	}
	approved, err := f.svc.DecideRefund(as("op.bob"), big.ID, true)
	if err != nil || approved.Status != payments.RefundPending || approved.DecidedBy != "op.bob" {
		t.Fatalf("approval by another operator = %+v, %v", approved, err)
	}
	if _, err := f.svc.DecideRefund(as("op.cy"), big.ID, false); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("deciding twice = %v, want conflict", err)
	}
	wait.For(t, "the approved refund was not sent", func() bool { return len(f.stripe.Requests("POST", "/v1/refunds")) == 2 })
	got := f.payment(t, p.PublicID)
	if got.Refunded != 42_500 || got.Refundable() != 7_500 {
		t.Fatalf("refunded %d, refundable %d", got.Refunded, got.Refundable())
	}
	for _, a := range []audit.Action{audit.RefundRequested, audit.RefundApproved} {
		if f.audited(t, a) == 0 {
			t.Errorf("no %s record", a)
		}
	}
	wait.For(t, "refunds not recorded as done", func() bool { return f.audited(t, audit.PaymentRefunded) == 2 })

	// The database refuses what the application would have: refunds
	// totalling more than the payment, even written directly.
	_, err = f.db.Exec(context.Background(), `INSERT INTO refunds (payment_id, amount, currency, reason, status, status_at, requested_by, created_at)
		SELECT id, 7501, 'USD', 'duplicate', 'pending', now(), 'intruder', now() FROM payments WHERE public_id = $1`, p.PublicID)
	if err == nil || !strings.Contains(err.Error(), "SQLSTATE 23514") {
		t.Fatalf("an over-refund written directly = %v, want the trigger's refusal", err)
	}
}

// Stripe unreachable when a refund is sent, then Stripe making it but the
// answer lost (a crash or a cut connection right after): the job tries
// again, always under the refund's one idempotency key, so Stripe gives
// back the refund it made; the money goes back once.
func TestPayments_RefundRetriedUnderOneKey(t *testing.T) {
	t.Parallel()
	f := newPaymentsFixture(t)
	p := f.create(t, "outage", 5_000)
	f.deliver(t, p, payments.OutcomeSucceeded, time.Now())
	f.waitStatus(t, p.PublicID, payments.Succeeded)
	f.stripe.SetDown(true)
	r, err := f.refund(as("op.ada"), p.PublicID, 0, payments.ReasonRequestedByCustomer)
	if err != nil || r.Amount.Minor != 5_000 {
		t.Fatalf("a full refund = %+v, %v", r, err)
	}
	wait.For(t, "the refund job did not retry while Stripe was down", func() bool {
		return f.count(t, `SELECT coalesce(max(attempt), 0) FROM river_job WHERE kind = 'payments.refund'`) >= 2
	})
	f.stripe.SetDropAnswers(true)
	f.stripe.SetDown(false)
	wait.For(t, "Stripe never took the refund", func() bool {
		for _, req := range f.stripe.Requests("POST", "/v1/refunds") {
			if req.Reached {
				return true
			}
		}
		return false
	})
	if got := f.payment(t, p.PublicID); got.Refunded != 5_000 {
		t.Fatalf("a refund whose answer was lost holds %d, want all 5,000: it must not be refundable again", got.Refunded)
	}
	f.stripe.SetDropAnswers(false)
	if err := f.svc.ExecuteRefund(context.Background(), r.ID); err != nil { // as the job's next attempt does
		t.Fatal(err)
	}
	wait.For(t, "the refund never succeeded", func() bool {
		d, _ := f.svc.Detail(as("r", identity.PermPaymentsRead), p.PublicID)
		return d.Refunds[0].Status == payments.RefundSucceeded
	})
	reqs := f.stripe.Requests("POST", "/v1/refunds")
	if keys := f.stripe.IdempotencyKeys("POST", "/v1/refunds"); len(keys) != 1 || len(reqs) < 3 {
		t.Fatalf("%d refund attempts under keys %v: want several, all under one key", len(reqs), keys)
	}
}

// Refunds asked for at once, each of 40% of a payment: the row lock makes
// them take turns, so two are taken and the rest refused with a conflict.
func TestPayments_ConcurrentRefunds(t *testing.T) {
	t.Parallel()
	f := newPaymentsFixture(t)
	p := f.create(t, "race-refund", 100_000)
	f.deliver(t, p, payments.OutcomeSucceeded, time.Now())
	f.waitStatus(t, p.PublicID, payments.Succeeded)
	f.svc.RefundApprovalAbove = 1 << 40
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { _, errs[i] = f.refund(as("op.ada"), p.PublicID, 40_000, payments.ReasonDuplicate) })
	}
	wg.Wait()
	taken := 0
	for _, err := range errs {
		switch domain.ErrorCode(err) {
		case "":
			taken++
		case domain.EINVALID, domain.ECONFLICT:
		default:
			t.Errorf("a concurrent refund failed unclearly: %v", err)
		}
	}
	if held := f.payment(t, p.PublicID).Refunded; taken != 2 || held != 80_000 {
		t.Fatalf("%d refunds taken holding %d, want 2 holding 80,000", taken, held)
	}
	// The same request twice (a resubmitted form) refunds once.
	ref := payments.NewRefund{PaymentID: p.PublicID, Amount: 5_000, Reason: payments.ReasonDuplicate, RequestRef: "form-nonce-1"}
	first, err1 := f.svc.RequestRefund(as("op.ada"), ref)
	again, err2 := f.svc.RequestRefund(as("op.ada"), ref)
	if err1 != nil || err2 != nil || first.ID != again.ID || f.payment(t, p.PublicID).Refunded != 85_000 {
		t.Fatalf("the same request twice: %v / %v, ids %d and %d", err1, err2, first.ID, again.ID)
	}
}

// Radar reviews and disputes arrive as events and are kept, feeding the
// fraud queue and the disputes list; a canceled payment stays canceled.
func TestPayments_ReviewsDisputesAndCancel(t *testing.T) {
	t.Parallel()
	f := newPaymentsFixture(t)
	p := f.create(t, "radar", 9_000)
	f.deliver(t, p, payments.OutcomeReview, time.Now())
	got := f.waitStatus(t, p.PublicID, payments.Succeeded)
	wait.For(t, "no Radar review", func() bool {
		r, _, _ := f.svc.Reviews(as("fraud", identity.PermPaymentsRead), payments.ListQuery{OpenOnly: true})
		return len(r) == 1 && r[0].PaymentPublic == p.PublicID
	})
	// The three events are applied by jobs in any order, as Stripe may send
	// them: the charge's risk can land after the review and the status.
	wait.For(t, "the charge's risk never landed", func() bool { got = f.payment(t, p.PublicID); return got.Risk.Level != "" })
	if got.Risk.Level != payments.RiskElevated || got.Risk.Score != 72 {
		t.Fatalf("risk %+v", got.Risk)
	}
	if err := f.svc.SimulateDispute(as("op.ada"), p.PublicID); err != nil {
		t.Fatal(err)
	}
	wait.For(t, "no dispute", func() bool {
		d, _, _ := f.svc.Disputes(as("r", identity.PermPaymentsRead), payments.ListQuery{OpenOnly: true})
		return len(d) == 1 && d[0].NeedsResponse() && !d[0].EvidenceDueBy.IsZero()
	})
	if f.audited(t, audit.DisputeOpened) != 1 || f.audited(t, audit.RadarReviewOpened) != 1 {
		t.Fatal("the dispute or the review was not recorded")
	}

	c := f.create(t, "cancel", 1_000)
	if _, err := f.svc.Cancel(as("op.ada"), c.PublicID, "customer changed their mind"); err != nil {
		t.Fatal(err)
	}
	f.deliver(t, c, payments.OutcomeSucceeded, time.Now().Add(time.Minute))
	wait.For(t, "events not applied", func() bool {
		return f.count(t, `SELECT count(*) FROM stripe_events e JOIN payments p ON p.id = e.payment_id WHERE p.public_id = $1`, c.PublicID) == 2
	})
	if got := f.payment(t, c.PublicID); got.Status != payments.Canceled {
		t.Fatalf("a canceled payment became %s", got.Status)
	}
	if _, err := f.svc.Cancel(as("op.ada"), c.PublicID, ""); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("canceling twice = %v", err)
	}
	if _, err := f.svc.Cancel(as("fraud", identity.PermPaymentsRead), p.PublicID, ""); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("a reader canceling = %v", err)
	}
}

// After payments, declines, reviews, refunds, a dispute and a cancel, no
// column of any table holds a card number; and the scan does find one put
// there.
func TestPayments_NoCardNumberStored(t *testing.T) {
	t.Parallel()
	f := newPaymentsFixture(t)
	var paid payments.Payment
	for i, o := range []payments.Outcome{payments.OutcomeSucceeded, payments.OutcomeReview, payments.OutcomeDeclined, payments.OutcomeRequiresAction} {
		p := f.create(t, "pan-"+itoa(int64(i)), 5_000)
		f.deliver(t, p, o, time.Now())
		if o == payments.OutcomeSucceeded {
			paid = p
		}
	}
	open := f.create(t, "pan-cancel", 5_000)
	if _, err := f.svc.Cancel(as("op.ada"), open.PublicID, "customer withdrew"); err != nil {
		t.Fatal(err)
	}
	f.waitStatus(t, paid.PublicID, payments.Succeeded)
	if _, err := f.refund(as("op.ada"), paid.PublicID, 1_000, payments.ReasonRequestedByCustomer); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SimulateDispute(as("op.ada"), paid.PublicID); err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string]payments.NewPayment{
		"description": {RequestRef: "pan-x", Amount: money.Amount{Minor: 1000, Currency: "USD"}, CustomerRef: "cus", Description: "card 4242424242424242"},
		"customer":    {RequestRef: "pan-y", Amount: money.Amount{Minor: 1000, Currency: "USD"}, CustomerRef: "Qty 2 4242 4242 4242 4242"},
	} {
		if _, err := f.svc.Create(as("op.ada"), bad); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("a card number in the %s = %v, want refused", name, err)
		}
	}
	if _, err := f.svc.Cancel(as("op.ada"), paid.PublicID, "card 5555 5555 5555 4444"); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("a card number in a cancel reason = %v, want refused before Stripe is asked", err)
	}
	wait.For(t, "events or refunds not settled", func() bool {
		return f.count(t, `SELECT count(*) FROM stripe_events WHERE state = 'received'`) == 0 &&
			f.count(t, `SELECT count(*) FROM refunds WHERE status = 'pending'`) == 0 &&
			f.count(t, `SELECT count(*) FROM disputes`) == 1
	})
	found, err := postgres.ScanForPANs(context.Background(), f.owner)
	if err != nil || len(found) != 0 {
		t.Fatalf("card numbers stored: %v (%v)", found, err)
	}
	if _, err := f.owner.Exec(context.Background(), `UPDATE payments SET metadata = '{"note": "4000 0566 5566 5556"}' WHERE request_ref = 'pan-0'`); err != nil {
		t.Fatal(err)
	}
	found, err = postgres.ScanForPANs(context.Background(), f.owner)
	if err != nil || len(found) != 1 || found[0].Table != "payments" || found[0].Column != "metadata" {
		t.Fatalf("the scan found %v (%v), want the planted number", found, err)
	}
}

func signBody(t *testing.T, body []byte) string {
	t.Helper()
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: webhookSecret}).Header
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
