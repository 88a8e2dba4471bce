package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/fraud"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/jobs"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/postgres/pgtest"
)

// fraudFixture is the fraud engine on a fresh database, on an injected
// clock.
type fraudFixture struct {
	db    *pgxpool.Pool
	owner *pgxpool.Pool // the schema's owner, for what the app role may not do
	fraud *fraud.Service
	mu    sync.Mutex
	clock time.Time
}

func newFraudFixture(t testing.TB) *fraudFixture {
	t.Helper()
	owner, url := pgtest.NewDB(t)
	db, err := postgres.Connect(context.Background(), url, 32, postgres.AppRole)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	f := fraudOn(t, db, nil)
	f.owner = owner
	return f
}

func fraudOn(t testing.TB, db *pgxpool.Pool, effects fraud.Effects) *fraudFixture {
	t.Helper()
	inserter, err := jobs.NewInserter(db)
	if err != nil {
		t.Fatal(err)
	}
	f := &fraudFixture{db: db, clock: time.Now().UTC().Truncate(time.Second)}
	f.fraud = &fraud.Service{Store: postgres.FraudStore{DB: db}, Tx: postgres.Transactor{DB: db},
		Audit: audit.NewLog(postgres.AuditOutbox{DB: db}), Jobs: inserter, Effects: effects, Now: f.now}
	return f
}

func (f *fraudFixture) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.clock
}

func scorer() context.Context {
	return identity.WithServiceCaller(context.Background(), audit.Actor{Type: audit.ActorAPIKey, ID: "pcc_test"}, identity.PermFraudAssess, identity.PermFraudRead)
}

func reviewer(id string) context.Context {
	return identity.WithServiceCaller(context.Background(), audit.Actor{Type: audit.ActorUser, ID: id},
		identity.PermFraudRead, identity.PermFraudReview, identity.PermFraudRules)
}

// ev is an event of customer with card, at ago before the fixture's clock.
func (f *fraudFixture) ev(ref, customer, card string, ago time.Duration) fraud.Event {
	return fraud.Event{Type: "card_payment", Ref: ref, Customer: customer, Amount: money.Amount{Minor: 2500, Currency: "USD"},
		CardFingerprint: card, DeviceID: "dev-" + customer, Email: customer + "@example.com", RadarScore: -1, OccurredAt: f.now().Add(-ago)}
}

func (f *fraudFixture) assess(t testing.TB, e fraud.Event) fraud.Decision {
	t.Helper()
	d, err := f.fraud.Assess(scorer(), e)
	if err != nil {
		t.Fatalf("assess %s: %v", e.Ref, err)
	}
	return d
}

