// Package webtest sends requests to a handler in process and parses the
// HTML answer, for table tests of status, headers and page content.
package webtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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
	for i := 0; i+1 < len(headerPairs); i += 2 {
		req.Header.Set(headerPairs[i], headerPairs[i+1])
	}
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
