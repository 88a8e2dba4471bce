package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paycompliance/console/e2e"
)

// drillClient bounds every request: during a fault an answer may be an
// error, never a wait past this.
var drillClient = &http.Client{Timeout: 15 * time.Second}

// apiCall is one API request and what came back.
type apiCall struct {
	status int
	body   []byte
	err    error
}

// callAPI sends one API request with key; idem, when set, is its
// Idempotency-Key.
func callAPI(c *e2e.Console, method, path, key, idem, body string) apiCall {
	req, _ := http.NewRequest(method, c.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	res, err := drillClient.Do(req)
	if err != nil {
		return apiCall{err: err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return apiCall{status: res.StatusCode, body: b, err: err}
}

// cleanFailure says what is wrong with an API answer that is not a
// success, or "" when it is the API's error JSON with a 5xx status.
func (a apiCall) cleanFailure() string {
	if a.err != nil {
		return "no answer: " + a.err.Error()
	}
	var out struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if a.status < 500 || json.Unmarshal(a.body, &out) != nil || out.Error.Code == "" || out.Error.Message == "" {
		return fmt.Sprintf("%d %.300s", a.status, a.body)
	}
	return ""
}

// waitFor polls cond every 20 ms until it holds, failing the test after limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// readyz returns the console's readiness status, 0 when it does not answer.
func readyz(c *e2e.Console) int {
	res, err := drillClient.Get(c.URL + "/readyz")
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

// paymentEvents follows the payments page's live stream as a browser's
// EventSource would, sending each payment id it announces.
func paymentEvents(t *testing.T, s *e2e.Session, c *e2e.Console) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.URL+"/payments/stream", nil)
	req.Header.Set("Accept", "text/event-stream")
	res, err := s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("payments stream = %d", res.StatusCode)
	}
	ids := make(chan string, 64)
	var once sync.Once
	go func() {
		defer once.Do(func() { close(ids); res.Body.Close() })
		sc := bufio.NewScanner(res.Body)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && event == "payment":
				select {
				case ids <- strings.TrimPrefix(line, "data: "):
				default:
				}
			}
		}
	}()
	return ids
}