func (f *fraudFixture) count(t testing.TB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func sum(cs []fraud.Contribution) int {
	n := 0
	for _, c := range cs {
		n += c.Points
	}
	return n
}

func TestFraud_DecisionKeptWithWhatItWasMadeFrom(t *testing.T) {
	f := newFraudFixture(t)
	// Card testing: one card, five customers' worth of attempts in an hour.
	var last fraud.Decision
	for i := range 5 {
		last = f.assess(t, f.ev(fmt.Sprintf("ord-%d", i), "cus-1", "fp-burst", time.Duration(50-10*i)*time.Minute))
	}
	if v := last.Features.Velocity[fraud.KeyCard]; v.H1 != 4 || v.H24 != 4 || v.D7 != 4 {
		t.Fatalf("the fifth event's card velocity is %+v, want 4 earlier in each window", v)
	}
	got, err := f.fraud.Decision(scorer(), last.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Assessment.Score != last.Assessment.Score || sum(got.Assessment.Contributions) != got.Assessment.Score ||
		got.RuleVersion != 1 || got.Features.Velocity[fraud.KeyCard] != last.Features.Velocity[fraud.KeyCard] {
		t.Fatalf("stored %+v, returned %+v", got, last)
	}
	if _, ok := contribution(got, "velocity_card_1h"); !ok {
		t.Errorf("velocity_card_1h did not fire: %+v", got.Assessment.Contributions)
	}
	again := f.assess(t, f.ev("ord-4", "cus-1", "fp-burst", 0))
	if again.ID != last.ID || again.Assessment.Score != last.Assessment.Score {
		t.Errorf("a repeated event was decided again: %d then %d", last.ID, again.ID)
	}
	if n := f.count(t, `SELECT count(*) FROM fraud_decisions`); n != 5 {
		t.Errorf("%d decisions for 5 events", n)
	}
}

func contribution(d fraud.Decision, rule string) (fraud.Contribution, bool) {
	for _, c := range d.Assessment.Contributions {
		if c.Rule == rule {
			return c, true
		}
	}
	return fraud.Contribution{}, false
}

func TestFraud_FeaturesFromTheHistory(t *testing.T) {
	f := newFraudFixture(t)
	for i, ago := range []time.Duration{8 * 24 * time.Hour, 6 * 24 * time.Hour, 20 * time.Hour, 30 * time.Minute} {
		f.assess(t, f.ev(fmt.Sprintf("h-%d", i), "cus-a", "fp-a", ago))
	}
	// Three other customers on cus-a's device, one of them on its card.
	other := f.ev("o-1", "cus-b", "fp-a", 2*time.Hour)
	other.DeviceID = "dev-cus-a"
	f.assess(t, other)
	for _, c := range []string{"cus-c", "cus-d"} {
		other = f.ev("o-"+c, c, "fp-"+c, 3*time.Hour)
		other.DeviceID = "dev-cus-a"
		f.assess(t, other)
	}
	// A future event of cus-a is not history for the one scored now.
	f.assess(t, f.ev("later", "cus-a", "fp-a", -time.Minute))

	d := f.assess(t, f.ev("now", "cus-a", "fp-a", 0))
	ft := d.Features
	if v := ft.Velocity[fraud.KeyCard]; v != (fraud.Velocity{H1: 1, H24: 3, D7: 4}) {
		t.Errorf("card velocity %+v, want 1/3/4 (cus-b's use included, the 8-day-old one not)", v)
	}
	if ft.Shared[fraud.KeyDevice] != 3 || ft.Shared[fraud.KeyCard] != 1 || !ft.History.KnownDevice {
		t.Errorf("shared %+v, known device %v", ft.Shared, ft.History.KnownDevice)
	}
	h := ft.History
	if h.Count != 4 || h.Amounts != 4 || h.Mean != 2500 || !h.FirstSeen.Equal(f.now().Add(-8*24*time.Hour)) || !h.LastAt.Equal(f.now().Add(-30*time.Minute)) {
		t.Errorf("history %+v", h)
	}
	if _, ok := contribution(d, "shared_device"); !ok {
		t.Errorf("a device of three customers did not fire shared_device: %+v", d.Assessment.Contributions)
	}
}

func TestFraud_ReviewAndBlockOpenCasesAndABlockQueuesItsStop(t *testing.T) {
	f := newFraudFixture(t)
	allowed := f.assess(t, f.ev("fine", "cus-ok", "fp-ok", 0))
	if allowed.Assessment.Verdict != fraud.Allow || allowed.CaseID != 0 {
		t.Fatalf("an ordinary event: %+v", allowed.Assessment)
	}
	risky := f.ev("risky", "cus-r", "fp-r", 0)
	risky.RadarScore, risky.Country, risky.CardCountry = 95, "RO", "US" // 384 + 150 + first transaction 100
	review := f.assess(t, risky)
	if review.Assessment.Verdict != fraud.Review || review.CaseID == 0 {
		t.Fatalf("a risky event: %+v, case %d", review.Assessment, review.CaseID)
	}
	if _, err := f.fraud.AddToList(reviewer("rita"), fraud.ListEntry{List: fraud.BlockList, Key: fraud.KeyEmail, Value: "Thief@Example.com"}); err != nil {
		t.Fatal(err)
	}
	stolen := f.ev("stolen", "thief", "fp-t", 0)
	stolen.Type = fraud.RailPayment // a rail: its stop is queued
	blocked := f.assess(t, stolen)
	if blocked.Assessment.Verdict != fraud.Block || blocked.Assessment.Score != fraud.MaxScore || blocked.CaseID == 0 {
		t.Fatalf("a block-listed email: %+v", blocked.Assessment)
	}
	if n := f.count(t, `SELECT count(*) FROM river_job WHERE kind = 'fraud.stop' AND args->>'case_id' = $1`, fmt.Sprint(blocked.CaseID)); n != 1 {
		t.Errorf("%d stop jobs for the blocked case", n)
	}
	if n := f.count(t, `SELECT count(*) FROM fraud_cases`); n != 2 {
		t.Errorf("%d cases, want 2", n)
	}
	if c, _ := f.fraud.View(reviewer("rita"), blocked.CaseID); c.Case.Status != fraud.CaseClosed || c.Case.Disposition != fraud.Declined ||
		c.Case.ReasonCode != fraud.BlockedByRules {
		t.Errorf("the blocked event's case waits in the queue: %+v", c.Case)
	}
	if queue, _, _ := f.fraud.Queue(reviewer("rita"), fraud.CaseQuery{}); len(queue) != 1 || queue[0].ID != review.CaseID {
		t.Errorf("the queue holds %+v, want only the review", queue)
	}
	c, err := f.fraud.View(reviewer("rita"), review.CaseID)
	if err != nil || c.Case.Status != fraud.CaseOpen || c.Case.Level != fraud.High || !c.Case.DueAt.Equal(review.At.Add(4*time.Hour)) {
		t.Errorf("the review case: %+v, %v", c.Case, err)
	}
}

func TestFraud_EveryDecisionNamesItsRulesVersion(t *testing.T) {
	f := newFraudFixture(t)
	risky := f.ev("r-1", "cus-r", "fp-r", time.Hour)
	risky.RadarScore = 80 // 323 + first transaction 100: medium
	before := f.assess(t, risky)
	if before.RuleVersion != 1 || before.Assessment.Level != fraud.Medium {
		t.Fatalf("under the defaults: version %d, %s", before.RuleVersion, before.Assessment.Level)
	}
	draft := fraud.DefaultRuleSet()
	draft.ReviewFrom = fraud.Medium
	v, err := f.fraud.SaveDraft(reviewer("ana"), draft, "review medium risk too")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.fraud.Publish(reviewer("ben"), v.Version); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("publishing before a backtest: %v", err)
	}
	bt, err := f.fraud.BacktestDraft(reviewer("ben"), 7)
	if err != nil || bt.Decisions != 1 || bt.VerdictChanged != 1 || bt.LevelChanged != 0 {
		t.Fatalf("backtest %+v, %v", bt, err)
	}
	if _, err := f.fraud.Publish(reviewer("ana"), v.Version); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("the maker published her own draft: %v", err)
	}
	if _, err := f.fraud.Publish(reviewer("ben"), v.Version); err != nil {
		t.Fatal(err)
	}
	next := risky
	next.Ref, next.Customer = "r-2", "cus-s"
	after := f.assess(t, next)
	if after.RuleVersion != v.Version || after.Assessment.Verdict != fraud.Review {
		t.Errorf("after publishing version %d: version %d, %s", v.Version, after.RuleVersion, after.Assessment.Verdict)
	}
	if old, _ := f.fraud.Decision(scorer(), before.ID); old.RuleVersion != 1 || old.Assessment.Verdict != fraud.Allow {
		t.Errorf("the earlier decision now says version %d, %s", old.RuleVersion, old.Assessment.Verdict)
	}
	if _, err := f.db.Exec(context.Background(), `UPDATE fraud_rule_versions SET note = 'quietly' WHERE version = $1`, v.Version); err == nil {
		t.Error("a published version was changed")
	}
	rules, _ := f.fraud.Rules(reviewer("ana"))
	if rules.Current.Version != v.Version || rules.Draft != nil || len(rules.Versions) != 2 {
		t.Errorf("rules page: current %d, draft %v, %d versions", rules.Current.Version, rules.Draft, len(rules.Versions))
	}
	if n := f.count(t, `SELECT count(*) FROM audit_outbox WHERE convert_from(entry, 'UTF8') LIKE '%"fraud.rule.%'`); n != 3 {
		t.Errorf("%d audit records of drafting, backtesting and publishing", n)
	}
}

