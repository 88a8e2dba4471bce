package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/fraud"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/payments"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/web/webtest"
)

// fraudSystem is the caller that sends events to score (a rail or another
// system) and, for the tests' set-up, lists identifiers.
func fraudSystem() context.Context {
	return identity.WithServiceCaller(context.Background(), audit.Actor{Type: audit.ActorSystem, ID: "test"},
		identity.PermFraudAssess, identity.PermFraudRead, identity.PermFraudReview)
}

func (env *testEnv) assess(t *testing.T, e fraud.Event) fraud.Decision {
	t.Helper()
	if e.CustomerSince.IsZero() {
		e.CustomerSince = time.Now().AddDate(-1, 0, 0) // an old account: the account-age rule stays out of the sums
	}
	d, err := env.fraud.Assess(fraudSystem(), e)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// blockDevice puts a device on the block list: every event from it is
// scored 1000 and blocked, opening a case.
func (env *testEnv) blockDevice(t *testing.T, device string) {
	t.Helper()
	if _, err := env.fraud.AddToList(fraudSystem(), fraud.ListEntry{List: fraud.BlockList, Key: fraud.KeyDevice, Value: device}); err != nil {
		t.Fatal(err)
	}
}

// blockedCase is the case a blocked device's order opens (an order: a
// rail the console does not run, so nothing is stopped).
func (env *testEnv) blockedCase(t *testing.T, ref, customer, device string) int64 {
	t.Helper()
	d := env.assess(t, fraud.Event{Type: "order", Ref: ref, Customer: customer, DeviceID: device, Amount: money.Amount{Minor: 2500, Currency: "USD"}})
	if d.Assessment.Verdict != fraud.Block || d.CaseID == 0 {
		t.Fatalf("the blocked device's order scored %d (%s), case %d", d.Assessment.Score, d.Assessment.Verdict, d.CaseID)
	}
	return d.CaseID
}

// reviewCase is a case the engine sends for review: a customer's first
// event (100 points) from an IP in another country than the card's (150)
// that Radar scored 99 (400): 650, high. Cases sharing a device are
// linked (up to three customers: more would be a shared device too).
func (env *testEnv) reviewCase(t *testing.T, typ, ref, customer, device string) int64 {
	t.Helper()
	d := env.assess(t, fraud.Event{Type: typ, Ref: ref, Customer: customer, DeviceID: device, Country: "US", CardCountry: "GB",
		RadarScore: 99, Amount: money.Amount{Minor: 2500, Currency: "USD"}})
	if d.Assessment.Verdict != fraud.Review || d.Assessment.Score != 650 || d.CaseID == 0 {
		t.Fatalf("%s scored %d (%s), case %d: %+v", ref, d.Assessment.Score, d.Assessment.Verdict, d.CaseID, d.Assessment.Contributions)
	}
	return d.CaseID
}

// reviewedCase is a case the engine sends for review: a fifth event on
// one card within the hour (velocity, 250 points) that Radar scored 90
// (364 points): 614, high. The earlier four are allowed.
func (env *testEnv) reviewedCase(t *testing.T, typ, ref, customer, card string) fraud.Decision {
	t.Helper()
	start := time.Now().Add(-30 * time.Minute)
	for i := range 4 {
		env.assess(t, fraud.Event{Type: "order", Ref: ref + "-earlier-" + strconv.Itoa(i), Customer: customer, CardFingerprint: card,
			Amount: money.Amount{Minor: 5000, Currency: "USD"}, OccurredAt: start.Add(time.Duration(i) * time.Minute)})
	}
	d := env.assess(t, fraud.Event{Type: typ, Ref: ref, Customer: customer, CardFingerprint: card, RadarScore: 90,
		Amount: money.Amount{Minor: 5000, Currency: "USD"}})
	if d.Assessment.Verdict != fraud.Review || d.Assessment.Score != 614 || d.CaseID == 0 {
		t.Fatalf("the fifth event scored %d (%s), case %d: %+v", d.Assessment.Score, d.Assessment.Verdict, d.CaseID, d.Assessment.Contributions)
	}
	return d
}

func (env *testEnv) fraudCase(t *testing.T, id int64) fraud.Case {
	t.Helper()
	v, err := env.fraud.View(fraudSystem(), id)
	if err != nil {
		t.Fatal(err)
	}
	return v.Case
}

func (env *testEnv) reviewer(t testing.TB, name string) (*webtest.Client, testUser) {
	u := env.newUser(t, name, identity.FraudReviewer)
	return env.signIn(t, u), u
}

func casePath(id int64, verb ...string) string {
	return strings.Join(append([]string{"/fraud/cases/" + strconv.FormatInt(id, 10)}, verb...), "/")
}

// A reviewer claims a case; a second reviewer's claim is refused and
// told who has it, and their page says so with its forms closed.
func TestFraudConsole_ClaimRefusedForAnother(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	id := env.reviewCase(t, "order", "ord-claim", "cus-claim", "dev-claim")
	ana, _ := env.reviewer(t, "ana.fraud")
	ben, _ := env.reviewer(t, "ben.fraud")

	if res := ana.Post(casePath(id, "claim"), nil); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != casePath(id)+"?notice=claimed" {
		t.Fatalf("ana's claim = %d %s %s", res.StatusCode, res.Header.Get("Location"), res.Text("[data-testid=case-error]"))
	}
	if c := env.fraudCase(t, id); c.Assignee != "ana.fraud" || c.Status != fraud.CaseInReview {
		t.Fatalf("after the claim the case is %s, held by %q", c.Status, c.Assignee)
	}
	page := ana.Get(casePath(id))
	if page.Doc.Find(`[data-testid=claim-mine]`).Length() != 1 || page.Doc.Find(`[data-testid=decide-declined] button:not([disabled])`).Length() != 1 {
		t.Fatalf("ana's page does not offer her the decision: %s", page.Text("#case-work"))
	}
	if _, disabled := page.Doc.Find(`[data-testid=decide-panel] fieldset`).Attr("disabled"); disabled {
		t.Fatal("ana's decision forms are disabled on her own case")
	}

	res := ben.Post(casePath(id, "claim"), nil)
	if res.StatusCode != http.StatusConflict || !strings.Contains(res.Text("[data-testid=case-error]"), "ana.fraud claimed this case first") {
		t.Fatalf("ben's claim = %d %q", res.StatusCode, res.Text("[data-testid=case-error]"))
	}
	if c := env.fraudCase(t, id); c.Assignee != "ana.fraud" {
		t.Fatalf("ben's refused claim moved the case to %q", c.Assignee)
	}
	page = ben.Get(casePath(id))
	if got := page.Text("[data-testid=claim-banner]"); !strings.HasPrefix(got, "ana.fraud is working this case since") {
		t.Fatalf("ben's banner reads %q", got)
	}
	for _, sel := range []string{`[data-testid=claim-forms]`, `[data-testid=decide-panel] fieldset`} {
		if _, disabled := page.Doc.Find(sel).Attr("disabled"); !disabled {
			t.Errorf("%s is open to ben while ana works the case", sel)
		}
	}
	if res := ben.Post(casePath(id, "decide"), url.Values{"disposition": {"approved"}, "reason": {"known_good_customer"}}); res.StatusCode != http.StatusConflict ||
		!strings.Contains(res.Text("[data-testid=case-error]"), "ana.fraud is working this case") {
		t.Fatalf("ben's decision on ana's case = %d %q", res.StatusCode, res.Text("[data-testid=case-error]"))
	}
}

// Two reviewers claiming one case at once, round after round: exactly one
// wins each, and the other is told who did.
func TestFraudConsole_ConcurrentClaims(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	clients := [2]*webtest.Client{}
	names := [2]string{"race.one", "race.two"}
	for i, n := range names {
		clients[i], _ = env.reviewer(t, n)
	}
	for round := range 6 {
		id := env.reviewCase(t, "order", "ord-race-"+strconv.Itoa(round), "cus-race-"+strconv.Itoa(round), "dev-race-"+strconv.Itoa(round))
		var wg sync.WaitGroup
		var results [2]webtest.Response
		start := make(chan struct{})
		for i := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				results[i] = clients[i].Post(casePath(id, "claim"), nil)
			}()
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, res := range results {
			if res.StatusCode == http.StatusSeeOther {
				if winner >= 0 {
					t.Fatalf("round %d: both claims won", round)
				}
				winner = i
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: no claim won: %d, %d", round, results[0].StatusCode, results[1].StatusCode)
		}
		loser := results[1-winner]
		if loser.StatusCode != http.StatusConflict || !strings.Contains(loser.Text("[data-testid=case-error]"), names[winner]+" claimed this case first") {
			t.Fatalf("round %d: the losing claim = %d %q", round, loser.StatusCode, loser.Text("[data-testid=case-error]"))
		}
		if c := env.fraudCase(t, id); c.Assignee != names[winner] {
			t.Fatalf("round %d: %s won, the case is %q's", round, names[winner], c.Assignee)
		}
	}
}

// The case page explains the score: each rule's points, described as the
// version that scored it words the rule, summing to the score; the rules
// version; the event and the customer's history.
func TestFraudConsole_CaseExplainsScore(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	d := env.reviewedCase(t, "order", "ord-explain", "cus-explain", "card-explain")
	ana, _ := env.reviewer(t, "ana.fraud")
	page := ana.Get(casePath(d.CaseID))
	if page.StatusCode != http.StatusOK {
		t.Fatalf("case page = %d", page.StatusCode)
	}
	sum := 0
	rules := map[string]string{}
	page.Doc.Find(`[data-testid=contribution]`).Each(func(_ int, s *goquery.Selection) {
		n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(s.Find(`[data-testid=contribution-points]`).Text()), "+"))
		if err != nil {
			t.Errorf("contribution points %q", s.Find(`[data-testid=contribution-points]`).Text())
		}
		sum += n
		rules[s.AttrOr("data-rule", "")] = strings.TrimSpace(s.Find("td").Eq(1).Text())
	})
	score := page.Text("[data-testid=case-score]")
	if score != "614" || strconv.Itoa(sum) != score || page.Text("[data-testid=contributions-total]") != "614" {
		t.Fatalf("score %s, contributions sum to %d", score, sum)
	}
	if len(rules) != 2 || rules["velocity_card_1h"] != "4 or more earlier events with this card in 1h" ||
		rules["radar"] != "Stripe Radar scored it 65 or more (points scale with the score)" {
		t.Fatalf("the contributions: %v", rules)
	}
	if got := page.Text("[data-testid=case-rules-version]"); got != strconv.Itoa(d.RuleVersion) || d.RuleVersion != 1 {
		t.Fatalf("rules version %q, scored by %d", got, d.RuleVersion)
	}
	if page.Text("[data-testid=case-card]") != "card-explain" || page.Text("[data-testid=case-amount]") != "50.00 USD" ||
		page.Text("[data-testid=case-level]") != "high" || page.Text("[data-testid=case-verdict]") != "review" {
		t.Fatalf("the event: card %q, amount %q, level %q, verdict %q", page.Text("[data-testid=case-card]"),
			page.Text("[data-testid=case-amount]"), page.Text("[data-testid=case-level]"), page.Text("[data-testid=case-verdict]"))
	}
	if n := page.Doc.Find(`[data-testid=history-row]`).Length(); n != 5 {
		t.Fatalf("%d events in the customer's history, want 5", n)
	}
}

