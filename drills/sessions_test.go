package drills

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A session made on one instance is valid on the other, and signing out on
// the other ends it everywhere: sessions live in PostgreSQL, not a process.
func TestInstances_SessionsWorkOnEither(t *testing.T) {
	t.Parallel()
	cl := NewCluster(t)
	a, b := cl.Start(t), cl.Start(t)

	s := a.Console().SignInHTTP(t, "amelia.ortiz")
	if page := get(t, s.Client, a.URL+"/account"); !strings.Contains(page, "Amelia Ortiz") {
		t.Fatalf("not signed in on %s: %.300s", a.Name, page)
	}
	if page := get(t, s.Client, b.URL+"/account"); !strings.Contains(page, "Amelia Ortiz") {
		t.Fatalf("the session from %s is not signed in on %s: %.300s", a.Name, b.Name, page)
	}

	s.On(b.Console()).Post(t, "/logout", url.Values{})
	for _, in := range []*Instance{a, b} {
		res, err := s.Client.Get(in.URL + "/account")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.Request.URL.Path != "/login" || strings.Contains(string(page), "Amelia Ortiz") {
			t.Errorf("after signing out on %s, /account on %s ends at %s: %.300s", b.Name, in.Name, res.Request.URL, page)
		}
	}
}

// get fetches url with c and fails the test unless it answers 200.
func get(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d: %.300s", url, res.StatusCode, body)
	}
	return string(body)
}
