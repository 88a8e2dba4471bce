// Package webtest sends requests to a handler in process and parses the
// HTML answer, for table tests of status, headers and page content.
package webtest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// Response is a recorded response with its body read and, when it is HTML,
// parsed.
type Response struct {
	*http.Response
	Body string
	Doc  *goquery.Document // nil unless the response is HTML
}

// Do sends req to h and records the answer.
func Do(t testing.TB, h http.Handler, req *http.Request) Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := Response{Response: res, Body: string(body)}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		r.Doc, err = goquery.NewDocumentFromReader(strings.NewReader(r.Body))
		if err != nil {
			t.Fatalf("%s %s: unparseable HTML: %v", req.Method, req.URL, err)
		}
	}
	return r
}

// Get sends a GET with the given header pairs ("HX-Request", "true", ...).
func Get(t testing.TB, h http.Handler, target string, headerPairs ...string) Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	setPairs(req, headerPairs)
	return Do(t, h, req)
}

// Text returns the trimmed text of the elements matching selector, or ""
// when r is not HTML.
func (r Response) Text(selector string) string {
	if r.Doc == nil {
		return ""
	}
	return strings.TrimSpace(r.Doc.Find(selector).Text())
}

// Client sends requests to a handler in process as one browser would:
// keeping cookies by name (dropping those the server expires) and adding
// fixed headers to each request.
type Client struct {
	T       testing.TB
	Handler http.Handler
	Cookies map[string]string
	Header  http.Header
}

// NewClient returns a client with no cookies.
func NewClient(t testing.TB, h http.Handler) *Client {
	return &Client{T: t, Handler: h, Cookies: map[string]string{}, Header: http.Header{}}
}

// Do sends req with the client's cookies and headers (a header req sets
// itself wins), and keeps the cookies the answer sets.
func (c *Client) Do(req *http.Request) Response {
	c.T.Helper()
	for name, value := range c.Cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	for k, vs := range c.Header {
		if req.Header.Get(k) == "" {
			req.Header[k] = vs
		}
	}
	res := Do(c.T, c.Handler, req)
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.Cookies, ck.Name)
		} else {
			c.Cookies[ck.Name] = ck.Value
		}
	}
	return res
}

// Get sends a GET with the given header pairs.
func (c *Client) Get(target string, headerPairs ...string) Response {
	c.T.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	setPairs(req, headerPairs)
	return c.Do(req)
}

// Post sends a form with the given header pairs.
func (c *Client) Post(target string, form url.Values, headerPairs ...string) Response {
	c.T.Helper()
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	setPairs(req, headerPairs)
	return c.Do(req)
}

func setPairs(req *http.Request, pairs []string) {
	for i := 0; i+1 < len(pairs); i += 2 {
		req.Header.Set(pairs[i], pairs[i+1])
	}
}

// LogBuffer collects a log that several goroutines write, for tests that
// read back what was (and was not) logged.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