// A decline says what it will stop and is confirmed first; confirmed, the
// case closes declined, stopping its payment is queued, and the stop
// refunds the payment through the payments service.
func TestFraudConsole_DeclineStopsThePayment(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	pay := env.succeededPayment(t, "fraud-decline", "cus-decline", 5000)
	id := env.reviewCase(t, fraud.RailPayment, pay, "cus-decline", "dev-decline")
	ana, _ := env.reviewer(t, "ana.fraud")
	page := ana.Get(casePath(id))
	if page.Text("[data-testid=radar-risk]") == "" || page.Text("[data-testid=radar-review]") != "No open Radar review." {
		t.Fatalf("the payment's Radar section: %q", page.Text("[data-testid=radar]"))
	}
	if res := ana.Post(casePath(id, "claim"), nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("claim = %d", res.StatusCode)
	}
	decline := url.Values{"disposition": {"declined"}, "reason": {"stolen_card"}, "note": {"Cardholder called: not them"}}
	confirm := ana.Post(casePath(id, "decide"), decline)
	if confirm.StatusCode != http.StatusOK || !strings.Contains(confirm.Text("[data-testid=decline-confirm-text]"), "refunds or cancels the payment "+pay) {
		t.Fatalf("the decline was not confirmed first (%d): %q", confirm.StatusCode, confirm.Text("[data-testid=decide-panel]"))
	}
	if c := env.fraudCase(t, id); c.Status != fraud.CaseInReview {
		t.Fatalf("asking to decline closed the case: %s", c.Status)
	}
	decline.Set("confirmed", "yes")
	if res := ana.Post(casePath(id, "decide"), decline); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != casePath(id)+"?notice=declined" {
		t.Fatalf("confirmed decline = %d %s", res.StatusCode, res.Text("[data-testid=case-error]"))
	}
	c := env.fraudCase(t, id)
	if c.Status != fraud.CaseClosed || c.Disposition != fraud.Declined || c.ReasonCode != "stolen_card" || c.DecidedBy != "ana.fraud" {
		t.Fatalf("after the decline: %+v", c)
	}
	if n := env.count(t, `SELECT count(*) FROM river_job WHERE kind = 'fraud.stop' AND (args->>'case_id')::bigint = $1`, id); n != 1 {
		t.Fatalf("%d stop jobs queued for the case", n)
	}
	if err := env.fraud.Stop(context.Background(), id); err != nil { // what the queued job does
		t.Fatal(err)
	}
	ctx := identity.WithServiceCaller(context.Background(), audit.Actor{Type: audit.ActorUser, ID: "reader"}, identity.PermPaymentsRead)
	detail, err := env.payments.Detail(ctx, pay)
	if err != nil {
		t.Fatal(err)
	}
	if len(detail.Refunds) != 1 || detail.Refunds[0].Amount.Minor != 5000 || detail.Refunds[0].Reason != payments.ReasonFraudulent {
		t.Fatalf("the payment's refunds after the stop: %+v", detail.Refunds)
	}
	page = ana.Get(casePath(id))
	if !strings.Contains(page.Text("[data-testid=case-effect]"), "refund of 50.00 USD requested") ||
		!strings.HasPrefix(page.Text("[data-testid=case-decision]"), "declined: Stolen card, by ana.fraud") {
		t.Fatalf("the closed case reads: effect %q, decision %q", page.Text("[data-testid=case-effect]"), page.Text("[data-testid=case-decision]"))
	}
	if page.Doc.Find(`[data-testid=decide-panel]`).Length() != 0 {
		t.Fatal("the closed case still offers a decision")
	}
}

