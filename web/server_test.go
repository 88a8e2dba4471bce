package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/health"
	"github.com/paycompliance/console/migrations"
	"github.com/paycompliance/console/postgres"
	"github.com/paycompliance/console/postgres/pgtest"
	"github.com/paycompliance/console/static"
	"github.com/paycompliance/console/web/webtest"
)

func TestServer_SecurityHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	s := env.srv
	c, _ := env.officer(t)
	s.mux.Handle("GET /test/boom", s.handle(func(http.ResponseWriter, *http.Request) error {
		return domain.Errorf(domain.ECONFLICT, "no")
	}))
	paths := []struct {
		name    string
		target  string
		headers []string
	}{
		{"Home", "/", nil},
		{"HomeFragment", "/", []string{"HX-Request", "true"}},
		{"SystemWidget", "/widgets/system", []string{"HX-Request", "true"}},
		{"NotFound", "/no/such/page", nil},
		{"ErrorPage", "/test/boom", nil},
		{"ErrorAlert", "/test/boom", []string{"HX-Request", "true"}},
		{"Healthz", "/healthz", nil},
		{"Readyz", "/readyz", nil},
		{"Stylesheet", static.URL("css/app.css"), nil},
		{"SignIn", "/login", nil},
		{"Account", "/account", nil},
		{"AuditLog", "/audit", nil},
	}
	want := map[string]string{
		"Content-Security-Policy":   "default-src 'none'; script-src 'self'; style-src 'self';",
		"Strict-Transport-Security": "max-age=63072000",
		"X-Content-Type-Options":    "nosniff",
		"X-Frame-Options":           "DENY",
		"Referrer-Policy":           "same-origin",
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			res := c.Get(p.target, p.headers...)
			for header, prefix := range want {
				if got := res.Header.Get(header); !strings.HasPrefix(got, prefix) {
					t.Errorf("%s = %q, want prefix %q", header, got, prefix)
				}
			}
			if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("CSP %q must forbid framing and inline code", csp)
			}
			if res.Header.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id")
			}
			if res.Doc != nil && res.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("HTML Cache-Control = %q, want no-store", res.Header.Get("Cache-Control"))
			}
		})
	}
}

func TestServer_PagesAndFragments(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	c, _ := env.officer(t)

	page := c.Get("/")
	if page.StatusCode != http.StatusOK || page.Doc.Find("html").Length() != 1 {
		t.Fatalf("GET / = %d, full page %v", page.StatusCode, page.Doc.Find("html").Length() == 1)
	}
	if got := page.Text("[data-testid=check-database] .badge"); got != "OK" {
		t.Errorf("database check shows %q, want OK", got)
	}
	if got := page.Text("[data-testid=check-keyring] .badge"); got != "OK" {
		t.Errorf("keyring check shows %q, want OK", got)
	}
	if page.Doc.Find(`nav a[aria-current="page"]`).Text() != "Home" {
		t.Error("Home is not marked as the current page")
	}
	for _, src := range []string{static.URL("vendor/htmx.min.js"), static.URL("css/app.css")} {
		if !strings.Contains(page.Body, src) {
			t.Errorf("page does not reference %s", src)
		}
	}

	fragment := c.Get("/", "HX-Request", "true")
	if fragment.Doc.Find("header.topbar").Length() != 0 || fragment.Doc.Find("[data-testid=widgets]").Length() != 1 {
		t.Error("htmx request got the layout, or no widgets: want the fragment alone")
	}
	boosted := c.Get("/", "HX-Request", "true", "HX-Boosted", "true")
	if boosted.Doc.Find("header.topbar").Length() != 1 {
		t.Error("boosted navigation must get the whole page")
	}
}