// A backtest on the stored decisions reports exactly those whose level
// the draft's cut point moves.
func TestFraud_BacktestReportsExactlyTheDecisionsThatWouldChange(t *testing.T) {
	f := newFraudFixture(t)
	for i := range 60 {
		e := f.ev(fmt.Sprintf("b-%d", i), fmt.Sprintf("cus-%d", i%7), fmt.Sprintf("fp-%d", i), time.Duration(i)*time.Minute)
		e.RadarScore = 40 + i%60
		if i%3 == 0 {
			e.Country, e.CardCountry = "RO", "US"
		}
		f.assess(t, e)
	}
	draft := fraud.DefaultRuleSet()
	draft.Cuts.High = 420
	if _, err := f.fraud.SaveDraft(reviewer("ana"), draft, ""); err != nil {
		t.Fatal(err)
	}
	bt, err := f.fraud.BacktestDraft(reviewer("ben"), 1)
	if err != nil {
		t.Fatal(err)
	}
	want := f.count(t, `SELECT count(*) FROM fraud_decisions WHERE score >= 420 AND score < 550`)
	if want == 0 || bt.Decisions != 60 || bt.LevelChanged != want || bt.VerdictChanged != want {
		t.Fatalf("backtest %+v; %d decisions score 420-549", bt, want)
	}
	for _, ex := range bt.Examples {
		if n := f.count(t, `SELECT count(*) FROM fraud_decisions WHERE id = $1 AND score >= 420 AND score < 550 AND level = 'medium'`, ex.DecisionID); n != 1 {
			t.Errorf("example %+v is not one that changes", ex)
		}
	}
	if v, _ := f.fraud.Rules(reviewer("ben")); v.Draft == nil || v.Draft.Backtest == nil || v.Draft.Backtest.LevelChanged != want {
		t.Errorf("the draft does not keep its backtest: %+v", v.Draft)
	}
}

