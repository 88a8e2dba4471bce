package web

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/web/webtest"
)

// apiKey creates a key with scopes through the console, as an
// administrator does, and returns it.
func (env *testEnv) apiKey(t testing.TB, scopes ...string) string {
	t.Helper()
	admin := env.newUser(t, "keymaker."+strconv.Itoa(len(scopes))+strings.Join(scopes, "."), identity.Administrator)
	c := env.signIn(t, admin)
	env.stepUp(t, c, admin)
	res := c.Post("/admin/api-keys", url.Values{"name": {"billing system"}, "scope": scopes, "days": {"30"}}, "HX-Request", "true")
	key := res.Text("[data-testid=new-api-key]")
	if res.StatusCode != http.StatusCreated || key == "" {
		t.Fatalf("create key = %d %s", res.StatusCode, res.Text("[data-testid=form-error]"))
	}
	list := c.Get("/admin/api-keys")
	if !strings.Contains(list.Text("[data-testid=keys]"), key[:len("pcc_")+8]) || strings.Contains(list.Body, key) {
		t.Fatal("the key list must show the key by its prefix only")
	}
	return key
}

func (env *testEnv) call(t *testing.T, method, target, key string, body string, headers ...string) webtest.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return webtest.Do(t, env.srv.Handler(), req)
}

type apiError struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		RequestID string `json:"request_id"`
	} `json:"error"`
}

// errorCode checks an error answer's shape (the Error schema) and returns its code.
func errorCode(t *testing.T, res webtest.Response) string {
	t.Helper()
	var e apiError
	if err := json.Unmarshal([]byte(res.Body), &e); err != nil || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") ||
		e.Error.Message == "" || e.Error.RequestID != res.Header.Get("X-Request-Id") {
		t.Fatalf("not a JSON error (%d %s): %s", res.StatusCode, res.Header.Get("Content-Type"), res.Body)
	}
	return e.Error.Code
}

