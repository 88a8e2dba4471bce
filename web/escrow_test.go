package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/money"
	"github.com/paycompliance/console/domain/payments"
)

// succeededPayment is a card payment from customer that Stripe reported
// succeeded, applied as its webhook job would.
func (env *testEnv) succeededPayment(t *testing.T, ref, customer string, minor int64) string {
	t.Helper()
	ctx := identity.WithServiceCaller(context.Background(), audit.Actor{Type: audit.ActorUser, ID: "op.ada"}, identity.PermPaymentsWrite, identity.PermPaymentsRead)
	p, err := env.payments.Create(ctx, payments.NewPayment{RequestRef: ref, Amount: money.Amount{Minor: minor, Currency: "USD"}, CustomerRef: customer, Description: "Escrow deposit"})
	if err != nil {
		t.Fatal(err)
	}
	events, err := env.payments.Simulator.Simulate(p, payments.OutcomeSucceeded, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range events {
		if err := env.payments.ReceiveWebhook(context.Background(), ev.Payload, ev.Signature); err != nil {
			t.Fatal(err)
		}
		var id struct{ ID string }
		json.Unmarshal(ev.Payload, &id)
		if err := env.payments.ApplyEvent(context.Background(), id.ID); err != nil {
			t.Fatal(err)
		}
	}
	return p.PublicID
}

// The escrow API: an escrow opened with its policy, funded once by its
// payer's payment, a release requested and held; bad input says what to
// fix; approving is not the API's; a key without escrow scopes reaches
// nothing.
func TestEscrowAPI(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	env.loadList(t)
	key := env.apiKey(t, "escrow.read", "escrow.write")
	post := func(path, idem, body string) (int, map[string]any, string) {
		res := env.call(t, http.MethodPost, path, key, body, "Idempotency-Key", idem, "Content-Type", "application/json")
		var out map[string]any
		json.Unmarshal([]byte(res.Body), &out)
		return res.StatusCode, out, res.Body
	}
	body := `{"payer": "cus-buyer", "payer_name": "Acme Buyer", "payee_name": "Jane Ordinary", "payee_type": "individual",
		"payee_kind": "stripe_account", "payee_account": "acct_1032D82eZvKYlo2C", "currency": "usd", "conditions": "Goods inspected",
		"policy": {"groups": [{"name": "finance", "threshold": 2, "members": ["ben", "priya", "tomas"]}], "max_release": 50000}}`
	status, e, raw := post("/api/v1/escrows", "esc-1", body)
	if status != http.StatusCreated || e["object"] != "escrow" || e["currency"] != "USD" {
		t.Fatalf("open = %d %s", status, raw)
	}
	id := e["id"].(string)
	if _, again, _ := post("/api/v1/escrows", "esc-1", body); again["id"] != id {
		t.Fatal("a retry opened another escrow")
	}
	if status, _, raw := post("/api/v1/escrows", "esc-2", strings.Replace(body, `"threshold": 2`, `"threshold": 4`, 1)); status != http.StatusBadRequest || !strings.Contains(raw, "between 1 and 3") {
		t.Fatalf("a threshold above the group's size = %d %s", status, raw)
	}
	other := env.succeededPayment(t, "not-the-payer", "cus-someone-else", 10_000)
	if status, _, raw := post("/api/v1/escrows/"+id+"/fundings", "f-0", `{"source": "`+other+`"}`); status != http.StatusBadRequest || !strings.Contains(raw, "payer") {
		t.Fatalf("funding from another customer = %d %s", status, raw)
	}
	pay := env.succeededPayment(t, "deposit", "cus-buyer", 80_000)
	status, funded, raw := post("/api/v1/escrows/"+id+"/fundings", "f-1", `{"source": "`+pay+`"}`)
	if status != http.StatusCreated || funded["balances"].(map[string]any)["available"].(float64) != 80_000 {
		t.Fatalf("fund = %d %s", status, raw)
	}
	if status, _, raw := post("/api/v1/escrows/"+id+"/fundings", "f-2", `{"source": "`+pay+`"}`); status != http.StatusConflict {
		t.Fatalf("the same payment funding twice = %d %s", status, raw)
	}
	if status, _, raw := post("/api/v1/escrows/"+id+"/releases", "r-0", `{"amount": 60000, "reason": "All goods delivered"}`); status != http.StatusBadRequest || !strings.Contains(raw, "at most") {
		t.Fatalf("a release above the policy's ceiling = %d %s", status, raw)
	}
	status, rel, raw := post("/api/v1/escrows/"+id+"/releases", "r-1", `{"amount": 30000, "reason": "Milestone one delivered"}`)
	if status != http.StatusCreated || rel["status"] != "pending" || len(rel["payload_sha256"].(string)) != 64 {
		t.Fatalf("request = %d %s", status, raw)
	}
	got := env.call(t, http.MethodGet, "/api/v1/escrows/"+id, key, "")
	if !strings.Contains(got.Body, `"held":30000`) || !strings.Contains(got.Body, `"available":50000`) {
		t.Fatalf("after the request the escrow reads %s", got.Body)
	}
	cert := env.call(t, http.MethodGet, "/api/v1/escrow-releases/"+rel["id"].(string)+"/certificate", key, "")
	if cert.StatusCode != http.StatusConflict {
		t.Fatalf("a certificate before execution = %d %s", cert.StatusCode, cert.Body)
	}
	if list := env.call(t, http.MethodGet, "/api/v1/escrows", key, ""); list.StatusCode != http.StatusOK || !strings.Contains(list.Body, id) {
		t.Fatalf("list = %d %s", list.StatusCode, list.Body)
	}
	ach := env.apiKey(t, "ach.read")
	if res := env.call(t, http.MethodGet, "/api/v1/escrows/"+id, ach, ""); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a key without escrow scopes = %d", res.StatusCode)
	}
}