func TestServer_ErrorMapping(t *testing.T) {
	t.Parallel()
	s, logs := newTestServer(t)
	h := s.Handler()
	secret := "pq: password authentication failed for user admin"
	s.mux.Handle("GET /test/invalid", s.handle(func(http.ResponseWriter, *http.Request) error {
		return domain.Errorf(domain.EINVALID, "Amount must be positive.")
	}))
	s.mux.Handle("GET /test/internal", s.handle(func(http.ResponseWriter, *http.Request) error {
		return io.ErrUnexpectedEOF // stands for any internal error with details
	}))
	s.mux.Handle("GET /test/secret", s.handle(func(http.ResponseWriter, *http.Request) error {
		return &wrapped{secret}
	}))
	s.mux.Handle("GET /test/panic", s.handle(func(http.ResponseWriter, *http.Request) error {
		panic("nil map")
	}))
	s.mux.Handle("GET /api/test/missing", s.handle(func(http.ResponseWriter, *http.Request) error {
		return domain.Errorf(domain.ENOTFOUND, "No such payment.")
	}))

	tests := []struct {
		target     string
		headers    []string
		wantStatus int
		wantText   string
	}{
		{"/test/invalid", nil, 400, "Amount must be positive."},
		{"/test/internal", nil, 500, "Something went wrong on our side"},
		{"/test/secret", nil, 500, "Something went wrong on our side"},
		{"/test/panic", nil, 500, "Something went wrong on our side"},
		{"/no/such/page", nil, 404, "There is no page at this address."},
		{"/api/test/missing", nil, 404, `"code":"not_found"`},
		{"/test/invalid", []string{"HX-Request", "true"}, 400, "Amount must be positive."},
	}
	for _, tt := range tests {
		res := webtest.Get(t, h, tt.target, tt.headers...)
		if res.StatusCode != tt.wantStatus || !strings.Contains(res.Body, tt.wantText) {
			t.Errorf("GET %s %v = %d %q; want %d containing %q", tt.target, tt.headers, res.StatusCode, res.Body, tt.wantStatus, tt.wantText)
		}
		if strings.Contains(res.Body, secret) || strings.Contains(res.Body, "nil map") {
			t.Errorf("GET %s leaked internal detail to the user", tt.target)
		}
		if res.Doc != nil && tt.wantStatus >= 500 && res.Text("[data-testid=request-id]") != res.Header.Get("X-Request-Id") {
			t.Errorf("GET %s: error page does not show the request id", tt.target)
		}
	}
	htmxErr := webtest.Get(t, h, "/test/invalid", "HX-Request", "true")
	if htmxErr.Header.Get("HX-Retarget") != "#flash" || htmxErr.Doc.Find("[data-testid=error-alert]").Length() != 1 {
		t.Error("an htmx error must be retargeted to the #flash alert region")
	}
	if !strings.Contains(logs.String(), secret) || !strings.Contains(logs.String(), `"stack"`) {
		t.Error("internal errors and panics must be logged in full for operators")
	}
}

type wrapped struct{ msg string }

func (w *wrapped) Error() string { return w.msg }

func TestServer_OversizedBodyIsRefusedAndChangesNothing(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t)
	db, _ := pgtest.NewDB(t)
	ctx := context.Background()
	if _, err := db.Exec(ctx, `CREATE TABLE notes (body text)`); err != nil {
		t.Fatal(err)
	}
	// A handler that stores what it is sent: only a body within the limit may reach the table.
	s.mux.Handle("POST /test/notes", s.handle(func(w http.ResponseWriter, r *http.Request) error {
		if err := r.ParseForm(); err != nil {
			return err
		}
		_, err := db.Exec(r.Context(), `INSERT INTO notes VALUES ($1)`, r.PostForm.Get("body"))
		return err
	}))
	h := s.Handler()
	post := func(body string, declareLength bool) webtest.Response {
		req := httptest.NewRequest(http.MethodPost, "/test/notes", strings.NewReader("body="+body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if !declareLength {
			req.ContentLength = -1 // chunked: the limit must hold while reading too
		}
		return webtest.Do(t, h, req)
	}
	big := strings.Repeat("x", 256<<10)
	for _, declared := range []bool{true, false} {
		if res := post(big, declared); res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("oversized body (length declared: %v) = %d, want 413", declared, res.StatusCode)
		}
	}
	var n int
	db.QueryRow(ctx, `SELECT count(*) FROM notes`).Scan(&n)
	if n != 0 {
		t.Fatalf("oversized requests stored %d rows, want 0", n)
	}
	if res := post("small", true); res.StatusCode != http.StatusOK {
		t.Fatalf("small body = %d, want 200", res.StatusCode)
	}
}

