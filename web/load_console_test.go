package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paycompliance/console/app"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/e2e"
	"github.com/paycompliance/console/postgres/pgtest"
	"github.com/paycompliance/console/web"
)

// The load scenarios (load_bench_test.go) drive the whole console as
// `console serve` runs it (app.Main, so they live in package web_test:
// app imports web), in this process so that the soak's heap samples are
// the server's (plus the clients', which stay steady), over loopback HTTP.
//
// With LOAD_DATABASE_URL and LOAD_DATA_DIR (internal/benchreport sets
// them) it serves the database `console seed --scale F` filled, with that
// seed's keys and demo users. Without them it serves a fresh database
// with the demo data (`serve --demo`), so the benchmarks run anywhere.

// loadConsole is a running console and the demo users it knows.
type loadConsole struct {
	URL    string
	dbURL  string
	users  map[string]app.DemoUser
	client *http.Client // keep-alive, enough idle connections for every worker
}

// loadWorkers is how many clients the scenarios run at once: two per
// core, at least 4 and at most 16.
func loadWorkers() int { return min(16, max(4, 2*runtime.GOMAXPROCS(0))) }

// startLoadConsole starts the console for b and stops it when b ends.
func startLoadConsole(b *testing.B) *loadConsole {
	b.Helper()
	dbURL, dataDir := os.Getenv("LOAD_DATABASE_URL"), os.Getenv("LOAD_DATA_DIR")
	args := []string{"serve"}
	switch {
	case dbURL != "" && dataDir == "":
		b.Fatal("LOAD_DATABASE_URL needs LOAD_DATA_DIR, the seed's DATA_DIR (its keys and demo users)")
	case dbURL == "":
		_, dbURL = pgtest.NewDB(b)
		dataDir = b.TempDir()
		args = append(args, "--demo")
	}
	env := map[string]string{
		"DATABASE_URL": dbURL, "DATA_DIR": dataDir, "ADDR": "127.0.0.1:0", "ADMIN_ADDR": "127.0.0.1:0",
		"LOG_FORMAT": "json", "LOG_LEVEL": "warn", "SHUTDOWN_TIMEOUT": "10s",
		// The API mix sends thousands of calls a second with one key; the
		// default of 600 a minute would answer most with 429. Raised here
		// only, for the benchmark: the limiter still runs on every call.
		"API_RATE_LIMIT": "100000000",
	}
	c := &loadConsole{dbURL: dbURL, URL: e2e.Serve(b, args, env, &tailBuffer{max: 64 << 10}, 120*time.Second)}
	raw, err := os.ReadFile(filepath.Join(dataDir, app.DemoCredentialsFile))
	if err != nil {
		b.Fatalf("demo users: %v", err)
	}
	var users []app.DemoUser
	if err := json.Unmarshal(raw, &users); err != nil {
		b.Fatalf("demo users: %v", err)
	}
	c.users = map[string]app.DemoUser{}
	for _, u := range users {
		c.users[u.Username] = u
	}
	n := loadWorkers()
	c.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConns: 4 * n, MaxIdleConnsPerHost: 4 * n}}
	return c
}

// loadSession is a signed-in demo user: the session cookie's value and
// the CSRF token its pages carry.
type loadSession struct {
	user, cookie, csrf string
}

// signedIn caches sessions and API keys by database and user for the
// process: a benchmark function runs more than once (b.N = 1 first), and
// each run's console serves the same database, where the sessions live;
// signing in again within the TOTP step would be refused as a replay.
var signedIn = struct {
	sync.Mutex
	sessions map[string]*loadSession
	keys     map[string]string
}{sessions: map[string]*loadSession{}, keys: map[string]string{}}

