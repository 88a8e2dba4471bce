package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/payments"
	"github.com/paycompliance/console/handlers"
	"github.com/paycompliance/console/internal/wait"
	"github.com/paycompliance/console/web/webtest"
)

type apiPayment struct {
	ID             string `json:"id"`
	Amount         int64  `json:"amount"`
	Currency       string `json:"currency"`
	Status         string `json:"status"`
	Customer       string `json:"customer"`
	AmountRefunded int64  `json:"amount_refunded"`
	PayURL         string `json:"pay_url"`
	Card           *struct {
		Last4 string `json:"last4"`
	} `json:"card"`
}

func decode[T any](t *testing.T, res webtest.Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(res.Body), &v); err != nil {
		t.Fatalf("%d: not JSON: %s", res.StatusCode, res.Body)
	}
	return v
}

// paymentsKey is an API key allowed everything payments offer.
func (env *testEnv) paymentsKey(t *testing.T) string {
	return env.apiKey(t, "payments.read", "payments.write", "payments.refund")
}

// createPayment creates a payment through the API.
func (env *testEnv) createPayment(t *testing.T, key, idem string, amount int64) apiPayment {
	t.Helper()
	res := env.call(t, http.MethodPost, "/api/v1/payments", key,
		`{"amount": `+strconv.FormatInt(amount, 10)+`, "currency": "usd", "customer": "cus-42", "description": "Order 42", "metadata": {"order": "42"}}`,
		"Idempotency-Key", idem, "Content-Type", "application/json")
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create payment = %d %s", res.StatusCode, res.Body)
	}
	return decode[apiPayment](t, res)
}

// webhook posts signed events for the payment's outcome to /webhooks/stripe.
func (env *testEnv) webhook(t *testing.T, id string, o payments.Outcome, at time.Time) []payments.SignedEvent {
	t.Helper()
	p, _, err := env.payments.Store.Payment(context.Background(), id, false)
	if err != nil {
		t.Fatal(err)
	}
	events, err := env.payments.Simulator.Simulate(p, o, at)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if res := env.deliver(t, e.Payload, e.Signature); res.StatusCode != http.StatusOK {
			t.Fatalf("webhook = %d %s", res.StatusCode, res.Body)
		}
	}
	return events
}

func (env *testEnv) deliver(t *testing.T, body []byte, signature string) webtest.Response {
	t.Helper()
	return env.call(t, http.MethodPost, "/webhooks/stripe", "", string(body), "Stripe-Signature", signature, "Content-Type", "application/json")
}

func (env *testEnv) apiGet(t *testing.T, key, id string) apiPayment {
	t.Helper()
	res := env.call(t, http.MethodGet, "/api/v1/payments/"+id, key, "")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("get %s = %d %s", id, res.StatusCode, res.Body)
	}
	return decode[apiPayment](t, res)
}

func (env *testEnv) waitStatus(t *testing.T, key, id, status string) apiPayment {
	t.Helper()
	var p apiPayment
	wait.For(t, id+" never became "+status, func() bool { p = env.apiGet(t, key, id); return p.Status == status })
	return p
}