// Linked cases are decided alike from one case, each on its own: those
// another reviewer holds, or that are not linked, are left with why.
func TestFraudConsole_BulkDecision(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	anchor := env.reviewCase(t, "order", "ord-ring-0", "cus-ring-0", "dev-ring")
	free := env.reviewCase(t, "order", "ord-ring-1", "cus-ring-1", "dev-ring")
	held := env.reviewCase(t, "order", "ord-ring-2", "cus-ring-2", "dev-ring")
	unlinked := env.reviewCase(t, "order", "ord-else", "cus-else", "dev-elsewhere")
	ana, _ := env.reviewer(t, "ana.fraud")
	ben, _ := env.reviewer(t, "ben.fraud")
	ben.Post(casePath(held, "claim"), nil)
	ana.Post(casePath(anchor, "claim"), nil)

	page := ana.Get(casePath(anchor))
	if n := page.Doc.Find(`[data-testid=linked-choose]`).Length(); n != 2 || !strings.Contains(page.Text(`[data-testid=linked-case][data-case="`+strconv.FormatInt(free, 10)+`"]`), "device") {
		t.Fatalf("%d linked cases to choose: %s", n, page.Text("[data-testid=linked]"))
	}
	form := url.Values{"disposition": {"declined"}, "reason": {"card_testing"},
		"similar": {strconv.FormatInt(free, 10), strconv.FormatInt(held, 10), strconv.FormatInt(unlinked, 10)}}
	confirm := ana.Post(casePath(anchor, "similar"), form)
	if confirm.StatusCode != http.StatusOK || !strings.Contains(confirm.Text("[data-testid=similar-confirm-text]"), "Decline cases #") {
		t.Fatalf("the bulk decline was not confirmed first (%d): %s", confirm.StatusCode, confirm.Text("[data-testid=linked]"))
	}
	if c := env.fraudCase(t, free); c.Status != fraud.CaseOpen {
		t.Fatalf("asking to decline decided case %d: %s", free, c.Status)
	}
	form.Set("confirmed", "yes")
	res := ana.Post(casePath(anchor, "similar"), form)
	if res.StatusCode != http.StatusOK || res.Text("[data-testid=bulk-decided]") != "Decided: #"+strconv.FormatInt(free, 10)+"." {
		t.Fatalf("bulk decision = %d %q %s", res.StatusCode, res.Text("[data-testid=bulk-decided]"), res.Text("[data-testid=case-error]"))
	}
	skipped := func(id int64) string {
		return res.Text(`[data-testid=bulk-skipped][data-case="` + strconv.FormatInt(id, 10) + `"]`)
	}
	if !strings.Contains(skipped(held), "ben.fraud is working this case") || !strings.Contains(skipped(unlinked), "not linked to case") {
		t.Fatalf("skipped: held %q, unlinked %q", skipped(held), skipped(unlinked))
	}
	for id, want := range map[int64]fraud.CaseStatus{free: fraud.CaseClosed, held: fraud.CaseInReview, unlinked: fraud.CaseOpen, anchor: fraud.CaseInReview} {
		if c := env.fraudCase(t, id); c.Status != want || id == free && (c.Disposition != fraud.Declined || c.DecidedBy != "ana.fraud") {
			t.Errorf("case %d after the bulk decision: %s %s by %q", id, c.Status, c.Disposition, c.DecidedBy)
		}
	}
}