// session signs username in through the real forms (password, then TOTP),
// once per process and database while the session lasts.
func (c *loadConsole) session(b *testing.B, username string) *loadSession {
	b.Helper()
	signedIn.Lock()
	defer signedIn.Unlock()
	if s := signedIn.sessions[c.dbURL+" "+username]; s != nil {
		if status, _, err := c.get(s, "/account", false); err == nil && status == http.StatusOK {
			return s
		} // ended meanwhile (idle while other benchmarks ran): sign in again
	}
	u, ok := c.users[username]
	if !ok {
		b.Fatalf("no demo user %s", username)
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Transport: c.client.Transport, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	s := &loadSession{user: username}
	c.post(b, browser, s, "/login", url.Values{"username": {u.Username}, "password": {u.Password}})
	c.readCSRF(b, browser, s, "/login/mfa")
	c.post(b, browser, s, "/login/mfa", url.Values{"code": {c.code(b, u)}})
	c.readCSRF(b, browser, s, "/account")
	base, _ := url.Parse(c.URL)
	for _, ck := range jar.Cookies(base) {
		if ck.Name == web.SessionCookie {
			s.cookie = ck.Value
		}
	}
	if s.cookie == "" {
		b.Fatalf("sign-in of %s: no session cookie", username)
	}
	signedIn.sessions[c.dbURL+" "+username] = s
	return s
}

// apiKey creates an API key with scopes as the demo administrator
// username (sign-in, step-up, the API keys form), once per process and
// database.
func (c *loadConsole) apiKey(b *testing.B, username string, scopes ...string) string {
	b.Helper()
	s := c.session(b, username)
	signedIn.Lock()
	defer signedIn.Unlock()
	id := c.dbURL + " " + username + " " + strings.Join(scopes, ",")
	if k := signedIn.keys[id]; k != "" {
		return k
	}
	browser := &http.Client{Transport: c.client.Transport, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	c.post(b, browser, s, "/stepup", url.Values{"code": {c.code(b, c.users[username])}, "next": {"/"}})
	created := c.post(b, browser, s, "/admin/api-keys", url.Values{"name": {"load benchmark"}, "scope": scopes, "days": {"1"}})
	key := regexp.MustCompile(`pcc_[0-9a-f]{8}_[A-Za-z0-9_-]{43}`).FindString(created)
	if key == "" {
		b.Fatalf("no API key in the answer: %.500s", created)
	}
	signedIn.keys[id] = key
	return key
}

// code is u's TOTP code for a step later than any the console accepted
// from u (it keeps the last in users.totp_last_step, and takes each step
// once and one step ahead): another benchmark process may have signed the
// same user in a moment ago. It waits for such a step when need be.
func (c *loadConsole) code(b *testing.B, u app.DemoUser) string {
	b.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	var last int64
	if err := conn.QueryRow(ctx, `SELECT coalesce(totp_last_step, 0) FROM users WHERE username = $1`, u.Username).Scan(&last); err != nil {
		b.Fatalf("last TOTP step of %s: %v", u.Username, err)
	}
	step := max(identity.TOTPStep(time.Now()), last+1)
	for step > identity.TOTPStep(time.Now())+1 {
		time.Sleep(time.Second)
	}
	return identity.TOTPCode(u.TOTPSecret, time.Unix(step*30, 0))
}

// post submits a form as htmx does, with the session's cookie (when the
// client has no jar) and CSRF token, and returns the answer's body; a
// status of 400 or more fails b.
func (c *loadConsole) post(b *testing.B, client *http.Client, s *loadSession, path string, form url.Values) string {
	b.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	if s.csrf != "" {
		req.Header.Set("X-CSRF-Token", s.csrf)
	}
	if client.Jar == nil {
		req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: s.cookie})
	}
	res, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 400 {
		b.Fatalf("%s: POST %s = %d %.500s", s.user, path, res.StatusCode, body)
	}
	return string(body)
}

var csrfHeaders = regexp.MustCompile(`hx-headers="([^"]+)"`)

func (c *loadConsole) readCSRF(b *testing.B, client *http.Client, s *loadSession, path string) {
	b.Helper()
	res, err := client.Get(c.URL + path)
	if err != nil {
		b.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfHeaders.FindStringSubmatch(string(page))
	var headers map[string]string
	if m == nil || json.Unmarshal([]byte(html.UnescapeString(m[1])), &headers) != nil || headers["X-CSRF-Token"] == "" {
		b.Fatalf("%s: no CSRF token on %s (%d): %.300s", s.user, path, res.StatusCode, page)
	}
	s.csrf = headers["X-CSRF-Token"]
}

// page fetches path as s, for setup: the body, or b fails on a status
// other than 200.
func (c *loadConsole) page(b *testing.B, s *loadSession, path string) string {
	b.Helper()
	status, body, err := c.get(s, path, true)
	if err != nil || status != http.StatusOK {
		b.Fatalf("%s: GET %s = %d %v %.300s", s.user, path, status, err, body)
	}
	return body
}

// get fetches path as s over the shared keep-alive client; the body is
// read to the end (so the connection is reused) and kept only if asked.
func (c *loadConsole) get(s *loadSession, path string, keep bool) (int, string, error) {
	req, err := http.NewRequest(http.MethodGet, c.URL+path, nil)
	if err != nil {
		return 0, "", err
	}
	req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: s.cookie})
	return c.do(req, keep)
}

func (c *loadConsole) do(req *http.Request, keep bool) (int, string, error) {
	res, err := c.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	if !keep {
		_, err = io.Copy(io.Discard, res.Body)
		return res.StatusCode, "", err
	}
	body, err := io.ReadAll(res.Body)
	return res.StatusCode, string(body), err
}

// tailBuffer keeps the last max bytes written to it: the console's log,
// for a failure's message, without growing through a soak.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// errorLog counts failed requests and keeps the first few, so that a
// scenario reports its errors as a metric rather than stopping at one.
type errorLog struct {
	mu    sync.Mutex
	n     int
	first []string
}

func (e *errorLog) add(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.n++
	if len(e.first) < 5 {
		e.first = append(e.first, fmt.Sprintf(format, args...))
	}
}

func (e *errorLog) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.n
}

// report reports the count as the errors metric, and fails b (after the
// metrics are out) when there were any.
func (e *errorLog) report(b *testing.B) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b.ReportMetric(float64(e.n), "errors")
	if e.n > 0 {
		b.Errorf("%d failed requests; the first: %s", e.n, strings.Join(e.first, "; "))
	}
}
