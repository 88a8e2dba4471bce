package postgres_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paycompliance/console/app"
	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/escrow"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/keys"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/payments"
	"github.com/paycompliance/console/domain/screening"
	"github.com/paycompliance/console/jobs"
	"github.com/paycompliance/console/jobs/jobstest"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/stripe"
	"github.com/paycompliance/console/stripe/stripetest"
)

// escrowFixture is escrow over real ACH, payments on stripe-mock and
// screening, on one fresh database. Executions are called directly, so a
// test decides when and how often they run.
type escrowFixture struct {
	*achFixture
	escrow   *escrow.Service
	payments *payments.Service
	stripe   *stripetest.Server
	ring     *keys.Keyring
	steps    atomic.Int64
}

// connected is the Stripe connected account stripe-mock accepts.
const connected = "acct_1032D82eZvKYlo2C"

func newEscrowFixture(t testing.TB) *escrowFixture {
	t.Helper()
	af := newACHFixture(t, true)
	f := &escrowFixture{achFixture: af, stripe: stripetest.Start(t), ring: af.ach.Keys.(*keys.Keyring)}
	inserter, err := jobs.NewInserter(af.db)
	if err != nil {
		t.Fatal(err)
	}
	gateway := stripe.New(stripe.Config{SecretKey: "sk_test_console", APIURL: f.stripe.URL, Timeout: 2 * time.Second, MaxRetries: 1})
	f.payments = &payments.Service{Store: postgres.PaymentStore{DB: af.db}, Tx: postgres.Transactor{DB: af.db}, Audit: af.svc.Audit,
		Gateway: gateway, Events: stripe.Events{Secret: webhookSecret, Tolerance: 5 * time.Minute}, Simulator: stripe.Simulator{Secret: webhookSecret},
		Jobs: inserter, Keys: f.ring, RefundApprovalAbove: 10_000}
	f.escrow = &escrow.Service{Store: postgres.EscrowStore{DB: af.db}, Tx: postgres.Transactor{DB: af.db}, Audit: af.svc.Audit, Keys: f.ring,
		Challenger: f, Screening: af.svc, Jobs: inserter, Accounts: escrow.Rails{ACH: af.ach, Payments: f.payments, Keys: f.ring},
		Payouts: map[escrow.PayeeKind]escrow.Payout{escrow.BankAccount: escrow.ACHPayout{ACH: af.ach}, escrow.StripeAccount: stripe.Transfers{Client: gateway}}}
	af.svc.Holders = append(af.svc.Holders, f.escrow)
	var opts jobs.Options
	jobs.AddPaymentJobs(&opts, f.payments, 0)
	jobstest.Start(t, af.db, opts)
	return f
}

// Countersign stands for identity's TOTP check (tested with identity): it
// hands out a fresh time step per call.
func (f *escrowFixture) Countersign(context.Context, string) (int64, error) {
	return 59_000_000 + f.steps.Add(1), nil
}

func escrowCtx(id string, perms ...identity.Permission) context.Context {
	return identity.WithServiceCaller(context.Background(), audit.Actor{Type: audit.ActorUser, ID: id}, perms...)
}

func writer(id string) context.Context {
	return escrowCtx(id, identity.PermEscrowRead, identity.PermEscrowWrite)
}

func approver(id string) context.Context {
	return escrowCtx(id, identity.PermEscrowRead, identity.PermEscrowApprove)
}

// twoOfThree is a policy of one group: two of ben, priya and tomas.
func twoOfThree() escrow.PolicyRules {
	return escrow.PolicyRules{Groups: []escrow.Group{{Name: "finance", Threshold: 2, Members: []string{"ben", "priya", "tomas"}}}}
}

// open opens an escrow paying a Stripe connected account, funded by a
// succeeded payment of amount from its payer.
func (f *escrowFixture) open(t testing.TB, ref string, rules escrow.PolicyRules, amount int64) escrow.Escrow {
	t.Helper()
	e, err := f.escrow.Create(writer("op.ada"), escrow.NewEscrow{RequestRef: ref, PayerRef: "cus-" + ref, PayerName: "Acme Buyer",
		PayeeName: "Jane Ordinary", PayeeType: screening.Individual, PayeeKind: escrow.StripeAccount, PayeeAccount: connected,
		Currency: "USD", Conditions: "Goods delivered and inspected", Policy: rules})
	if err != nil {
		t.Fatalf("open %s: %v", ref, err)
	}
	f.fund(t, e, ref+"-pay", amount, "op.ada")
	return e
}

func (f *escrowFixture) fund(t testing.TB, e escrow.Escrow, ref string, amount int64, by string) {
	t.Helper()
	p := f.paid(t, ref, amount, e.PayerRef, nil)
	if _, err := f.escrow.Fund(writer(by), e.PublicID, p.PublicID); err != nil {
		t.Fatal(err)
	}
}

