package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
)

// validRequestID accepts an upstream proxy's id only if it is short and
// harmless in logs and headers.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// withRequestID gives every request an id (the load balancer's, if sane),
// echoed in X-Request-Id and shown on error pages so support can find the log.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID.MatchString(id) {
			b := make([]byte, 12)
			rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		ctx := context.WithValue(r.Context(), requestIDKey, id)
		// Until someone signs in, requests act as anonymous; the session
		// layer replaces the actor with the signed-in user.
		ctx = audit.WithRequest(ctx, audit.Actor{Type: audit.ActorAnonymous, ID: "anonymous"}, origin(r), id)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// origin is where a request came from, for the audit trail. RemoteAddr is
// the peer; behind a load balancer that is the balancer, until trusted
// proxy addresses are configured.
func origin(r *http.Request) audit.Origin {
	ip := r.RemoteAddr
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		ip = host
	}
	ua := r.UserAgent()
	if len(ua) > 512 {
		ua = ua[:512]
	}
	return audit.Origin{IP: ip, UserAgent: ua}
}

// contentSecurityPolicy allows only our own scripts, styles and connections:
// no inline script or style, no framing, no plugins, no base-tag tricks.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// withSecurityHeaders sets the headers every response carries (PCI DSS 6.4,
// ASVS V3). Responses are no-store unless a handler says otherwise (static
// assets do), so nothing sensitive lingers in a shared cache.
func withSecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// withBodyLimit refuses bodies over the limit (MaxBodyBytes, or the
// route's upload limit): at once when the length is declared, or when the
// handler reads past it (MaxBytesReader), before anything is changed.
func (s *Server) withBodyLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := s.cfg.MaxBodyBytes
		if _, pattern := s.mux.Handler(r); uploadLimits[pattern] > limit {
			limit = uploadLimits[pattern]
		}
		if r.ContentLength > limit {
			s.renderError(w, r, tooLarge(limit))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

func tooLarge(limit int64) error {
	return domain.Errorf(domain.ETOOLARGE, "The request is larger than the %d KiB this console accepts.", limit>>10)
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach Flush (for SSE) and deadlines.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// withObservation logs one line per request, records its metrics by route
// pattern, and turns a panic into a logged 500. It sits just outside the
// router so that r.Pattern, set by the router, is visible once it returns.
func (s *Server) withObservation(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(r.Context(), "panic", "request_id", RequestID(r.Context()),
					"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if rec.status == 0 {
					s.renderError(rec, r, fmt.Errorf("panic: %v", p))
				}
			}
			elapsed := time.Since(start)
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			s.metrics.observe(r.Method, route, rec.status, elapsed)
			level := slog.LevelInfo
			if rec.status >= 500 {
				level = slog.LevelError
			}
			if !strings.HasPrefix(route, "GET /static/") || rec.status >= 400 {
				s.log.Log(r.Context(), level, "request", "request_id", RequestID(r.Context()),
					"method", r.Method, "route", route, "status", rec.status, "bytes", rec.bytes,
					"duration_ms", float64(elapsed.Microseconds())/1000, "remote", r.RemoteAddr)
			}
		}()
		next.ServeHTTP(rec, r)
	})
}
