package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// APIKey signs in as the demo administrator over plain HTTP, as a script
// would, and creates an API key with scopes, returning it.
func (c *Console) APIKey(t *testing.T, scopes ...string) string {
	t.Helper()
	s := c.SignInHTTP(t, "erin.hale")
	s.StepUp(t)
	created := s.Post(t, "/admin/api-keys", url.Values{"name": {"e2e"}, "scope": scopes, "days": {"1"}})
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