func (env *testEnv) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := env.db.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The payments API against stripe-mock: create, get, list by cursor,
// cancel, refund; clear 4xx errors for bad input and missing scopes.
func TestPaymentsAPI_Lifecycle(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	key := env.paymentsKey(t)
	p := env.createPayment(t, key, "create-1", 4200)
	if p.Amount != 4200 || p.Currency != "USD" || p.Status != "open" || p.Customer != "cus-42" || !strings.Contains(p.PayURL, "/pay/"+p.ID+"/") {
		t.Fatalf("created %+v", p)
	}
	if got := env.apiGet(t, key, p.ID); got.ID != p.ID || got.Amount != 4200 {
		t.Fatalf("get = %+v", got)
	}
	second, third := env.createPayment(t, key, "create-2", 1000), env.createPayment(t, key, "create-3", 2000)
	type page struct {
		Data       []apiPayment `json:"data"`
		HasMore    bool         `json:"has_more"`
		NextCursor string       `json:"next_cursor"`
	}
	first := decode[page](t, env.call(t, http.MethodGet, "/api/v1/payments?limit=2", key, ""))
	if len(first.Data) != 2 || !first.HasMore || first.Data[0].ID != third.ID || first.Data[1].ID != second.ID {
		t.Fatalf("first page %+v", first)
	}
	rest := decode[page](t, env.call(t, http.MethodGet, "/api/v1/payments?limit=2&starting_after="+first.NextCursor, key, ""))
	if len(rest.Data) != 1 || rest.HasMore || rest.Data[0].ID != p.ID {
		t.Fatalf("second page %+v", rest)
	}

	res := env.call(t, http.MethodPost, "/api/v1/payments/"+second.ID+"/refunds", key, `{"amount": 100}`, "Idempotency-Key", "r0", "Content-Type", "application/json")
	if res.StatusCode != http.StatusConflict || errorCode(t, res) != "conflict" {
		t.Fatalf("refunding an unpaid payment = %d %s", res.StatusCode, res.Body)
	}
	res = env.call(t, http.MethodPost, "/api/v1/payments/"+second.ID+"/cancel", key, `{"reason": "order withdrawn"}`, "Idempotency-Key", "c1", "Content-Type", "application/json")
	if res.StatusCode != http.StatusOK || decode[apiPayment](t, res).Status != "canceled" {
		t.Fatalf("cancel = %d %s", res.StatusCode, res.Body)
	}

	env.webhook(t, p.ID, payments.OutcomeSucceeded, time.Now())
	var paid apiPayment // the intent's and the charge's events are applied by separate jobs, in either order
	wait.For(t, p.ID+" never succeeded with its card", func() bool {
		paid = env.apiGet(t, key, p.ID)
		return paid.Status == "succeeded" && paid.Card != nil
	})
	if paid.Card.Last4 != "4242" || paid.PayURL != "" {
		t.Fatalf("a paid payment reads %+v", paid)
	}
	res = env.call(t, http.MethodPost, "/api/v1/payments/"+p.ID+"/refunds", key, `{"amount": 1200, "reason": "requested_by_customer"}`,
		"Idempotency-Key", "r1", "Content-Type", "application/json")
	if res.StatusCode != http.StatusAccepted || !strings.Contains(res.Body, `"status":"pending"`) {
		t.Fatalf("refund = %d %s", res.StatusCode, res.Body)
	}
	wait.For(t, "the refund never reached Stripe", func() bool { return len(env.stripe.Requests("POST", "/v1/refunds")) == 1 })
	if got := env.apiGet(t, key, p.ID); got.AmountRefunded != 1200 {
		t.Fatalf("amount_refunded = %d", got.AmountRefunded)
	}

	for name, tc := range map[string]struct{ body, want string }{
		"decimal amount":   {`{"amount": 12.34, "currency": "USD", "customer": "c"}`, "amount must be a whole number"},
		"amount as string": {`{"amount": "1234", "currency": "USD", "customer": "c"}`, "amount must be a whole number"},
		"no amount":        {`{"currency": "USD", "customer": "c"}`, "amount is required"},
		"unknown field":    {`{"amount": 1234, "currency": "USD", "customer": "c", "card": "x"}`, "Unknown field"},
		"bad currency":     {`{"amount": 1234, "currency": "ZZZ", "customer": "c"}`, "not a currency"},
		"below minimum":    {`{"amount": 10, "currency": "USD", "customer": "c"}`, "smallest USD charge"},
		"card number":      {`{"amount": 1234, "currency": "USD", "customer": "c", "description": "4242 4242 4242 4242"}`, "card number"},
		"not JSON":         {`amount=1234`, "not valid JSON"},
	} {
		res := env.call(t, http.MethodPost, "/api/v1/payments", key, tc.body, "Idempotency-Key", "bad-"+strings.ReplaceAll(name, " ", "-"), "Content-Type", "application/json")
		if res.StatusCode != http.StatusBadRequest || errorCode(t, res) != "invalid" || !strings.Contains(res.Body, tc.want) {
			t.Errorf("%s = %d %s, want 400 saying %q", name, res.StatusCode, res.Body, tc.want)
		}
	}
	reader := env.apiKey(t, "payments.read")
	if got := env.apiGet(t, reader, third.ID); got.PayURL != "" {
		t.Fatal("a read-only key is given the payer's link")
	}
	res = env.call(t, http.MethodPost, "/api/v1/payments", reader, `{"amount": 1234, "currency": "USD", "customer": "c"}`, "Idempotency-Key", "x", "Content-Type", "application/json")
	if res.StatusCode != http.StatusForbidden || errorCode(t, res) != "forbidden" {
		t.Fatalf("a read-only key creating = %d %s", res.StatusCode, res.Body)
	}
	if res := env.call(t, http.MethodGet, "/api/v1/payments/pay_nosuch", reader, ""); res.StatusCode != http.StatusNotFound {
		t.Fatalf("an unknown payment = %d", res.StatusCode)
	}
}

