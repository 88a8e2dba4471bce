package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// APIKey signs in as the demo administrator over plain HTTP, as a script
// would, and creates an API key with scopes, returning it.
func (c *Console) APIKey(t *testing.T, scopes ...string) string {
	t.Helper()
	admin := c.DemoUser(t, "erin.hale")
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	var csrf string
	post := func(path string, form url.Values) string {
		req, _ := http.NewRequest(http.MethodPost, c.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 400 {
			t.Fatalf("POST %s = %d %s", path, res.StatusCode, body)
		}
		return string(body)
	}
	// Each step's page carries the session's CSRF token (it changes with the session id).
	readCSRF := func(path string) {
		res, err := client.Get(c.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		m := regexp.MustCompile(`hx-headers="([^"]+)"`).FindStringSubmatch(string(page))
		var headers map[string]string
		if m == nil || json.Unmarshal([]byte(html.UnescapeString(m[1])), &headers) != nil {
			t.Fatalf("no CSRF token on %s: %.300s", path, page)
		}
		csrf = headers["X-CSRF-Token"]
	}
	post("/login", url.Values{"username": {admin.Username}, "password": {admin.Password}})
	readCSRF("/login/mfa")
	post("/login/mfa", url.Values{"code": {c.Code(t, admin.TOTPSecret)}})
	readCSRF("/account")
	post("/stepup", url.Values{"code": {c.Code(t, admin.TOTPSecret)}, "next": {"/"}})
	created := post("/admin/api-keys", url.Values{"name": {"e2e"}, "scope": scopes, "days": {"1"}})
	key := regexp.MustCompile(`pcc_[0-9a-f]{8}_[A-Za-z0-9_-]{43}`).FindString(created)
	if key == "" {
		t.Fatalf("no key in the answer: %.500s", created)
	}
	return key
}

// API calls the console's API with key; POSTs get a fresh Idempotency-Key.
func (c *Console) API(t *testing.T, method, path, key, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, c.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	if method == http.MethodPost {
		sum := sha256.Sum256([]byte(t.Name() + " " + path + " " + body))
		req.Header.Set("Idempotency-Key", hex.EncodeToString(sum[:16]))
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}