// paid makes a payment of amount from customer that succeeds.
func (f *escrowFixture) paid(t testing.TB, ref string, amount int64, customer string, metadata map[string]string) payments.Payment {
	t.Helper()
	p, err := f.payments.Create(as("op.ada"), payments.NewPayment{RequestRef: ref, Amount: money.Amount{Minor: amount, Currency: "USD"},
		CustomerRef: customer, Description: "Order " + ref, Metadata: metadata})
	if err != nil {
		t.Fatal(err)
	}
	events, err := f.payments.Simulator.Simulate(p, payments.OutcomeSucceeded, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range events {
		if err := f.payments.ReceiveWebhook(context.Background(), ev.Payload, ev.Signature); err != nil {
			t.Fatal(err)
		}
		// Applied here rather than left to the queue, whose clients on this
		// database each run only their own area's jobs.
		var id struct{ ID string }
		json.Unmarshal(ev.Payload, &id)
		if err := f.payments.ApplyEvent(context.Background(), id.ID); err != nil {
			t.Fatal(err)
		}
	}
	var got payments.Payment
	waitFor(t, "the payment never succeeded", func() bool {
		got, _ = f.payments.Get(as("r", identity.PermPaymentsRead), p.PublicID)
		return got.Status == payments.Succeeded
	})
	return got
}

func (f *escrowFixture) request(t testing.TB, e escrow.Escrow, ref string, amount int64) escrow.Release {
	t.Helper()
	r, err := f.escrow.RequestRelease(writer("op.ada"), e.PublicID, escrow.NewRelease{RequestRef: ref, Amount: amount, Reason: "Milestone one delivered"})
	if err != nil {
		t.Fatalf("request %s: %v", ref, err)
	}
	return r
}

func (f *escrowFixture) approve(id string, r escrow.Release) (escrow.ReleaseView, error) {
	v, err := f.escrow.Release(approver(id), r.PublicID)
	if err != nil {
		return v, err
	}
	return f.escrow.Approve(approver(id), r.PublicID, v.Release.Payload().Hash(), "123456")
}

func (f *escrowFixture) release(t testing.TB, r escrow.Release) escrow.ReleaseView {
	t.Helper()
	v, err := f.escrow.Release(approver("reader"), r.PublicID)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (f *escrowFixture) balances(t testing.TB, e escrow.Escrow) escrow.Balances {
	t.Helper()
	d, err := f.escrow.Get(writer("reader"), e.PublicID)
	if err != nil {
		t.Fatal(err)
	}
	return d.Balances
}

// setClock moves the database's clock (escrow_now) by d from now, for
// every new connection.
func (f *escrowFixture) setClock(t testing.TB, d time.Duration) {
	t.Helper()
	at := time.Now().Add(d).UTC().Format(time.RFC3339Nano)
	if _, err := f.owner.Exec(context.Background(), fmt.Sprintf(`ALTER DATABASE %q SET console.clock = '%s'`, f.dbName(t), at)); err != nil {
		t.Fatal(err)
	}
	f.db.Reset()
}

func (f *escrowFixture) dbName(t testing.TB) string {
	var name string
	if err := f.owner.QueryRow(context.Background(), `SELECT current_database()`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	return name
}

func waitFor(t testing.TB, msg string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
	}
}

func code(err error) string { return domain.ErrorCode(err) }

// Who may not approve: the requester (even when designated), whoever
// created or funded the escrow, anyone outside the policy; a second
// signature by the same approver is refused and counts once.
func TestEscrow_WhoCountsAsApprover(t *testing.T) {
	t.Parallel()
	f := newEscrowFixture(t)
	rules := escrow.PolicyRules{Groups: []escrow.Group{{Name: "finance", Threshold: 2, Members: []string{"ben", "priya", "op.ada", "funder"}}}}
	e := f.open(t, "who", rules, 50_000)
	f.fund(t, e, "who-more", 10_000, "funder")
	r, err := f.escrow.RequestRelease(writer("priya"), e.PublicID, escrow.NewRelease{RequestRef: "who-r", Amount: 20_000, Reason: "Milestone one delivered"})
	if err != nil {
		t.Fatal(err)
	}
	for who, why := range map[string]string{"priya": "requested", "op.ada": "created", "funder": "funded", "mallory": "not an approver"} {
		if _, err := f.approve(who, r); code(err) != domain.EFORBIDDEN {
			t.Errorf("an approval by %s (%s) = %v, want refused", who, why, err)
		}
	}
	if _, err := f.escrow.Approve(escrowCtx("ben", identity.PermEscrowRead), r.PublicID, r.Payload().Hash(), "1"); code(err) != domain.EFORBIDDEN {
		t.Errorf("an approval without the approve permission = %v", err)
	}
	if _, err := f.approve("ben", r); err != nil {
		t.Fatal(err)
	}
	if _, err := f.approve("ben", r); code(err) != domain.EFORBIDDEN {
		t.Errorf("ben's second approval = %v, want refused", err)
	}
	v := f.release(t, r)
	if len(v.Approvals) != 1 || len(v.Counting) != 1 || v.Release.Status != escrow.Pending {
		t.Fatalf("after one approval: %d approvals, %d counting, %s", len(v.Approvals), len(v.Counting), v.Release.Status)
	}
	if n := f.count(t, `SELECT count(*) FROM escrow_approvals`); n != 1 {
		t.Fatalf("%d approvals stored", n)
	}
}

// Two groups required together: 2 of finance and 1 of compliance. A
// member of both counts once, towards one of them.
func TestEscrow_MofNAcrossTwoGroups(t *testing.T) {
	t.Parallel()
	f := newEscrowFixture(t)
	rules := escrow.PolicyRules{Groups: []escrow.Group{
		{Name: "finance", Threshold: 2, Members: []string{"ben", "priya", "both"}},
		{Name: "compliance", Threshold: 1, Members: []string{"amelia", "both"}}}}
	e := f.open(t, "groups", rules, 30_000)
	r := f.request(t, e, "groups-r", 30_000)
	for _, who := range []string{"both", "ben"} {
		if _, err := f.approve(who, r); err != nil {
			t.Fatal(err)
		}
	}
	if v := f.release(t, r); v.Release.Status != escrow.Pending {
		t.Fatalf("with both and ben signed (one seat short), the request is %s", v.Release.Status)
	}
	v, err := f.approve("priya", r)
	if err != nil {
		t.Fatal(err)
	}
	if v.Release.Status != escrow.Approved || !v.Progress[0].Done() || !v.Progress[1].Done() {
		t.Fatalf("with three signers over two groups: %s, %+v", v.Release.Status, v.Progress)
	}
	if !slices.Contains(v.Progress[1].Counted, "both") {
		t.Fatalf("the member of both groups should fill compliance's seat: %+v", v.Progress)
	}
}

// A veto is final: the request stays rejected, its amount is available
// again, no one can approve it afterwards.
func TestEscrow_VetoIsFinal(t *testing.T) {
	t.Parallel()
	f := newEscrowFixture(t)
	e := f.open(t, "veto", twoOfThree(), 40_000)
	r := f.request(t, e, "veto-r", 25_000)
	if b := f.balances(t, e); b.Available != 15_000 || b.Held != 25_000 {
		t.Fatalf("after the request: %+v", b)
	}
	if _, err := f.approve("ben", r); err != nil {
		t.Fatal(err)
	}
	if _, err := f.escrow.Reject(approver("mallory"), r.PublicID, "1", "Not my escrow, but I say no"); code(err) != domain.EFORBIDDEN {
		t.Fatalf("a veto by someone outside the policy = %v", err)
	}
	if _, err := f.escrow.Reject(approver("tomas"), r.PublicID, "1", "Goods not delivered yet"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.approve("priya", r); code(err) != domain.EFORBIDDEN {
		t.Fatalf("an approval after the veto = %v", err)
	}
	if _, err := f.escrow.Reject(approver("ben"), r.PublicID, "1", "Rejecting it once more"); code(err) != domain.ECONFLICT {
		t.Fatalf("a second veto = %v", err)
	}
	if err := f.escrow.Execute(context.Background(), r.ID); err != nil {
		t.Fatal(err)
	}
	if v := f.release(t, r); v.Release.Status != escrow.Rejected || v.Release.DecidedBy != "tomas" {
		t.Fatalf("after the veto: %s by %q", v.Release.Status, v.Release.DecidedBy)
	}
	if b := f.balances(t, e); b.Available != 40_000 || b.Held != 0 || b.Paid != 0 {
		t.Fatalf("after the veto: %+v", b)
	}
	if _, err := f.owner.Exec(context.Background(), `UPDATE escrow_releases SET status = 'pending' WHERE id = $1`, r.ID); err == nil {
		t.Fatal("the database let a rejected request become pending again")
	}
}

// A request not approved in time expires by the database's clock: its
// amount is available again and it can no longer be signed.
func TestEscrow_Expiry(t *testing.T) {
	t.Parallel()
	f := newEscrowFixture(t)
	rules := twoOfThree()
	rules.RequestTTL = 2 * time.Hour
	e := f.open(t, "expiry", rules, 10_000)
	r := f.request(t, e, "expiry-r", 10_000)
	if _, err := f.approve("ben", r); err != nil {
		t.Fatal(err)
	}
	if n, err := f.escrow.ExpireDue(context.Background()); err != nil || n != 0 {
		t.Fatalf("expired before its time: %d, %v", n, err)
	}
	f.setClock(t, 3*time.Hour)
	if _, err := f.approve("priya", r); code(err) != domain.EFORBIDDEN {
		t.Fatalf("an approval after the expiry = %v", err)
	}
	if n, err := f.escrow.ExpireDue(context.Background()); err != nil || n != 1 {
		t.Fatalf("ExpireDue = %d, %v", n, err)
	}
	if v := f.release(t, r); v.Release.Status != escrow.Expired {
		t.Fatalf("the request is %s", v.Release.Status)
	}
	if b := f.balances(t, e); b.Available != 10_000 || b.Held != 0 {
		t.Fatalf("after the expiry: %+v", b)
	}
}

// All approvals in, the time lock still ahead by the database's clock:
// nothing is paid until the database's clock passes it.
func TestEscrow_TimeLockByTheDatabaseClock(t *testing.T) {
	t.Parallel()
	f := newEscrowFixture(t)
	rules := twoOfThree()
	lock := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	rules.TimeLock = &lock
	e := f.open(t, "lock", rules, 10_000)
	r := f.request(t, e, "lock-r", 10_000)
	for _, who := range []string{"ben", "priya"} {
		if _, err := f.approve(who, r); err != nil {
			t.Fatal(err)
		}
	}
	var early escrow.ErrTooEarly
	if err := f.escrow.Execute(context.Background(), r.ID); !errors.As(err, &early) || !early.Until.Equal(lock) {
		t.Fatalf("executing before the time lock = %v", err)
	}
	if v := f.release(t, r); v.Release.Status != escrow.Approved || len(f.stripe.Requests("POST", "/v1/transfers")) != 0 {
		t.Fatalf("before the time lock: %s, %d transfers", v.Release.Status, len(f.stripe.Requests("POST", "/v1/transfers")))
	}
	f.setClock(t, 2*time.Hour)
	if err := f.escrow.Execute(context.Background(), r.ID); err != nil {
		t.Fatal(err)
	}
	if v := f.release(t, r); v.Release.Status != escrow.Executed || !strings.HasPrefix(v.Release.PayoutRef, "tr_") {
		t.Fatalf("after the time lock: %s, payout %q", v.Release.Status, v.Release.PayoutRef)
	}
	if b := f.balances(t, e); b.Paid != 10_000 || b.Held != 0 || b.Available != 0 {
		t.Fatalf("after the payout: %+v", b)
	}
}

// A policy change is approved by a designated approver other than its
// proposer; when it takes effect, the pending request's payload changes
// (policy version, nonce), and approvals of the old payload no longer
// count: an approval of the old payload is refused.
func TestEscrow_PayloadChangeVoidsApprovals(t *testing.T) {
	t.Parallel()
	f := newEscrowFixture(t)
	e := f.open(t, "void", twoOfThree(), 10_000)
	r := f.request(t, e, "void-r", 10_000)
	if _, err := f.approve("ben", r); err != nil {
		t.Fatal(err)
	}
	stale := f.release(t, r).Release.Payload().Hash()
	rules := escrow.PolicyRules{Groups: []escrow.Group{{Name: "finance", Threshold: 2, Members: []string{"ben", "priya", "tomas", "zoe"}}}}
	p, err := f.escrow.ProposePolicy(writer("op.ada"), e.PublicID, rules)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.escrow.DecidePolicy(approver("zoe"), e.PublicID, p.Version, true, "1"); code(err) != domain.EFORBIDDEN {
		t.Fatalf("a decision by someone outside the active policy = %v", err)
	}
	if _, err := f.escrow.DecidePolicy(approver("tomas"), e.PublicID, p.Version, true, "1"); err != nil {
		t.Fatal(err)
	}
	v := f.release(t, r)
	if v.Release.PolicyVersion != 2 || v.Release.Payload().Hash() == stale || len(v.Counting) != 0 || len(v.Approvals) != 1 {
		t.Fatalf("after the policy change: version %d, %d counting of %d", v.Release.PolicyVersion, len(v.Counting), len(v.Approvals))
	}
	if _, err := f.escrow.Approve(approver("priya"), r.PublicID, stale, "1"); code(err) != domain.ECONFLICT {
		t.Fatalf("an approval of the old payload = %v, want a conflict", err)
	}
	for _, who := range []string{"priya", "zoe"} {
		if _, err := f.approve(who, r); err != nil {
			t.Fatal(err)
		}
	}
	if v := f.release(t, r); v.Release.Status != escrow.Approved {
		t.Fatalf("with two approvals of the new payload: %s", v.Release.Status)
	}
}

// The proposer of a policy change never decides it.
func TestEscrow_PolicyChangeNeedsAnotherApprover(t *testing.T) {
	t.Parallel()
	f := newEscrowFixture(t)
	e := f.open(t, "policy", twoOfThree(), 10_000)
	p, err := f.escrow.ProposePolicy(escrowCtx("ben", identity.PermEscrowRead, identity.PermEscrowWrite, identity.PermEscrowApprove),
		e.PublicID, escrow.PolicyRules{Groups: []escrow.Group{{Name: "solo", Threshold: 1, Members: []string{"ben"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.escrow.DecidePolicy(approver("ben"), e.PublicID, p.Version, true, "1"); code(err) != domain.EFORBIDDEN {
		t.Fatalf("the proposer deciding = %v", err)
	}
	if _, err := f.owner.Exec(context.Background(), `UPDATE escrow_policies SET status = 'superseded' WHERE version = 1`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.owner.Exec(context.Background(), `UPDATE escrow_policies SET status = 'active', decided_by = 'ben' WHERE version = 2`); err == nil {
		t.Fatal("the database let the proposer activate their own change")
	}
}

// Bypassing the application, the database still refuses to hold or pay
// more than there is, to pay a release twice, to post a negative amount,
// or to change or remove a posting.
func TestEscrow_DatabaseRefusesOverRelease(t *testing.T) {
	t.Parallel()
	f := newEscrowFixture(t)
	e := f.open(t, "db", twoOfThree(), 10_000)
	r := f.request(t, e, "db-r", 6_000)
	ctx := context.Background()
	insert := func(kind string, amount int64, release any) error {
		_, err := f.db.Exec(ctx, `INSERT INTO escrow_postings (escrow_id, kind, amount, release_id, by_actor, at) VALUES ($1, $2, $3, $4, 'x', now())`,
			e.ID, kind, amount, release)
		return err
	}
	for name, err := range map[string]error{
		"hold beyond the available":  insert("held", 4_001, nil),
		"refund beyond it":           insert("refunded", 4_001, nil),
		"pay more than was held":     insert("released", 6_001, r.ID),
		"a negative funding":         insert("funded", -5, nil),
		"a zero posting":             insert("funded", 0, nil),
		"a second hold of a release": insert("held", 1, r.ID),
	} {
		if err == nil {
			t.Errorf("the database accepted %s", name)
		}
	}
	if err := insert("released", 6_000, r.ID); err != nil {
		t.Fatalf("paying what was held: %v", err)
	}
	if err := insert("released", 1, r.ID); err == nil {
		t.Error("the database accepted paying a release twice")
	}
	if _, err := f.db.Exec(ctx, `UPDATE escrow_postings SET amount = 1 WHERE escrow_id = $1`, e.ID); err == nil {
		t.Error("the application role changed a posting")
	}
	if _, err := f.owner.Exec(ctx, `DELETE FROM escrow_postings WHERE escrow_id = $1`, e.ID); err == nil {
		t.Error("the owner deleted postings")
	}
	if b := f.balances(t, e); b.Available != 4_000 || b.Held != 0 || b.Paid != 6_000 {
		t.Fatalf("the ledger reads %+v", b)
	}
	if _, err := f.escrow.RequestRelease(writer("op.ada"), e.PublicID, escrow.NewRelease{RequestRef: "db-r2", Amount: 4_001, Reason: "More than is there"}); code(err) != domain.EINVALID {
		t.Fatalf("a request beyond the balance = %v", err)
	}
}

// 50 final approvals and executions at once: one approval completes the
// request, one execution pays it, Stripe is asked once.
func TestEscrow_ConcurrentFinalApprovalsPayOnce(t *testing.T) {
	t.Parallel()
	f := newEscrowFixture(t)
	members := make([]string, 20)
	for i := range members {
		members[i] = fmt.Sprintf("approver%02d", i)
	}
	e := f.open(t, "race", escrow.PolicyRules{Groups: []escrow.Group{{Name: "board", Threshold: 2, Members: members}}}, 10_000)
	r := f.request(t, e, "race-r", 10_000)
	if _, err := f.approve(members[0], r); err != nil {
		t.Fatal(err)
	}
	hash := f.release(t, r).Release.Payload().Hash()
	var wg sync.WaitGroup
	var approved atomic.Int64
	errs := make(chan error, 100)
	for i := range 50 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			who := members[1+i%19]
			v, err := f.escrow.Approve(approver(who), r.PublicID, hash, "1")
			switch {
			case err == nil && v.Release.Status == escrow.Approved:
				approved.Add(1)
			case err != nil && code(err) != domain.EFORBIDDEN && code(err) != domain.ECONFLICT:
				errs <- err
			}
		}()
		go func() {
			defer wg.Done()
			if err := f.escrow.Execute(context.Background(), r.ID); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := f.escrow.Execute(context.Background(), r.ID); err != nil { // whatever ran before the last approval
		t.Fatal(err)
	}
	if approved.Load() != 1 {
		t.Fatalf("%d approvals completed the request", approved.Load())
	}
	if n := len(f.stripe.Requests("POST", "/v1/transfers")); n != 1 {
		t.Fatalf("Stripe was asked for %d transfers", n)
	}
	if n := f.count(t, `SELECT count(*) FROM escrow_postings WHERE kind = 'released'`); n != 1 {
		t.Fatalf("%d payouts posted", n)
	}
	if v := f.release(t, r); v.Release.Status != escrow.Executed || len(v.Counting) != 2 {
		t.Fatalf("the request is %s with %d counting", v.Release.Status, len(v.Counting))
	}
}

// crashAfter pays through the real rail, then fails as a process killed
// before recording the payout would: the first n times.
type crashAfter struct {
	escrow.Payout
	n atomic.Int64
}

func (c *crashAfter) Pay(ctx context.Context, key string, r escrow.Release) (string, error) {
	ref, err := c.Payout.Pay(ctx, key, r)
	if err == nil && c.n.Add(-1) >= 0 {
		return "", errors.New("killed between the payout and its record")
	}
	return ref, err
}

// An execution that dies after the payout call and is retried pays once:
// the retry finds the Stripe transfer by its group and makes no other; the ACH credit,
// created in the execution's transaction, is rolled back with it and made
// once by the retry.
func TestEscrow_CrashAfterPayoutPaysOnce(t *testing.T) {
	t.Parallel()
	f := newEscrowFixture(t)
	f.escrow.Payouts[escrow.StripeAccount] = &crashAfter{Payout: f.escrow.Payouts[escrow.StripeAccount], n: atomic.Int64{}}
	f.escrow.Payouts[escrow.StripeAccount].(*crashAfter).n.Store(2)
	e := f.open(t, "crash", twoOfThree(), 10_000)
	r := f.request(t, e, "crash-r", 10_000)
	for _, who := range []string{"ben", "priya"} {
		if _, err := f.approve(who, r); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if err := f.escrow.Execute(context.Background(), r.ID); err == nil {
			t.Fatal("the crashed execution reported success")
		}
	}
	if v := f.release(t, r); v.Release.Status != escrow.Approved {
		t.Fatalf("after the crashes the request is %s", v.Release.Status)
	}
	if err := f.escrow.Execute(context.Background(), r.ID); err != nil {
		t.Fatal(err)
	}
	keys := f.stripe.IdempotencyKeys("POST", "/v1/transfers")
	if len(keys) != 1 || keys[escrow.PayoutKey(r)] != 1 {
		t.Fatalf("Stripe was asked for transfers under %v; want once, under %s: the retries find it by its group", keys, escrow.PayoutKey(r))
	}
	if n := f.count(t, `SELECT count(*) FROM escrow_postings WHERE kind = 'released'`); n != 1 {
		t.Fatalf("%d payouts posted", n)
	}

	// ACH: the payee's bank account is paid by a credit.
	acct := f.account(t, "crash-ach", "Jane Ordinary")
	ea, err := f.escrow.Create(writer("op.ada"), escrow.NewEscrow{RequestRef: "crash-ach", PayerRef: "cus-crash-ach", PayerName: "Acme Buyer",
		PayeeName: "Jane Ordinary", PayeeType: screening.Individual, PayeeKind: escrow.BankAccount, PayeeAccount: acct.PublicID,
		Currency: "USD", Policy: twoOfThree()})
	if err != nil {
		t.Fatal(err)
	}
	f.fund(t, ea, "crash-ach-pay", 5_000, "op.ada")
	f.escrow.Payouts[escrow.BankAccount] = &crashAfter{Payout: f.escrow.Payouts[escrow.BankAccount]}
	f.escrow.Payouts[escrow.BankAccount].(*crashAfter).n.Store(1)
	ra := f.request(t, ea, "crash-ach-r", 5_000)
	for _, who := range []string{"ben", "tomas"} {
		if _, err := f.approve(who, ra); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.escrow.Execute(context.Background(), ra.ID); err == nil {
		t.Fatal("the crashed ACH execution reported success")
	}
	if n := f.count(t, `SELECT count(*) FROM ach_transfers WHERE request_ref = $1`, escrow.PayoutKey(ra)); n != 0 {
		t.Fatalf("the crashed execution left %d ACH credits", n)
	}
	if err := f.escrow.Execute(context.Background(), ra.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.escrow.Execute(context.Background(), ra.ID); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM ach_transfers WHERE request_ref = $1 AND direction = 'credit' AND amount = 5000`, escrow.PayoutKey(ra)); n != 1 {
		t.Fatalf("%d ACH credits for the release", n)
	}
	if v := f.release(t, ra); v.Release.Status != escrow.Executed || !strings.HasPrefix(v.Release.PayoutRef, "tr_") {
		t.Fatalf("the ACH release is %s, paid by %q", v.Release.Status, v.Release.PayoutRef)
	}
}

// The payee screened before the payout: a sanctions hit holds the
// release, nothing is paid.
func TestEscrow_ScreeningHoldsThePayout(t *testing.T) {
	t.Parallel()
	f := newEscrowFixture(t)
	e, err := f.escrow.Create(writer("op.ada"), escrow.NewEscrow{RequestRef: "hit", PayerRef: "cus-hit", PayerName: "Acme Buyer",
		PayeeName: sanctioned, PayeeType: screening.Individual, PayeeKind: escrow.StripeAccount, PayeeAccount: connected,
		Currency: "USD", Policy: twoOfThree()})
	if err != nil {
		t.Fatal(err)
	}
	f.fund(t, e, "hit-pay", 1_000, "op.ada")
	r := f.request(t, e, "hit-r", 1_000)
	for _, who := range []string{"ben", "priya"} {
		if _, err := f.approve(who, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.escrow.Execute(context.Background(), r.ID); err != nil {
		t.Fatal(err)
	}
	if v := f.release(t, r); v.Release.Status != escrow.Approved || !strings.Contains(v.Release.Note, "sanctions") {
		t.Fatalf("with the payee on the list: %s, %q", v.Release.Status, v.Release.Note)
	}
	if n := len(f.stripe.Requests("POST", "/v1/transfers")); n != 0 {
		t.Fatalf("%d transfers for a sanctioned payee", n)
	}
}

// An executed release's certificate verifies offline; changing any one
// byte of it makes verification fail.
func TestEscrow_CertificateVerifiesAndAnyAlteredByteFails(t *testing.T) {
	t.Parallel()
	f := newEscrowFixture(t)
	e := f.open(t, "cert", twoOfThree(), 10_000)
	r := f.request(t, e, "cert-r", 7_500)
	if _, err := f.escrow.Certificate(approver("ben"), r.PublicID); code(err) != domain.ECONFLICT {
		t.Fatalf("a certificate before execution = %v", err)
	}
	for _, who := range []string{"tomas", "priya"} {
		if _, err := f.approve(who, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.escrow.Execute(context.Background(), r.ID); err != nil {
		t.Fatal(err)
	}
	c, err := f.escrow.Certificate(approver("ben"), r.PublicID)
	if err != nil {
		t.Fatal(err)
	}
	data := c.Encode()
	got, err := escrow.VerifyCertificate(data)
	if err != nil {
		t.Fatal(err)
	}
	if got.Payload.Amount != 7_500 || len(got.Approvals) != 2 || got.Approvals[0].Approver != "tomas" || got.PayoutRef == "" {
		t.Fatalf("the certificate reads %+v", got)
	}
	// The command an auditor runs, on the file and on a copy with one
	// approver's name changed.
	path := filepath.Join(t.TempDir(), "certificate.json")
	os.WriteFile(path, data, 0o600)
	var out, errOut bytes.Buffer
	if rc := app.Main(context.Background(), []string{"escrow", "verify-certificate", path}, &out, &errOut, os.Getenv); rc != 0 ||
		!strings.Contains(out.String(), "approved by tomas") || !strings.Contains(out.String(), "approved by priya") {
		t.Fatalf("verify-certificate = %d: %s%s", rc, out.String(), errOut.String())
	}
	os.WriteFile(path, bytes.Replace(data, []byte(`"tomas"`), []byte(`"tomaz"`), 1), 0o600)
	if rc := app.Main(context.Background(), []string{"escrow", "verify-certificate", path}, &out, &errOut, os.Getenv); rc != 1 ||
		!strings.Contains(errOut.String(), "does not verify") {
		t.Fatalf("verify-certificate of an altered file = %d: %s", rc, errOut.String())
	}
	for i := range data {
		altered := append([]byte(nil), data...)
		altered[i] ^= 0x01
		if _, err := escrow.VerifyCertificate(altered); err == nil {
			t.Fatalf("a certificate with byte %d altered (%q) verifies", i, data[max(0, i-20):min(len(data), i+20)])
		}
	}
}

func (f *escrowFixture) count(t testing.TB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.owner.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// brokenScreener is screening that cannot answer (its list store down).
type brokenScreener struct{}

func (brokenScreener) Screen(context.Context, screening.Party, string) (screening.Result, error) {
	return screening.Result{}, domain.Errorf(domain.EUNAVAILABLE, "screening is unavailable")
}

// With screening erroring, no release executes: the job fails and is
// retried; nothing is paid or posted until screening answers.
func TestEscrow_FailsClosedWhenScreeningErrs(t *testing.T) {
	t.Parallel()
	f := newEscrowFixture(t)
	e := f.open(t, "closed", twoOfThree(), 5_000)
	r := f.request(t, e, "closed-r", 5_000)
	for _, who := range []string{"ben", "priya"} {
		if _, err := f.approve(who, r); err != nil {
			t.Fatal(err)
		}
	}
	working := f.escrow.Screening
	f.escrow.Screening = brokenScreener{}
	if err := f.escrow.Execute(context.Background(), r.ID); code(err) != domain.EUNAVAILABLE {
		t.Fatalf("executing with screening down = %v", err)
	}
	if n := len(f.stripe.Requests("POST", "/v1/transfers")); n != 0 || f.release(t, r).Release.Status != escrow.Approved {
		t.Fatalf("with screening down: %d transfers, the request %s", n, f.release(t, r).Release.Status)
	}
	f.escrow.Screening = working
	if err := f.escrow.Execute(context.Background(), r.ID); err != nil || f.release(t, r).Release.Status != escrow.Executed {
		t.Fatalf("with screening back: %v, %s", err, f.release(t, r).Release.Status)
	}
}

// With the real identity service: an approval needs a valid code, and a
// code signs once: reused for another request it is refused and nothing
// is signed; the approval records the step the code was for.
func TestEscrow_ApprovalCodeIsSpent(t *testing.T) {
	t.Parallel()
	f := newEscrowFixture(t)
	ben := f.signedInApprover(t, "ben")
	e := f.open(t, "spent", twoOfThree(), 10_000)
	r1, r2 := f.request(t, e, "spent-1", 4_000), f.request(t, e, "spent-2", 4_000)
	if _, err := f.escrow.Approve(ben.ctx, r1.PublicID, r1.Payload().Hash(), "000000"); err == nil {
		t.Fatal("a wrong code signed")
	}
	code := ben.nextCode()
	v, err := f.escrow.Approve(ben.ctx, r1.PublicID, r1.Payload().Hash(), code)
	if err != nil {
		t.Fatal(err)
	}
	if step := v.Approvals[0].TOTPStep; step != ben.clock().Unix()/30 {
		t.Fatalf("the approval records step %d, the code was for %d", step, ben.clock().Unix()/30)
	}
	if _, err := f.escrow.Approve(ben.ctx, r2.PublicID, r2.Payload().Hash(), code); err == nil {
		t.Fatal("a spent code signed a second request")
	}
	if n := f.count(t, `SELECT count(*) FROM escrow_approvals`); n != 1 {
		t.Fatalf("%d approvals stored", n)
	}
}

// TestEscrow_InboxAcrossEscrows: each approver's inbox lists the pending
// requests they may sign, from every escrow, each with its own escrow,
// policy and approvals (read for all the requests at once).
func TestEscrow_InboxAcrossEscrows(t *testing.T) {
	t.Parallel()
	f := newEscrowFixture(t)
	e1 := f.open(t, "inbox-1", twoOfThree(), 10_000)
	e2 := f.open(t, "inbox-2", escrow.PolicyRules{Groups: []escrow.Group{{Name: "legal", Threshold: 1, Members: []string{"priya", "zoe"}}}}, 10_000)
	r1, r2, r3 := f.request(t, e1, "inbox-r1", 1_000), f.request(t, e1, "inbox-r2", 2_000), f.request(t, e2, "inbox-r3", 3_000)
	if _, err := f.approve("ben", r1); err != nil {
		t.Fatal(err)
	}
	inbox := func(user string) map[string]escrow.ReleaseView {
		t.Helper()
		views, err := f.escrow.Inbox(approver(user))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]escrow.ReleaseView{}
		for _, v := range views {
			out[v.Release.PublicID] = v
		}
		return out
	}
	if got := inbox("ben"); len(got) != 1 || got[r2.PublicID].Release.ID == 0 {
		t.Errorf("ben's inbox: %v, want only %s (he signed %s; %s is not his)", keysOf(got), r2.PublicID, r1.PublicID, r3.PublicID)
	}
	if got := inbox("zoe"); len(got) != 1 || got[r3.PublicID].Release.ID == 0 {
		t.Errorf("zoe's inbox: %v, want only %s", keysOf(got), r3.PublicID)
	}
	got := inbox("priya")
	if len(got) != 3 {
		t.Fatalf("priya's inbox: %v, want all three", keysOf(got))
	}
	for _, c := range []struct {
		r         escrow.Release
		e         escrow.Escrow
		approvals int
		group     string
	}{{r1, e1, 1, "finance"}, {r2, e1, 0, "finance"}, {r3, e2, 0, "legal"}} {
		v := got[c.r.PublicID]
		if v.Escrow.PublicID != c.e.PublicID || len(v.Approvals) != c.approvals || len(v.Policy.Groups) != 1 || v.Policy.Groups[0].Name != c.group {
			t.Errorf("%s: escrow %s, %d approvals, policy %+v; want escrow %s, %d approvals, group %s",
				c.r.PublicID, v.Escrow.PublicID, len(v.Approvals), v.Policy, c.e.PublicID, c.approvals, c.group)
		}
	}
}

// An approver's inbox reads the pending requests their policies name: 200
// newer requests of an escrow they have no part in do not push theirs out.
func TestEscrow_InboxAmongManyNotTheirs(t *testing.T) {
	t.Parallel()
	f := newEscrowFixture(t)
	zoes := f.open(t, "zoe-only", escrow.PolicyRules{Groups: []escrow.Group{{Name: "legal", Threshold: 1, Members: []string{"zoe"}}}}, 1_000)
	mine := f.request(t, zoes, "for-zoe", 500)
	others := f.open(t, "not-zoe", twoOfThree(), 1_000_000)
	for i := range 200 {
		f.request(t, others, "other-"+strconv.Itoa(i), 100)
	}
	views, err := f.escrow.Inbox(approver("zoe"))
	if err != nil || len(views) != 1 || views[0].Release.PublicID != mine.PublicID {
		t.Fatalf("zoe's inbox: %d requests (%v), want hers, %s", len(views), err, mine.PublicID)
	}
	if views, err := f.escrow.Inbox(approver("ben")); err != nil || len(views) != 200 {
		t.Fatalf("ben's inbox: %d requests (%v), want the 200 of his escrow", len(views), err)
	}
}

func keysOf(m map[string]escrow.ReleaseView) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