// The same Idempotency-Key and body replay the first answer and make no
// second PaymentIntent; another body under the key is refused; and a
// retry after Stripe was unreachable (a 503, not kept) makes the payment
// once, asking Stripe under the one key derived from the request.
func TestPaymentsAPI_IdempotentCreate(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	key := env.paymentsKey(t)
	body := `{"amount": 2500, "currency": "EUR", "customer": "cus-7"}`
	first := env.call(t, http.MethodPost, "/api/v1/payments", key, body, "Idempotency-Key", "same", "Content-Type", "application/json")
	again := env.call(t, http.MethodPost, "/api/v1/payments", key, body, "Idempotency-Key", "same", "Content-Type", "application/json")
	if first.StatusCode != http.StatusCreated || again.Body != first.Body || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay = %d %s (first %d)", again.StatusCode, again.Body, first.StatusCode)
	}
	if n := len(env.stripe.Requests("POST", "/v1/payment_intents")); n != 1 {
		t.Fatalf("%d PaymentIntents asked for, want 1", n)
	}
	conflict := env.call(t, http.MethodPost, "/api/v1/payments", key, `{"amount": 9900, "currency": "EUR", "customer": "cus-7"}`,
		"Idempotency-Key", "same", "Content-Type", "application/json")
	if conflict.StatusCode != http.StatusConflict || errorCode(t, conflict) != "conflict" {
		t.Fatalf("another body under the key = %d %s", conflict.StatusCode, conflict.Body)
	}

	env.stripe.SetDown(true)
	down := env.call(t, http.MethodPost, "/api/v1/payments", key, body, "Idempotency-Key", "outage", "Content-Type", "application/json")
	if down.StatusCode != http.StatusServiceUnavailable || errorCode(t, down) != "unavailable" || !strings.Contains(down.Body, "same Idempotency-Key") {
		t.Fatalf("Stripe unreachable = %d %s", down.StatusCode, down.Body)
	}
	env.stripe.SetDown(false)
	retry := env.call(t, http.MethodPost, "/api/v1/payments", key, body, "Idempotency-Key", "outage", "Content-Type", "application/json")
	if retry.StatusCode != http.StatusCreated || retry.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("the retry = %d %s", retry.StatusCode, retry.Body)
	}
	if n := env.count(t, `SELECT count(*) FROM payments`); n != 2 {
		t.Fatalf("%d payments stored, want 2", n)
	}
	keys := env.stripe.IdempotencyKeys("POST", "/v1/payment_intents")
	if attempts := len(env.stripe.Requests("POST", "/v1/payment_intents")); len(keys) != 2 || attempts < 4 {
		t.Fatalf("%d attempts asked Stripe under %v, want the outage's retries and the API retry under one key per payment", attempts, keys)
	}
}