// The OpenAPI document describes exactly the API routes there are, and the
// ground rules they follow.
func TestAPI_OpenAPIMatchesTheRoutes(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	res := env.call(t, http.MethodGet, "/api/v1/openapi.json", "", "")
	var doc struct {
		OpenAPI  string                                `json:"openapi"`
		Security []map[string][]string                 `json:"security"`
		Paths    map[string]map[string]json.RawMessage `json:"paths"`
		Comps    struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Properties map[string]struct {
						Enum []string `json:"enum"`
					} `json:"properties"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if res.StatusCode != http.StatusOK || json.Unmarshal([]byte(res.Body), &doc) != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi.json = %d, not an OpenAPI 3 document", res.StatusCode)
	}
	var documented, routed []string
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			op := strings.ToUpper(method) + " " + path
			documented = append(documented, op)
			var o struct {
				Security   *[]map[string][]string `json:"security"`
				Parameters []struct {
					Ref      string `json:"$ref"`
					Name     string `json:"name"`
					Required bool   `json:"required"`
				} `json:"parameters"`
			}
			json.Unmarshal(raw, &o)
			if method == "post" && !slices.ContainsFunc(o.Parameters, func(p struct {
				Ref      string `json:"$ref"`
				Name     string `json:"name"`
				Required bool   `json:"required"`
			}) bool {
				return p.Ref == "#/components/parameters/IdempotencyKey" || p.Name == "Idempotency-Key" && p.Required
			}) {
				t.Errorf("%s does not require an Idempotency-Key", op)
			}
			open := o.Security != nil && len(*o.Security) == 0
			if open != (path == "/api/v1/openapi.json") {
				t.Errorf("%s: open to callers without a key = %v", op, open)
			}
		}
	}
	for _, rt := range env.srv.routes() {
		if method, path, ok := strings.Cut(rt.pattern, " "); ok && strings.HasPrefix(path, "/api/v1/") {
			routed = append(routed, method+" "+path)
		}
	}
	slices.Sort(documented)
	slices.Sort(routed)
	if !slices.Equal(documented, routed) {
		t.Fatalf("documented %v\nrouted     %v", documented, routed)
	}
	if len(doc.Security) == 0 {
		t.Fatal("the document declares no security requirement")
	}
	codes := doc.Comps.Schemas["Error"].Properties["error"].Properties["code"].Enum
	for _, c := range []string{"invalid", "unauthorized", "forbidden", "not_found", "conflict", "too_large", "rate_limited", "internal"} {
		if !slices.Contains(codes, c) {
			t.Errorf("the Error schema lacks code %q", c)
		}
	}
	spec, _ := os.ReadFile("openapi.json")
	if string(spec) != res.Body {
		t.Fatal("the served document is not the file")
	}
}

// altered changes one character in the middle of a key's secret, always to a
// different one (the last character carries padding bits, so it is left alone).
func altered(key string) string {
	i := len(key) - 10
	c := byte('A')
	if key[i] == c {
		c = 'B'
	}
	return key[:i] + string(c) + key[i+1:]
}

// Calls without a valid key are refused with 401 and a JSON error: no key,
// a malformed or unknown one, a revoked or an expired one.
func TestAPI_Authentication(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	key := env.apiKey(t, "audit.read")
	entries := "/api/v1/audit/entries"
	if res := env.call(t, http.MethodGet, entries, key, ""); res.StatusCode != http.StatusOK {
		t.Fatalf("a valid key = %d %s", res.StatusCode, res.Body)
	}
	for name, k := range map[string]string{"none": "", "malformed": "hello", "unknown": "pcc_00000000_" + key[len(key)-43:], "altered": altered(key)} {
		res := env.call(t, http.MethodGet, entries, k, "")
		if res.StatusCode != http.StatusUnauthorized || errorCode(t, res) != "unauthorized" || res.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s key = %d %s", name, res.StatusCode, res.Body)
		}
	}
	expiring := env.apiKey(t, "audit.read", "audit.read")
	env.clock.Advance(31 * 24 * time.Hour)
	if res := env.call(t, http.MethodGet, entries, expiring, ""); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a key past its expiry = %d", res.StatusCode)
	}
	fresh := env.apiKey(t, "audit.checkpoint", "audit.read")
	admin := env.newUser(t, "revoker", identity.Administrator)
	c := env.signIn(t, admin)
	keys, err := env.identity.Store.ListAPIKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if strings.HasPrefix(fresh, "pcc_"+k.Prefix+"_") {
			if res := c.Post("/admin/api-keys/"+strconv.FormatInt(k.ID, 10)+"/revoke", nil); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("revoke = %d %s", res.StatusCode, res.Body)
			}
		}
	}
	if res := env.call(t, http.MethodGet, entries, fresh, ""); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a revoked key = %d", res.StatusCode)
	}
}

// A key reaches only what its scopes allow; the entries come newest first
// with the exact bytes that were hashed, and page without overlap.
func TestAPI_ScopesAndEntries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := newTestEnv(t)
	reader := env.apiKey(t, "audit.read")
	env.seed(t, 5)
	res := env.call(t, http.MethodPost, "/api/v1/audit/checkpoints", reader, "", "Idempotency-Key", "k1")
	if res.StatusCode != http.StatusForbidden || errorCode(t, res) != "forbidden" {
		t.Fatalf("POST checkpoints with audit.read only = %d %s", res.StatusCode, res.Body)
	}
	type page struct {
		Entries []struct {
			Seq   int64           `json:"seq"`
			Hash  string          `json:"hash"`
			Event json.RawMessage `json:"event"`
		} `json:"entries"`
		NextBefore *int64 `json:"next_before"`
	}
	var seqs []int64
	next := "/api/v1/audit/entries?limit=2&action=auth.login.succeeded"
	for range 10 {
		res := env.call(t, http.MethodGet, next, reader, "")
		var p page
		if res.StatusCode != http.StatusOK || json.Unmarshal([]byte(res.Body), &p) != nil {
			t.Fatalf("GET %s = %d %s", next, res.StatusCode, res.Body)
		}
		for _, e := range p.Entries {
			seqs = append(seqs, e.Seq)
			stored, _, _ := postgres.AuditStore{DB: env.db}.Get(ctx, e.Seq)
			if string(e.Event) != string(stored.Entry) || len(e.Hash) != 64 {
				t.Fatalf("entry %d: the event is not the stored canonical bytes", e.Seq)
			}
			if ev, err := audit.ParseEntry(e.Event); err != nil || ev.Action != audit.LoginSucceeded {
				t.Fatalf("entry %d: %v %v", e.Seq, ev.Action, err)
			}
		}
		if p.NextBefore == nil {
			break
		}
		next = "/api/v1/audit/entries?limit=2&action=auth.login.succeeded&before=" + strconv.FormatInt(*p.NextBefore, 10)
	}
	if len(seqs) < 3 || !slices.IsSortedFunc(seqs, func(a, b int64) int { return int(b - a) }) || len(slices.Compact(slices.Clone(seqs))) != len(seqs) {
		t.Fatalf("paged sequence numbers %v: want newest first, each once", seqs)
	}
	for _, bad := range []string{"limit=0", "limit=501", "from=yesterday", "action=nope", "before=-1"} {
		if res := env.call(t, http.MethodGet, "/api/v1/audit/entries?"+bad, reader, ""); res.StatusCode != http.StatusBadRequest || errorCode(t, res) != "invalid" {
			t.Errorf("GET entries?%s = %d", bad, res.StatusCode)
		}
	}
	if res := env.call(t, http.MethodGet, "/api/v1/nope", reader, ""); res.StatusCode != http.StatusNotFound || errorCode(t, res) != "not_found" {
		t.Errorf("an unknown API path = %d %s", res.StatusCode, res.Body)
	}
}

func checkpoints(t *testing.T, env *testEnv) int {
	t.Helper()
	var n int
	env.db.QueryRow(context.Background(), `SELECT count(*) FROM audit_checkpoints`).Scan(&n)
	return n
}

// Every POST needs an Idempotency-Key; a repeat replays the first answer
// and changes nothing, a different request under the same key is refused,
// and a burst of the same request signs once.
func TestAPI_Idempotency(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	key := env.apiKey(t, "audit.checkpoint")
	const path = "/api/v1/audit/checkpoints"
	if res := env.call(t, http.MethodPost, path, key, ""); res.StatusCode != http.StatusBadRequest || errorCode(t, res) != "invalid" || checkpoints(t, env) != 0 {
		t.Fatalf("POST without an Idempotency-Key = %d, %d checkpoints", res.StatusCode, checkpoints(t, env))
	}
	first := env.call(t, http.MethodPost, path, key, "", "Idempotency-Key", "op-1")
	if first.StatusCode != http.StatusCreated || checkpoints(t, env) != 1 {
		t.Fatalf("first POST = %d %s", first.StatusCode, first.Body)
	}
	again := env.call(t, http.MethodPost, path, key, "", "Idempotency-Key", "op-1")
	if again.StatusCode != first.StatusCode || again.Body != first.Body || again.Header.Get("Idempotent-Replayed") != "true" || checkpoints(t, env) != 1 {
		t.Fatalf("the repeat = %d %q (replayed %q), %d checkpoints; want the first answer again and nothing new",
			again.StatusCode, again.Body, again.Header.Get("Idempotent-Replayed"), checkpoints(t, env))
	}
	if res := env.call(t, http.MethodPost, path, key, "{}", "Idempotency-Key", "op-1"); res.StatusCode != http.StatusConflict || errorCode(t, res) != "conflict" {
		t.Fatalf("the same key with another body = %d %s", res.StatusCode, res.Body)
	}
	other := env.apiKey(t, "audit.checkpoint", "audit.read")
	if res := env.call(t, http.MethodPost, path, other, "", "Idempotency-Key", "op-1"); res.StatusCode != http.StatusCreated || res.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("another API key's op-1 = %d: keys are per caller", res.StatusCode)
	}
	env.clock.Advance(25 * time.Hour)
	before := checkpoints(t, env)
	var wg sync.WaitGroup
	answers := make([]webtest.Response, 8)
	for i := range answers {
		wg.Go(func() { answers[i] = env.call(t, http.MethodPost, path, key, "", "Idempotency-Key", "burst") })
	}
	wg.Wait()
	if got := checkpoints(t, env) - before; got != 1 {
		t.Fatalf("8 simultaneous requests with one key signed %d checkpoints, want 1", got)
	}
	var created string
	for _, a := range answers {
		switch {
		case a.StatusCode == http.StatusCreated && (created == "" || created == a.Body):
			created = a.Body
		case a.StatusCode == http.StatusConflict && strings.Contains(a.Body, "still running"):
		default:
			t.Errorf("a simultaneous request got %d %s", a.StatusCode, a.Body)
		}
	}
}

// Each key has a per-minute limit, shared by every instance (it is counted
// in PostgreSQL).
func TestAPI_RateLimit(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	key := env.apiKey(t, "audit.read")
	env.identity.Policy.APIRateLimit = 3
	for i := range 3 {
		res := env.call(t, http.MethodGet, "/api/v1/audit/entries?limit=1", key, "")
		if res.StatusCode != http.StatusOK || res.Header.Get("X-RateLimit-Limit") != "3" || res.Header.Get("X-RateLimit-Remaining") != strconv.Itoa(2-i) {
			t.Fatalf("call %d = %d, limit %q remaining %q", i+1, res.StatusCode, res.Header.Get("X-RateLimit-Limit"), res.Header.Get("X-RateLimit-Remaining"))
		}
	}
	res := env.call(t, http.MethodGet, "/api/v1/audit/entries?limit=1", key, "")
	if retry, err := strconv.Atoi(res.Header.Get("Retry-After")); res.StatusCode != http.StatusTooManyRequests || errorCode(t, res) != "rate_limited" || err != nil || retry < 1 || retry > 60 {
		t.Fatalf("the 4th call = %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	env.clock.Advance(time.Minute)
	if res := env.call(t, http.MethodGet, "/api/v1/audit/entries?limit=1", key, ""); res.StatusCode != http.StatusOK {
		t.Fatalf("a minute later = %d", res.StatusCode)
	}
}

// Every call is recorded under the key's prefix, with its outcome.
func TestAPI_EveryCallAudited(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := newTestEnv(t)
	key := env.apiKey(t, "audit.read")
	env.call(t, http.MethodGet, "/api/v1/audit/entries?limit=1", key, "")
	env.call(t, http.MethodGet, "/api/v1/audit/entries?limit=1", key, "")
	env.call(t, http.MethodPost, "/api/v1/audit/checkpoints", key, "", "Idempotency-Key", "x")
	if err := env.seq.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	actor := key[:len("pcc_")+8]
	var ok, failed int
	env.db.QueryRow(ctx, `SELECT count(*) FILTER (WHERE audit_field(entry, '{outcome}') = 'success'),
		count(*) FILTER (WHERE audit_field(entry, '{outcome}') = 'failure' AND audit_field(entry, '{detail,status}') = '403')
		FROM audit_log WHERE audit_field(entry, '{action}') = 'api.request' AND audit_field(entry, '{actor,id}') = $1
		AND audit_field(entry, '{actor,type}') = 'api_key'`, actor).Scan(&ok, &failed)
	if ok != 2 || failed != 1 {
		t.Fatalf("%d successful and %d refused calls recorded under %s, want 2 and 1", ok, failed, actor)
	}
}

// A body over the limit is refused before anything happens.
func TestAPI_BodyLimit(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	key := env.apiKey(t, "audit.checkpoint")
	res := env.call(t, http.MethodPost, "/api/v1/audit/checkpoints", key, strings.Repeat("x", 256<<10), "Idempotency-Key", "big")
	if res.StatusCode != http.StatusRequestEntityTooLarge || errorCode(t, res) != "too_large" || checkpoints(t, env) != 0 {
		t.Fatalf("an oversized body = %d %s, %d checkpoints", res.StatusCode, res.Body, checkpoints(t, env))
	}
}

// A claim whose first request is still running holds its key; one whose
// instance died (older than IdempotencyStale) is taken over; an answer
// older than IdempotencyTTL is forgotten, a younger one replayed.
func TestAPI_UnfinishedAndExpiredIdempotencyRecords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := newTestEnv(t)
	key := env.apiKey(t, "audit.checkpoint")
	keys, err := env.identity.Store.ListAPIKeys(ctx)
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys: %v %v", keys, err)
	}
	const path = "/api/v1/audit/checkpoints"
	hash := sha256.Sum256([]byte("POST " + path + "\n"))
	plant := func(idem string, age time.Duration, status *int, body string) {
		t.Helper()
		if _, err := env.db.Exec(ctx, `INSERT INTO api_idempotency (api_key_id, idempotency_key, request_hash, created_at, status, content_type, body)
			VALUES ($1, $2, $3, $4, $5, 'application/json', $6)`, keys[0].ID, idem, hash[:], time.Now().Add(-age), status, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	post := func(idem string) webtest.Response {
		return env.call(t, http.MethodPost, path, key, "", "Idempotency-Key", idem)
	}
	created := http.StatusCreated
	plant("running", 10*time.Second, nil, "")
	plant("abandoned", identity.IdempotencyStale+time.Minute, nil, "")
	plant("expired", identity.IdempotencyTTL+time.Hour, &created, `{"old":true}`)
	plant("kept", time.Hour, &created, `{"kept":true}`)

	if res := post("running"); res.StatusCode != http.StatusConflict || !strings.Contains(res.Body, "still running") || checkpoints(t, env) != 0 {
		t.Fatalf("a retry while the first request runs = %d %s", res.StatusCode, res.Body)
	}
	if res := post("abandoned"); res.StatusCode != http.StatusCreated || res.Header.Get("Idempotent-Replayed") != "" || checkpoints(t, env) != 1 {
		t.Fatalf("a retry of an abandoned operation = %d (replayed %q)", res.StatusCode, res.Header.Get("Idempotent-Replayed"))
	}
	if res := post("expired"); res.StatusCode != http.StatusCreated || strings.Contains(res.Body, "old") || checkpoints(t, env) != 2 {
		t.Fatalf("a key past its day = %d %s, want a new run", res.StatusCode, res.Body)
	}
	if res := post("kept"); res.Header.Get("Idempotent-Replayed") != "true" || res.Body != `{"kept":true}` || checkpoints(t, env) != 2 {
		t.Fatalf("a key with a kept answer = %d %s, want it replayed", res.StatusCode, res.Body)
	}
}