// reviewCase opens a review case for customer.
func (f *fraudFixture) reviewCase(t testing.TB, ref, customer string) int64 {
	t.Helper()
	e := f.ev(ref, customer, "fp-"+ref, 0)
	e.RadarScore, e.Country, e.CardCountry = 95, "RO", "US"
	d := f.assess(t, e)
	if d.CaseID == 0 {
		t.Fatalf("%s opened no case: %+v", ref, d.Assessment)
	}
	return d.CaseID
}

func TestFraud_TwoReviewersClaimingOneCase(t *testing.T) {
	f := newFraudFixture(t)
	for round := range 10 {
		id := f.reviewCase(t, fmt.Sprintf("c-%d", round), fmt.Sprintf("cus-%d", round))
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, who := range []string{"rita", "sam"} {
			wg.Go(func() { _, errs[i] = f.fraud.Claim(reviewer(who), id) })
		}
		wg.Wait()
		winner, loser := "rita", errs[1]
		if errs[0] != nil {
			winner, loser = "sam", errs[0]
		}
		if (errs[0] == nil) == (errs[1] == nil) || domain.ErrorCode(loser) != domain.ECONFLICT || !strings.Contains(loser.Error(), winner) {
			t.Fatalf("round %d: %v / %v", round, errs[0], errs[1])
		}
		c, _ := f.fraud.View(reviewer("x"), id)
		if c.Case.Assignee != winner || c.Case.Status != fraud.CaseInReview {
			t.Fatalf("round %d: assignee %q", round, c.Case.Assignee)
		}
		loserName := map[string]string{"rita": "sam", "sam": "rita"}[winner]
		if _, err := f.fraud.Decide(reviewer(loserName), id, fraud.Approved, "known_good_customer", ""); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("round %d: the loser decided the case: %v", round, err)
		}
	}
}