// The webhook endpoint: a valid event is applied; a bad signature, a
// stale timestamp or an oversized body is refused with nothing stored; a
// duplicate, delivered twice and then twenty times at once, applies once;
// and a late event does not undo a later one.
func TestWebhooks(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	key := env.paymentsKey(t)
	p := env.createPayment(t, key, "w1", 3000)
	events := env.webhook(t, p.ID, payments.OutcomeSucceeded, time.Now())
	env.waitStatus(t, key, p.ID, "succeeded")

	q := env.createPayment(t, key, "w2", 3000)
	intent, _, _ := env.payments.Store.Payment(context.Background(), q.ID, false)
	processing, _ := env.payments.Simulator.Simulate(intent, payments.OutcomeProcessing, time.Now())
	body := processing[0].Payload
	stale := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: testWebhookSecret, Timestamp: time.Now().Add(-10 * time.Minute)})
	forged := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: "whsec_someone_else"})
	stored := env.count(t, `SELECT count(*) FROM stripe_events`)
	for name, tc := range map[string]struct {
		body []byte
		sig  string
		want int
	}{
		"bad signature": {body, forged.Header, http.StatusBadRequest},
		"no signature":  {body, "", http.StatusBadRequest},
		"stale":         {body, stale.Header, http.StatusBadRequest},
		"oversized":     {[]byte(`{"pad": "` + strings.Repeat("x", payments.MaxWebhookBytes) + `"}`), processing[0].Signature, http.StatusRequestEntityTooLarge},
	} {
		res := env.deliver(t, tc.body, tc.sig)
		if res.StatusCode != tc.want || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s = %d %s, want %d", name, res.StatusCode, res.Body, tc.want)
		}
	}
	if n := env.count(t, `SELECT count(*) FROM stripe_events`); n != stored {
		t.Fatalf("refused webhooks stored %d events", n-stored)
	}

	for range 2 {
		if res := env.deliver(t, body, processing[0].Signature); res.StatusCode != http.StatusOK {
			t.Fatalf("delivery = %d %s", res.StatusCode, res.Body)
		}
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if res := env.deliver(t, body, processing[0].Signature); res.StatusCode != http.StatusOK {
				t.Errorf("concurrent delivery = %d %s", res.StatusCode, res.Body)
			}
		})
	}
	wg.Wait()
	env.waitStatus(t, key, q.ID, "processing")
	wait.For(t, "the duplicated event was not applied", func() bool {
		return env.count(t, `SELECT count(*) FROM stripe_events WHERE id = $1 AND state = 'applied'`, eventID(t, body)) == 1
	})
	if n := env.count(t, `SELECT count(*) FROM payment_history h JOIN payments p ON p.id = h.payment_id WHERE p.public_id = $1 AND h.status = 'processing'`, q.ID); n != 1 {
		t.Fatalf("one event delivered 22 times applied %d times", n)
	}

	// Out of order: the first payment's success, redelivered, changes
	// nothing; a processing event stamped before it is kept as late.
	env.deliver(t, events[1].Payload, events[1].Signature)
	env.webhook(t, p.ID, payments.OutcomeProcessing, time.Now().Add(-time.Minute))
	wait.For(t, "the late event was not settled", func() bool {
		return env.count(t, `SELECT count(*) FROM stripe_events WHERE note LIKE 'kept succeeded%'`) == 1
	})
	if got := env.apiGet(t, key, p.ID); got.Status != "succeeded" {
		t.Fatalf("a late event undid the success: %s", got.Status)
	}
}

func eventID(t *testing.T, body []byte) string {
	var e struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatal(err)
	}
	return e.ID
}

// The payer's page opens only by the link the console made, shows test
// mode with outcomes to simulate (through the webhook), follows the
// payment to its end, and loads Stripe.js (allowed by its CSP) only in
// live mode and only there.
func TestPay(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	key := env.paymentsKey(t)
	p := env.createPayment(t, key, "pay", 5000)
	u, _ := url.Parse(p.PayURL)
	h := env.srv.Handler()
	page := webtest.Get(t, h, u.Path)
	if page.StatusCode != http.StatusOK || page.Text("[data-testid=pay-test-mode]") == "" || page.Doc.Find("[data-testid=simulate-form]").Length() != 1 {
		t.Fatalf("payer page = %d %s", page.StatusCode, page.Body)
	}
	if csp := page.Header.Get("Content-Security-Policy"); strings.Contains(csp, "stripe.com") || strings.Contains(page.Body, "js.stripe.com") {
		t.Fatal("test mode loads Stripe.js")
	}
	for _, bad := range []string{"/pay/" + p.ID + "/v1:forged", "/pay/pay_other/" + strings.Split(u.Path, "/")[3]} {
		if res := webtest.Get(t, h, bad); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", bad, res.StatusCode)
		}
	}
	form := url.Values{"outcome": {"declined"}}
	req := postForm(u.Path+"/simulate", form)
	if res := webtest.Do(t, h, req); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("simulate = %d %s", res.StatusCode, res.Body)
	}
	env.waitStatus(t, key, p.ID, "failed")
	if res := webtest.Get(t, h, u.Path+"/status"); !strings.Contains(res.Body, "Your card was declined.") {
		t.Fatalf("the status line after a decline: %s", res.Body)
	}
	webtest.Do(t, h, postForm(u.Path+"/simulate", url.Values{"outcome": {"succeeded"}}))
	env.waitStatus(t, key, p.ID, "succeeded")
	done := webtest.Get(t, h, u.Path)
	if done.Doc.Find("[data-testid=pay-status][data-status=succeeded]").Length() != 1 || done.Doc.Find("[data-testid=simulate-form]").Length() != 0 {
		t.Fatalf("a paid page: %s", done.Body)
	}
	if res := webtest.Do(t, h, postForm(u.Path+"/simulate", url.Values{"outcome": {"succeeded"}})); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("simulating on a paid payment = %d", res.StatusCode)
	}

	// Live mode: Stripe.js from js.stripe.com, allowed by this page's CSP only.
	q := env.createPayment(t, key, "live", 5000)
	qu, _ := url.Parse(q.PayURL)
	ps := env.payments
	live := &payments.Service{Store: ps.Store, Tx: ps.Tx, Audit: ps.Audit, Gateway: ps.Gateway, Events: ps.Events, Jobs: ps.Jobs, Keys: ps.Keys}
	deps := env.srv.deps
	deps.Pay = &handlers.Pay{Payments: live, PublishableKey: "pk_test_console"}
	liveSrv := New(env.srv.cfg, env.srv.log, deps).Handler()
	res := webtest.Get(t, liveSrv, qu.Path)
	csp := res.Header.Get("Content-Security-Policy")
	if res.StatusCode != http.StatusOK || res.Doc.Find(`script[src="https://js.stripe.com/v3/"]`).Length() != 1 ||
		!strings.Contains(csp, "script-src 'self' https://js.stripe.com") || !strings.Contains(csp, "frame-src https://js.stripe.com") ||
		!strings.Contains(res.Header.Get("Permissions-Policy"), `payment=(self "https://js.stripe.com")`) ||
		res.Doc.Find("#payment-form[data-client-secret]").Length() != 1 || res.Doc.Find("[data-testid=simulate-form]").Length() != 0 {
		t.Fatalf("live payer page = %d, CSP %q: %s", res.StatusCode, csp, res.Body)
	}
	if res := webtest.Do(t, liveSrv, postForm(qu.Path+"/simulate", url.Values{"outcome": {"succeeded"}})); res.StatusCode != http.StatusNotFound {
		t.Fatalf("simulating in live mode = %d, want 404", res.StatusCode)
	}
	if other := webtest.Get(t, liveSrv, "/login"); strings.Contains(other.Header.Get("Content-Security-Policy"), "stripe") ||
		strings.Contains(other.Header.Get("Permissions-Policy"), "stripe") {
		t.Fatal("another page's policies allow Stripe")
	}
	// The status line, polled every 2 s, does not decrypt the client secret.
	if st := webtest.Get(t, liveSrv, qu.Path+"/status"); st.StatusCode != http.StatusOK || strings.Contains(st.Body, "secret") {
		t.Fatalf("status line = %d %s", st.StatusCode, st.Body)
	}
}