func TestServer_ReadinessFailsWhenDatabaseIsDown(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t)
	if res := webtest.Get(t, s.Handler(), "/readyz"); res.StatusCode != 200 || strings.TrimSpace(res.Body) != `{"ok":true}` {
		t.Fatalf("public readyz = %d %s, want 200 and nothing more", res.StatusCode, res.Body)
	}
	if res := webtest.Get(t, s.AdminHandler(), "/readyz"); res.StatusCode != 200 || !strings.Contains(res.Body, `"name":"database","ok":true`) {
		t.Fatalf("admin readyz = %d %s, want the checks", res.StatusCode, res.Body)
	}
	db, _ := pgtest.NewDB(t)
	db.Close() // the database goes away
	deps := s.deps
	deps.Health = health.NewService("test", postgres.Probe{DB: db, Migrations: migrations.FS})
	down := New(s.cfg, s.log, deps)
	if res := webtest.Get(t, down.Handler(), "/readyz"); res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database down = %d, want 503", res.StatusCode)
	}
	if res := webtest.Get(t, down.Handler(), "/healthz"); res.StatusCode != http.StatusOK {
		t.Fatalf("healthz = %d, want 200 while the process lives", res.StatusCode)
	}
}

func TestServer_StaticAssetsAreCachedByContentHash(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t)
	h := s.Handler()
	hashed := webtest.Get(t, h, static.URL("vendor/htmx.min.js"))
	if hashed.StatusCode != 200 || !strings.Contains(hashed.Header.Get("Cache-Control"), "immutable") {
		t.Fatalf("hashed asset = %d, Cache-Control %q", hashed.StatusCode, hashed.Header.Get("Cache-Control"))
	}
	plain := webtest.Get(t, h, "/static/vendor/htmx.min.js")
	if plain.Header.Get("Cache-Control") != "no-cache" || plain.Header.Get("ETag") == "" {
		t.Fatalf("plain asset Cache-Control %q ETag %q", plain.Header.Get("Cache-Control"), plain.Header.Get("ETag"))
	}
	if res := webtest.Get(t, h, "/static/vendor/htmx.min.js", "If-None-Match", plain.Header.Get("ETag")); res.StatusCode != http.StatusNotModified {
		t.Fatalf("conditional GET = %d, want 304", res.StatusCode)
	}
	for _, target := range []string{"/static/../main.go", "/static/css/../../static/static.go", "/static/static.go"} {
		if res := webtest.Get(t, h, target); res.StatusCode == http.StatusOK || strings.Contains(res.Body, "package ") {
			t.Errorf("GET %s = %d: served a file outside the assets", target, res.StatusCode)
		}
	}
}

func TestServer_MetricsOnlyOnAdminHandler(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	s := env.srv
	c, _ := env.officer(t)
	c.Get("/")
	if res := webtest.Get(t, s.Handler(), "/metrics"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("/metrics on the public handler = %d, want 404", res.StatusCode)
	}
	res := webtest.Get(t, s.AdminHandler(), "/metrics")
	if res.StatusCode != 200 || !strings.Contains(res.Body, `console_http_requests_total{method="GET",route="GET /{$}",status="200"} 1`) {
		t.Fatalf("admin /metrics = %d, missing the request counter:\n%.2000s", res.StatusCode, res.Body)
	}
}
