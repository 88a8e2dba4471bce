package e2e

import (
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

// Session is a demo user signed in over plain HTTP, as a script would: its
// cookies, and the CSRF token its pages carry (it changes with the session id).
type Session struct {
	Client *http.Client
	c      *Console
	user   string
	csrf   string
}

var csrfHeaders = regexp.MustCompile(`hx-headers="([^"]+)"`)

// SignInHTTP signs a demo user in through the sign-in forms, password then
// TOTP, without a browser.
func (c *Console) SignInHTTP(t *testing.T, username string) *Session {
	t.Helper()
	u := c.DemoUser(t, username)
	jar, _ := cookiejar.New(nil)
	s := &Session{Client: &http.Client{Jar: jar}, c: c, user: username}
	s.Post(t, "/login", url.Values{"username": {u.Username}, "password": {u.Password}})
	s.readCSRF(t, "/login/mfa")
	s.Post(t, "/login/mfa", url.Values{"code": {c.Code(t, u.TOTPSecret)}})
	s.readCSRF(t, "/account")
	return s
}

// On returns the session as it is sent to another console on the same
// database (its cookies and CSRF token, sent to c's URL).
func (s *Session) On(c *Console) *Session {
	on := *s
	on.c = c
	return &on
}

// StepUp passes a step-up with a fresh code, as sensitive actions need.
func (s *Session) StepUp(t *testing.T) {
	t.Helper()
	s.Post(t, "/stepup", url.Values{"code": {s.c.Code(t, s.c.DemoUser(t, s.user).TOTPSecret)}, "next": {"/"}})
}

// Post submits a form as htmx does and returns the answer's body; an
// error status fails the test.
func (s *Session) Post(t *testing.T, path string, form url.Values) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.c.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	if s.csrf != "" {
		req.Header.Set("X-CSRF-Token", s.csrf)
	}
	res, err := s.Client.Do(req)
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

func (s *Session) readCSRF(t *testing.T, path string) {
	t.Helper()
	res, err := s.Client.Get(s.c.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfHeaders.FindStringSubmatch(string(page))
	var headers map[string]string
	if m == nil || json.Unmarshal([]byte(html.UnescapeString(m[1])), &headers) != nil {
		t.Fatalf("no CSRF token on %s: %.300s", path, page)
	}
	s.csrf = headers["X-CSRF-Token"]
}