func TestFraud_NextCaseGivesEachCaseOnce(t *testing.T) {
	f := newFraudFixture(t)
	for i := range 6 {
		f.reviewCase(t, fmt.Sprintf("n-%d", i), fmt.Sprintf("cus-%d", i))
	}
	var mu sync.Mutex
	got := map[int64]string{}
	var wg sync.WaitGroup
	for _, who := range []string{"rita", "sam", "tess"} {
		wg.Go(func() {
			for range 2 {
				c, err := f.fraud.Next(reviewer(who))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if prev, dup := got[c.ID]; dup {
					t.Errorf("case %d given to %s and %s", c.ID, prev, who)
				}
				got[c.ID] = who
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(got) != 6 {
		t.Errorf("%d cases handed out of 6", len(got))
	}
	if _, err := f.fraud.Next(reviewer("rita")); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("an empty queue: %v", err)
	}
}

func TestFraud_DecisionsAndTimelinesAreAppendOnly(t *testing.T) {
	f := newFraudFixture(t)
	id := f.reviewCase(t, "a-1", "cus-a")
	if _, err := f.fraud.AddNote(reviewer("rita"), id, "Called the customer"); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{`UPDATE fraud_decisions SET score = 0`, `DELETE FROM fraud_decisions`,
		`UPDATE fraud_case_events SET detail = ''`, `DELETE FROM fraud_case_events`} {
		if _, err := f.db.Exec(context.Background(), sql); err == nil {
			t.Errorf("%s: allowed", sql)
		}
	}
}

func TestFraud_LabelsAChargebackOutranksADisposition(t *testing.T) {
	f := newFraudFixture(t)
	id := f.reviewCase(t, "l-1", "cus-l")
	st := postgres.FraudStore{DB: f.db}
	ctx := context.Background()
	if _, err := f.fraud.Claim(reviewer("rita"), id); err != nil {
		t.Fatal(err)
	}
	if _, err := f.fraud.Decide(reviewer("rita"), id, fraud.Approved, "verified_with_customer", "spoke to her"); err != nil {
		t.Fatal(err)
	}
	label := func() string {
		var l string
		f.db.QueryRow(ctx, `SELECT label || '/' || source FROM fraud_labels`).Scan(&l)
		return l
	}
	if got := label(); got != "legit/disposition" {
		t.Fatalf("after the approval: %q", got)
	}
	if ok, err := st.SetLabel(ctx, "card_payment", "l-1", fraud.Fraudulent, fraud.FromChargeback); !ok || err != nil {
		t.Fatal(ok, err)
	}
	st.SetLabel(ctx, "card_payment", "l-1", fraud.Legitimate, fraud.FromDisposition)
	if got := label(); got != "fraud/chargeback" {
		t.Errorf("a disposition overwrote a chargeback: %q", got)
	}
}

// A draft saved before any event is scored comes after the defaults'
// version 1, which still scores the first event; a draft copied from a
// published version is a new version, not that one.
func TestFraud_AFirstDraftNeverScores(t *testing.T) {
	f := newFraudFixture(t)
	strict := fraud.DefaultRuleSet()
	strict.ReviewFrom = fraud.Medium
	v, err := f.fraud.SaveDraft(reviewer("ana"), strict, "")
	if err != nil || v.Version != 2 {
		t.Fatalf("the first draft: version %d, %v", v.Version, err)
	}
	if d := f.assess(t, f.ev("first", "cus-1", "fp-1", 0)); d.RuleVersion != 1 {
		t.Errorf("the first event was scored by version %d", d.RuleVersion)
	}
	rules, _ := f.fraud.Rules(reviewer("ana"))
	again, err := f.fraud.SaveDraft(reviewer("ben"), rules.Current, "")
	if err != nil || again.Version != 2 || again.DraftedBy != "ben" {
		t.Errorf("saving the current rules as the draft: %+v, %v", again, err)
	}
}
