package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// The risk API: an event scored with every rule's contribution summing to
// the score and the rules version named; the same event again returns the
// first decision; a burst on one card turns to review and opens a case;
// bad input says what to fix and keeps nothing; the console's own rails
// are not the API's to score; a key without the scope is refused.
func TestFraudAPI(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	key := env.apiKey(t, "fraud.assess", "fraud.read")
	assess := func(idem, body string) (int, map[string]any, string) {
		res := env.call(t, http.MethodPost, "/api/v1/risk/assessments", key, body, "Idempotency-Key", idem, "Content-Type", "application/json")
		var out map[string]any
		json.Unmarshal([]byte(res.Body), &out)
		return res.StatusCode, out, res.Body
	}
	event := func(ref string, radar int) string {
		return `{"type": "card_payment", "ref": "` + ref + `", "amount": 2500, "currency": "usd", "customer": "cus-api",
			"card_fingerprint": "fp-api", "ip": "198.51.100.9", "country": "RO", "card_country": "US", "radar_score": ` + strconv.Itoa(radar) + `}`
	}
	status, first, raw := assess("a-1", event("ord-1", 20))
	if status != http.StatusOK || first["object"] != "risk_assessment" || first["decision"] != "allow" || first["rule_version"].(float64) != 1 {
		t.Fatalf("assess = %d %s", status, raw)
	}
	points := 0.0
	for _, c := range first["contributions"].([]any) {
		points += c.(map[string]any)["points"].(float64)
	}
	if points != first["score"].(float64) || points == 0 {
		t.Fatalf("contributions sum to %v, score %v: %s", points, first["score"], raw)
	}
	if _, again, _ := assess("a-2", event("ord-1", 99)); again["id"] != first["id"] || again["score"] != first["score"] {
		t.Fatalf("the same event scored again: %v then %v", first, again)
	}
	var last map[string]any
	for i := 2; i <= 6; i++ {
		_, last, raw = assess("b-"+strconv.Itoa(i), event("ord-"+strconv.Itoa(i), 70))
	}
	if last["decision"] != "review" || last["case"] == nil {
		t.Fatalf("a burst on one card: %s", raw)
	}
	got := env.call(t, http.MethodGet, "/api/v1/risk/assessments/"+last["id"].(string), key, "")
	if got.StatusCode != http.StatusOK || !strings.Contains(got.Body, `"velocity_card_1h"`) {
		t.Fatalf("get = %d %s", got.StatusCode, got.Body)
	}
	for name, body := range map[string]string{
		"a card number":      strings.Replace(event("bad-1", 1), "fp-api", "4242424242424242", 1),
		"no customer":        strings.Replace(event("bad-2", 1), `"customer": "cus-api",`, "", 1),
		"an unknown field":   strings.Replace(event("bad-3", 1), `"amount"`, `"amt": 1, "amount"`, 1),
		"radar out of range": event("bad-4", 120),
		"a console rail":     strings.Replace(event("bad-5", 1), "card_payment", "payment", 1),
	} {
		if status, _, raw := assess("bad-"+name, body); status != http.StatusBadRequest {
			t.Errorf("%s = %d %s", name, status, raw)
		}
	}
	var kept int
	env.db.QueryRow(t.Context(), `SELECT count(*) FROM fraud_decisions WHERE event_ref LIKE 'bad-%'`).Scan(&kept)
	if kept != 0 {
		t.Errorf("%d refused events kept", kept)
	}
	other := env.apiKey(t, "payments.read")
	if res := env.call(t, http.MethodPost, "/api/v1/risk/assessments", other, event("ord-x", 1), "Idempotency-Key", "x", "Content-Type", "application/json"); res.StatusCode != http.StatusForbidden {
		t.Errorf("a key without fraud.assess = %d", res.StatusCode)
	}
}