func postForm(target string, form url.Values) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// In the console: operators see payments and refund with a confirmation;
// a refund above the threshold waits for a second operator, whom the
// requester cannot stand in for; a fraud reviewer reads but cannot refund;
// nothing secret reaches the log.
func TestPayments_Console(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	key := env.paymentsKey(t)
	p := env.createPayment(t, key, "console", 60_000)
	env.webhook(t, p.ID, payments.OutcomeSucceeded, time.Now())
	env.waitStatus(t, key, p.ID, "succeeded")
	ada := env.newUser(t, "ada.op", identity.Operator)
	c := env.signIn(t, ada)

	list := c.Get("/payments?status=succeeded")
	if list.StatusCode != http.StatusOK || !strings.Contains(list.Text("[data-testid=payments]"), p.ID) {
		t.Fatalf("payments list = %d %s", list.StatusCode, list.Body)
	}
	if res := c.Get("/payments?status=open"); res.Text("[data-testid=payments-empty]") == "" {
		t.Fatal("a filter that matches nothing shows no empty state")
	}
	if res := c.Get("/payments?min=10"); res.StatusCode != http.StatusBadRequest || !strings.Contains(res.Body, "Choose a currency") {
		t.Fatalf("an amount filter without a currency = %d", res.StatusCode)
	}
	if res := c.Get("/payments?currency=usd&min=500&max=700"); !strings.Contains(res.Body, p.ID) {
		t.Fatal("the amount filter missed the payment of 600.00 USD")
	}
	detail := c.Get("/payments/" + p.ID)
	if detail.Text("[data-testid=payment-card-text]") != "visa •••• 4242" || detail.Doc.Find("[data-testid=refund-form]").Length() != 1 ||
		!strings.Contains(detail.Text("[data-testid=timeline]"), "payment_intent.succeeded") {
		t.Fatalf("payment page: %s", detail.Body)
	}

	confirm := c.Post("/payments/"+p.ID+"/refunds", url.Values{"amount": {"25.50"}, "reason": {"duplicate"}}, "HX-Request", "true")
	if !strings.Contains(confirm.Text("[data-testid=refund-confirm-text]"), "Refund 25.50 USD of 600.00 USD to visa •••• 4242") ||
		env.count(t, `SELECT count(*) FROM refunds`) != 0 {
		t.Fatalf("the refund was not confirmed first: %s", confirm.Body)
	}
	if res := c.Post("/payments/"+p.ID+"/refunds", url.Values{"amount": {"900"}, "reason": {"duplicate"}}, "HX-Request", "true"); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(res.Text("[data-testid=refund-error]"), "Refund between") {
		t.Fatalf("an over-refund = %d %s", res.StatusCode, res.Body)
	}
	nonce, _ := confirm.Doc.Find(`input[name=nonce]`).Attr("value")
	confirmed := url.Values{"amount": {"25.50"}, "reason": {"duplicate"}, "confirmed": {"yes"}, "nonce": {nonce}}
	done := c.Post("/payments/"+p.ID+"/refunds", confirmed, "HX-Request", "true")
	if done.StatusCode != http.StatusNoContent || !strings.Contains(done.Header.Get("HX-Redirect"), "notice=refund-requested") {
		t.Fatalf("confirmed refund = %d %v", done.StatusCode, done.Header)
	}
	if again := c.Post("/payments/"+p.ID+"/refunds", confirmed, "HX-Request", "true"); again.StatusCode != http.StatusNoContent ||
		env.count(t, `SELECT count(*) FROM refunds`) != 1 {
		t.Fatalf("the confirmation sent again = %d, %d refunds: want one", again.StatusCode, env.count(t, `SELECT count(*) FROM refunds`))
	}
	wait.For(t, "the refund never reached Stripe", func() bool { return len(env.stripe.Requests("POST", "/v1/refunds")) == 1 })

	big := c.Post("/payments/"+p.ID+"/refunds", url.Values{"amount": {"300"}, "reason": {"requested_by_customer"}, "confirmed": {"yes"},
		"nonce": {strings.Repeat("ab", 16)}}, "HX-Request", "true")
	if !strings.Contains(big.Header.Get("HX-Redirect"), "notice=refund-awaiting") {
		t.Fatalf("a large refund = %d %v", big.StatusCode, big.Header)
	}
	var refundID int64
	env.db.QueryRow(context.Background(), `SELECT id FROM refunds WHERE status = 'awaiting_approval'`).Scan(&refundID)
	if got := c.Get("/").Text("[data-testid=widget-refunds]"); got != "1" {
		t.Fatalf("the overview counts %q refunds awaiting approval, want 1", got)
	}
	mine := c.Get("/payments/" + p.ID)
	if mine.Doc.Find("[data-testid=approve-refund]").Length() != 0 || mine.Text("[data-testid=own-refund]") == "" {
		t.Fatal("the requester is offered to approve their own refund")
	}
	approve := "/payments/refunds/" + strconv.FormatInt(refundID, 10) + "/approve"
	env.stepUp(t, c, ada)
	if res := c.Post(approve, nil); res.StatusCode != http.StatusForbidden {
		t.Fatalf("the requester approving = %d", res.StatusCode)
	}
	bo := env.newUser(t, "bo.op", identity.Operator)
	c2 := env.signIn(t, bo)
	if res := c2.Post(approve, nil); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/stepup") {
		t.Fatalf("approval without a fresh code = %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	env.stepUp(t, c2, bo)
	if res := c2.Post(approve, nil); res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "refund-approved") {
		t.Fatalf("approval by a second operator = %d %s", res.StatusCode, res.Body)
	}
	wait.For(t, "the approved refund never reached Stripe", func() bool { return len(env.stripe.Requests("POST", "/v1/refunds")) == 2 })

	fraud := env.newUser(t, "fay.fraud", identity.FraudReviewer)
	fc := env.signIn(t, fraud)
	view := fc.Get("/payments/" + p.ID)
	if view.StatusCode != http.StatusOK || view.Doc.Find("[data-testid=refund-form]").Length() != 0 {
		t.Fatalf("a fraud reviewer's view of a payment = %d, with a refund form: %v", view.StatusCode, view.Doc.Find("[data-testid=refund-form]").Length())
	}
	if res := fc.Post("/payments/"+p.ID+"/refunds", url.Values{"amount": {"1"}, "confirmed": {"yes"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a fraud reviewer refunding = %d", res.StatusCode)
	}
	logs := env.logs.String()
	for _, secret := range []string{"_secret_", testWebhookSecret, "4242424242424242", key} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
}