// formValues is what a browser would submit from form as the page shows
// it: its inputs (ticked boxes only) and each select's chosen option.
func formValues(form *goquery.Selection) url.Values {
	v := url.Values{}
	form.Find("input[name]").Each(func(_ int, in *goquery.Selection) {
		if in.AttrOr("type", "") == "checkbox" && in.AttrOr("checked", "no") == "no" {
			return
		}
		v.Add(in.AttrOr("name", ""), in.AttrOr("value", ""))
	})
	form.Find("select[name]").Each(func(_ int, sel *goquery.Selection) {
		chosen := sel.Find("option[selected]")
		if chosen.Length() == 0 {
			chosen = sel.Find("option").First()
		}
		v.Set(sel.AttrOr("name", ""), chosen.AttrOr("value", ""))
	})
	return v
}

func (env *testEnv) rules(t *testing.T) fraud.RulesView {
	t.Helper()
	v, err := env.fraud.Rules(fraudSystem())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Maker and checker: a reviewer drafts a change (from the version scoring
// now) and backtests it; the backtest shows what changes, linking to the
// cases; the maker's own publication is refused with why; another
// reviewer publishes it, and new events are scored by it.
func TestFraudConsole_RulesMakerChecker(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.blockDevice(t, "dev-rules")
	blocked := env.blockedCase(t, "ord-rules", "cus-rules", "dev-rules")
	env.assess(t, fraud.Event{Type: "order", Ref: "ord-fine", Customer: "cus-fine"})
	maker, makerUser := env.reviewer(t, "mia.maker")
	checker, checkerUser := env.reviewer(t, "carl.checker")

	if res := maker.Post("/fraud/rules/draft/start", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("start draft = %d %s", res.StatusCode, res.Text("[data-testid=rules-error]"))
	}
	page := maker.Get("/fraud/rules")
	form := formValues(page.Doc.Find(`[data-testid=draft-form]`))
	if form.Get("points_block_list") != "1000" || form.Get("enabled_block_list") != "on" || form.Get("cut_high") != "550" {
		t.Fatalf("the draft form does not start from version 1: %v", form)
	}
	form.Del("enabled_block_list") // the block list no longer scores
	form.Set("points_radar", "300")
	form.Set("note", "Block list off for the migration")
	if res := maker.Post("/fraud/rules/draft", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save draft = %d %s", res.StatusCode, res.Text("[data-testid=rules-error]"))
	}
	draft := env.rules(t).Draft
	if draft == nil || draft.Version != 2 || draft.DraftedBy != "mia.maker" {
		t.Fatalf("the draft: %+v", draft)
	}
	if r, _ := draft.Rule("block_list"); r.Enabled {
		t.Fatal("the saved draft still has the block list on")
	}
	if r, _ := draft.Rule("radar"); r.Points != 300 {
		t.Fatalf("the saved draft's radar points: %d", r.Points)
	}

	if res := maker.Post("/fraud/rules/draft/backtest", url.Values{"days": {"7"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("backtest = %d %s", res.StatusCode, res.Text("[data-testid=rules-error]"))
	}
	page = maker.Get("/fraud/rules")
	if page.Text("[data-testid=backtest-decisions]") != "2" || page.Text("[data-testid=backtest-verdict-changed]") != "1" ||
		page.Text("[data-testid=backtest-level-changed]") != "1" {
		t.Fatalf("backtest: %s", page.Text("[data-testid=backtest-summary]"))
	}
	if before, after := page.Text(`[data-verdict=block] [data-testid=verdict-before]`), page.Text(`[data-verdict=block] [data-testid=verdict-after]`); before != "1" || after != "0" {
		t.Fatalf("blocked before %s, after %s", before, after)
	}
	if href := page.Doc.Find(`[data-testid=backtest-example-case]`).AttrOr("href", ""); href != casePath(blocked) {
		t.Fatalf("the changed decision links to %q, want its case %s", href, casePath(blocked))
	}

	env.stepUp(t, maker, makerUser)
	res := maker.Post("/fraud/rules/versions/2/publish", nil)
	if res.StatusCode != http.StatusForbidden || !strings.Contains(res.Text("[data-testid=rules-error]"), "You made this draft: another reviewer publishes it.") {
		t.Fatalf("the maker's publication = %d %q", res.StatusCode, res.Text("[data-testid=rules-error]"))
	}
	if v := env.rules(t); v.Current.Version != 1 || v.Draft == nil {
		t.Fatalf("after the maker's refused publication version %d scores", v.Current.Version)
	}
	if res := checker.Post("/fraud/rules/versions/2/publish", nil); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/stepup") {
		t.Fatalf("publishing without a step-up = %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	env.stepUp(t, checker, checkerUser)
	if res := checker.Post("/fraud/rules/versions/2/publish", nil); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/fraud/rules?notice=published" {
		t.Fatalf("the checker's publication = %d %s", res.StatusCode, res.Text("[data-testid=rules-error]"))
	}
	page = checker.Get("/fraud/rules")
	if !strings.Contains(page.Text("[data-testid=rules-current] h2"), "version 2") ||
		!strings.HasPrefix(page.Text(`[data-testid=version][data-version="2"] [data-testid=version-decided]`), "carl.checker") {
		t.Fatalf("after publication: %q, version 2 decided by %q", page.Text("[data-testid=rules-current] h2"),
			page.Text(`[data-testid=version][data-version="2"] [data-testid=version-decided]`))
	}
	d := env.assess(t, fraud.Event{Type: "order", Ref: "ord-after", Customer: "cus-after", DeviceID: "dev-rules"})
	if d.RuleVersion != 2 || d.Assessment.Verdict != fraud.Allow {
		t.Fatalf("an event after publication: version %d, %s", d.RuleVersion, d.Assessment.Verdict)
	}
}

// Bad input says what to fix and changes nothing: a draft with a number
// that is not one or cut points out of order, a backtest of no days, a
// decision without a reason, a list entry of an unknown kind.
func TestFraudConsole_BadInputChangesNothing(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	id := env.reviewCase(t, "order", "ord-bad", "cus-bad", "dev-bad")
	ana, _ := env.reviewer(t, "ana.fraud")
	if res := ana.Post("/fraud/rules/draft/start", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("start draft = %d", res.StatusCode)
	}
	good := formValues(ana.Get("/fraud/rules").Doc.Find(`[data-testid=draft-form]`))
	before := env.rules(t).Draft
	for name, c := range map[string]struct {
		field, value, want string
	}{
		"points not a number":    {"points_velocity_card_1h", "many", "Rule velocity_card_1h: the points must be a whole number"},
		"points off the scale":   {"points_velocity_card_1h", "5000", "Rule velocity_card_1h: points are 0 to 1000."},
		"threshold not a number": {"threshold_radar", "high", "Rule radar: the threshold must be a number (Radar score)."},
		"cuts out of order":      {"cut_medium", "600", "The cut points must rise"},
		"block below review":     {"block_from", "medium", "Blocking cannot start at a lower level than review."},
	} {
		form := url.Values{}
		for k, vs := range good {
			form[k] = append([]string(nil), vs...)
		}
		form.Set(c.field, c.value)
		res := ana.Post("/fraud/rules/draft", form)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Text("[data-testid=rules-error]"), c.want) {
			t.Errorf("%s = %d %q", name, res.StatusCode, res.Text("[data-testid=rules-error]"))
		}
		if got := res.Doc.Find(`[name="` + c.field + `"]`); got.Is("input") && got.AttrOr("value", "") != c.value {
			t.Errorf("%s: the form does not show %q as typed", name, c.value)
		}
	}
	if after := env.rules(t).Draft; !after.DraftedAt.Equal(before.DraftedAt) {
		t.Fatal("a refused draft was saved")
	}
	for days, want := range map[string]string{"0": "Give the days to replay as a whole number, 1 to 90.", "a week": "Give the days",
		"120": "A backtest replays 1 to 90 days."} {
		if res := ana.Post("/fraud/rules/draft/backtest", url.Values{"days": {days}}); res.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(res.Text("[data-testid=rules-error]"), want) {
			t.Errorf("a backtest of %q days = %d %q", days, res.StatusCode, res.Text("[data-testid=rules-error]"))
		}
	}
	if env.rules(t).Draft.Backtest != nil {
		t.Error("a refused backtest was kept")
	}

	ana.Post(casePath(id, "claim"), nil)
	if res := ana.Post(casePath(id, "decide"), url.Values{"disposition": {"approved"}}); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(res.Text("[data-testid=case-error]"), "Pick a reason code for the approval") {
		t.Errorf("a decision without a reason = %d %q", res.StatusCode, res.Text("[data-testid=case-error]"))
	}
	if res := ana.Post(casePath(id, "similar"), url.Values{"disposition": {"approved"}, "reason": {"known_good_customer"}}); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(res.Text("[data-testid=case-error]"), "Tick the linked cases to decide.") {
		t.Errorf("a bulk decision of nothing = %d %q", res.StatusCode, res.Text("[data-testid=case-error]"))
	}
	if c := env.fraudCase(t, id); c.Status != fraud.CaseInReview {
		t.Errorf("refused decisions left the case %s", c.Status)
	}
	entries := env.count(t, `SELECT count(*) FROM fraud_list_entries`)
	res := ana.Post("/fraud/lists", url.Values{"list": {"block"}, "key": {"phone"}, "value": {"+15550100"}, "note": {"seen twice"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Text("[data-testid=lists-error]"), "Choose what the value is") ||
		res.Doc.Find(`[data-testid=list-value]`).AttrOr("value", "") != "+15550100" {
		t.Errorf("a list entry of a phone = %d %q", res.StatusCode, res.Text("[data-testid=lists-error]"))
	}
	if n := env.count(t, `SELECT count(*) FROM fraud_list_entries`); n != entries {
		t.Errorf("refused list entries added %d", n-entries)
	}
	if res := ana.Get("/fraud/stats?days=12"); res.StatusCode != http.StatusBadRequest || !strings.Contains(res.Body, "Show the last 7, 30 or 90 days.") {
		t.Errorf("stats of 12 days = %d", res.StatusCode)
	}
}

// A compliance officer reads every fraud page, with no form to work a
// case, the rules or the lists; every fraud POST is refused with 403 and
// changes nothing.
func TestFraudConsole_OfficerReadsOnly(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.blockDevice(t, "dev-officer") // a list entry to refuse removing
	id := env.reviewCase(t, "order", "ord-officer", "cus-officer", "dev-other")
	ana, _ := env.reviewer(t, "ana.fraud")
	ana.Post("/fraud/rules/draft/start", nil)
	draft := env.rules(t).Draft
	if draft == nil {
		t.Fatal("no draft to refuse the officer")
	}
	var entry int64
	env.db.QueryRow(context.Background(), `SELECT max(id) FROM fraud_list_entries`).Scan(&entry)
	officer, _ := env.officer(t)

	for _, path := range []string{"/fraud", casePath(id), "/fraud/rules", "/fraud/lists", "/fraud/stats"} {
		page := officer.Get(path)
		if page.StatusCode != http.StatusOK {
			t.Errorf("the officer's %s = %d", path, page.StatusCode)
			continue
		}
		for _, form := range []string{"fraud-next", "claim-forms", "decide-panel", "note-form", "linked-choose", "draft-form", "backtest-form",
			"draft-publish", "start-draft", "list-add", "list-remove"} {
			if page.Doc.Find(`[data-testid=`+form+`]`).Length() != 0 {
				t.Errorf("the officer's %s offers %s", path, form)
			}
		}
	}
	if home := officer.Get("/"); home.Doc.Find(`[data-testid=widget-fraud]`).Length() != 0 {
		t.Error("the officer's overview has the reviewers' widget")
	}
	state := func() string {
		var s string
		env.db.QueryRow(context.Background(), `SELECT concat_ws('|',
			(SELECT string_agg(id || status || assignee || disposition, ',' ORDER BY id) FROM fraud_cases),
			(SELECT count(*) FROM fraud_case_events), (SELECT count(*) FROM fraud_list_entries),
			(SELECT string_agg(version || status || drafted_at::text || coalesce(backtest::text, ''), ',' ORDER BY version) FROM fraud_rule_versions))`).Scan(&s)
		return s
	}
	before := state()
	posts := 0
	for _, rt := range env.srv.routes() {
		method, path, _ := strings.Cut(rt.pattern, " ")
		if method != http.MethodPost || !strings.HasPrefix(path, "/fraud") {
			continue
		}
		posts++
		path = strings.NewReplacer("{version}", strconv.Itoa(draft.Version), "{id}", strconv.FormatInt(id, 10)).Replace(path)
		if strings.HasPrefix(path, "/fraud/lists/") {
			path = "/fraud/lists/" + strconv.FormatInt(entry, 10) + "/remove"
		}
		form := url.Values{"disposition": {"approved"}, "reason": {"known_good_customer"}, "confirmed": {"yes"}, "similar": {"1"},
			"body": {"a note"}, "username": {"ana.fraud"}, "list": {"block"}, "key": {"email"}, "value": {"x@example.test"}, "days": {"7"}}
		if res := officer.Post(path, form); res.StatusCode != http.StatusForbidden || !strings.Contains(res.Body, "Your roles do not allow") {
			t.Errorf("the officer's POST %s = %d", path, res.StatusCode)
		}
	}
	want := 0
	for pattern := range expectedAccess {
		if strings.HasPrefix(pattern, "POST /fraud") {
			want++
		}
	}
	if posts != want || posts == 0 {
		t.Errorf("walked %d fraud POST routes, the role matrix lists %d", posts, want)
	}
	if after := state(); after != before {
		t.Fatalf("the officer's refused posts changed\n%s\nto\n%s", before, after)
	}
}

// The statistics are the data's: volumes, review rate, precision and
// false positives from the decisions and their labels, time to decision,
// and each rule's hits, with the day's column of the chart as tall as its
// decisions.
func TestFraudConsole_StatsFromTheData(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.assess(t, fraud.Event{Type: "order", Ref: "ord-first", Customer: "cus-first"}) // 100: allow
	declined := env.reviewCase(t, "order", "ord-geo", "cus-geo", "dev-geo")            // 650: review
	approved := env.reviewedCase(t, "order", "ord-velo", "cus-velo", "card-velo")      // 4 allowed, then 614: review
	ana, _ := env.reviewer(t, "ana.fraud")
	for id, decision := range map[int64]url.Values{
		declined:        {"disposition": {"declined"}, "reason": {"card_testing"}, "confirmed": {"yes"}},
		approved.CaseID: {"disposition": {"approved"}, "reason": {"verified_with_customer"}},
	} {
		ana.Post(casePath(id, "claim"), nil)
		if res := ana.Post(casePath(id, "decide"), decision); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("deciding %d = %d %s", id, res.StatusCode, res.Text("[data-testid=case-error]"))
		}
	}
	page := ana.Get("/fraud/stats?days=7")
	for sel, want := range map[string]string{
		"stats-decisions": "7", "stats-flagged": "2", "stats-review-rate": "28.6 %", "stats-fraud": "1",
		"stats-precision": "50.0 %", // of the two flagged, one was fraud
		"stats-fpr":       "16.7 %", // one flagged of the six not fraud
		"stats-decided":   "2",
	} {
		if got := page.Text("[data-testid=" + sel + "]"); got != want {
			t.Errorf("%s = %q, want %q", sel, got, want)
		}
	}
	if got := page.Text("[data-testid=stats-median]"); !strings.HasSuffix(got, " s") {
		t.Errorf("median time to decision %q", got)
	}
	rule := func(id, field string) string {
		return page.Text(`[data-rule="` + id + `"] [data-testid=` + field + `]`)
	}
	for _, c := range []struct{ rule, hits, rate, precision string }{
		{"geo_mismatch", "1", "14.3 %", "100.0 %"}, {"velocity_card_1h", "1", "14.3 %", "0.0 %"}, {"radar", "2", "28.6 %", "50.0 %"},
		{"first_transaction", "3", "42.9 %", "100.0 %"},
	} {
		if h, r, p := rule(c.rule, "rule-hits"), rule(c.rule, "rule-hit-rate"), rule(c.rule, "rule-precision"); h != c.hits || r != c.rate || p != c.precision {
			t.Errorf("%s: hits %s, rate %s, precision %s; want %s, %s, %s", c.rule, h, r, p, c.hits, c.rate, c.precision)
		}
	}
	if w := page.Doc.Find(`[data-rule="first_transaction"] [data-testid=rule-bar]`).AttrOr("width", ""); w != "320" {
		t.Errorf("the most hit rule's bar is %s wide", w)
	}
	today := time.Now().UTC().Format("2006-01-02")
	bars := page.Doc.Find(`[data-testid=day-bar]`)
	if bars.Length() != 7 || bars.Last().AttrOr("data-day", "") != today || bars.Last().AttrOr("data-total", "") != "7" {
		t.Fatalf("%d day columns, the last %s of %s", bars.Length(), bars.Last().AttrOr("data-day", ""), bars.Last().AttrOr("data-total", ""))
	}
	height := 0
	bars.Last().Find("rect").Each(func(_ int, r *goquery.Selection) { n, _ := strconv.Atoi(r.AttrOr("height", "")); height += n })
	if height != 160 || page.Text(`[data-day="`+today+`"] [data-testid=day-allow]`) != "5" || page.Text(`[data-day="`+today+`"] [data-testid=day-review]`) != "2" {
		t.Fatalf("today's column is %d high; the table says %s allowed", height, page.Text(`[data-day="`+today+`"] [data-testid=day-allow]`))
	}
	if empty := ana.Get("/fraud/stats?days=30"); empty.Text("[data-testid=stats-decisions]") != "7" || empty.Doc.Find(`[data-testid=day-bar]`).Length() != 30 {
		t.Fatalf("30 days: %s decisions, %d columns", empty.Text("[data-testid=stats-decisions]"), empty.Doc.Find(`[data-testid=day-bar]`).Length())
	}
}

// The queue: riskiest first, then oldest, a page at a time; its counts;
// the filters and the empty state; "Next case" claims the riskiest case
// nobody holds; the reviewer's overview counts theirs.
func TestFraudConsole_Queue(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	var ids []int64
	for i := range fraud.QueuePage + 1 {
		n := strconv.Itoa(i)
		ids = append(ids, env.reviewCase(t, "order", "ord-q-"+n, "cus-q-"+n, "dev-q-"+n))
	}
	// The customer's second event: no first-event points, 550, still high.
	lower := env.assess(t, fraud.Event{Type: "order", Ref: "ord-q-again", Customer: "cus-q-0", Country: "US", CardCountry: "GB", RadarScore: 99})
	if lower.Assessment.Score != 550 || lower.CaseID == 0 {
		t.Fatalf("the second event scored %d, case %d", lower.Assessment.Score, lower.CaseID)
	}
	ana, _ := env.reviewer(t, "ana.fraud")
	rows := func(res webtest.Response) []string {
		var out []string
		res.Doc.Find(`[data-testid=fraud-case-row]`).Each(func(_ int, s *goquery.Selection) { out = append(out, s.AttrOr("data-case", "")) })
		return out
	}
	first := ana.Get("/fraud")
	if got := rows(first); len(got) != fraud.QueuePage || got[0] != strconv.FormatInt(ids[0], 10) || got[49] != strconv.FormatInt(ids[49], 10) {
		t.Fatalf("the first page: %d cases, %v…", len(got), got[:min(3, len(got))])
	}
	if first.Text("[data-testid=count-open]") != "52" || first.Text("[data-testid=count-mine]") != "0" || first.Text("[data-testid=count-overdue]") != "0" {
		t.Fatalf("counts: %s", first.Text("[data-testid=fraud-counts]"))
	}
	if class := first.Doc.Find(`[data-testid=fraud-case-due]`).First().AttrOr("class", ""); !strings.Contains(class, "ok") {
		t.Fatalf("a fresh case's SLA badge is %q", class)
	}
	next := ana.Get(first.Doc.Find(`[data-testid=fraud-next-page]`).AttrOr("href", ""))
	if got := rows(next); len(got) != 2 || got[0] != strconv.FormatInt(ids[50], 10) || got[1] != strconv.FormatInt(lower.CaseID, 10) ||
		next.Doc.Find(`[data-testid=fraud-next-page]`).Length() != 0 {
		t.Fatalf("the second page: %v", got)
	}
	if got := rows(ana.Get("/fraud?level=high&status=open&after_score=650&after=" + strconv.FormatInt(ids[50], 10))); len(got) != 1 {
		t.Fatalf("after the last 650, %v", got)
	}
	if empty := ana.Get("/fraud?status=escalated"); empty.Doc.Find(`[data-testid=fraud-empty]`).Length() != 1 {
		t.Fatalf("no escalated case, yet: %v", rows(empty))
	}
	if res := ana.Get("/fraud?level=severe"); res.StatusCode != http.StatusBadRequest || !strings.Contains(res.Body, "is not a level") {
		t.Fatalf("an unknown level = %d", res.StatusCode)
	}

	res := ana.Post("/fraud/next", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != casePath(ids[0])+"?notice=claimed" {
		t.Fatalf("next case = %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if mine := rows(ana.Get("/fraud?mine=1")); len(mine) != 1 || mine[0] != strconv.FormatInt(ids[0], 10) {
		t.Fatalf("mine: %v", mine)
	}
	if home := ana.Get("/"); home.Text("[data-testid=widget-fraud-open]") != "52" || home.Text("[data-testid=widget-fraud-mine]") != "1" {
		t.Fatalf("the overview: %s", home.Text("[data-testid=widget-fraud]"))
	}
	if res := ana.Post("/fraud/next", nil); res.Header.Get("Location") != casePath(ids[1])+"?notice=claimed" {
		t.Fatalf("the second next case = %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}

// The queue is empty once every case is claimed: "Next case" says so.
func TestFraudConsole_NextOnEmptyQueue(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	ana, _ := env.reviewer(t, "ana.fraud")
	res := ana.Post("/fraud/next", nil)
	if res.StatusCode != http.StatusNotFound || !strings.Contains(res.Text("[data-testid=queue-error]"), "The queue is empty") ||
		res.Doc.Find(`[data-testid=fraud-empty]`).Length() != 1 {
		t.Fatalf("next on an empty queue = %d %q", res.StatusCode, res.Text("[data-testid=queue-error]"))
	}
}

// A reviewer looking at a case learns at once that someone else claimed
// it: the case's stream says "claim", and the reloaded forms carry the
// banner.
func TestFraudConsole_LiveClaim(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := newTestEnv(t)
	id := env.reviewCase(t, "order", "ord-live", "cus-live", "dev-live")
	ana, _ := env.reviewer(t, "ana.fraud")
	ben, _ := env.reviewer(t, "ben.fraud")
	stream := ben.Get(casePath(id)).Doc.Find(`[sse-connect]`).AttrOr("sse-connect", "")
	if stream != "/fraud/stream?id="+strconv.FormatInt(id, 10)+"&claim=open/" {
		t.Fatalf("the case page follows %q", stream)
	}
	next := env.followStream(ctx, t, ben, postgres.FraudChannel, stream)
	if e := next(); e != "case" { // on connecting: what changed since the page was rendered; its claim did not
		t.Fatalf("on connecting the stream sent %q", e)
	}
	if res := ana.Post(casePath(id, "claim"), nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("ana's claim = %d", res.StatusCode)
	}
	if e1, e2 := next(), next(); e1 != "case" || e2 != "claim" {
		t.Fatalf("after ana's claim the stream sent %q, %q", e1, e2)
	}
	work := ben.Get(casePath(id), "HX-Request", "true") // what the page's refresher fetches
	if got := work.Text("#case-work [data-testid=claim-banner]"); !strings.HasPrefix(got, "ana.fraud is working this case since") {
		t.Fatalf("the reloaded forms say %q", got)
	}
}
