// Package web is the HTTP server: routes, middleware, the error mapper and
// graceful shutdown. Handlers live in package handlers; this package decides
// what wraps them.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/health"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/handlers"
	"github.com/paycompliance/console/static"
	"github.com/paycompliance/console/views/layout"
	"github.com/paycompliance/console/web/render"
)

// Config is the server's listening and limits configuration.
type Config struct {
	Addr              string        // the console and API
	AdminAddr         string        // /metrics; keep it off the public network
	MaxBodyBytes      int64         // larger request bodies get 413
	ReadHeaderTimeout time.Duration // slowloris guard
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	ShutdownTimeout   time.Duration // how long in-flight requests get on SIGTERM
}

// Deps are the handlers and services the routes need.
type Deps struct {
	Health   *health.Service
	Identity *identity.Service
	Sessions *SessionStore
	// AuditLog records API calls; areas record their own changes.
	AuditLog    *audit.Log
	Idempotency identity.IdempotencyStore

	Home    *handlers.Home
	System  *handlers.SystemStatus
	Audit   *handlers.AuditLog
	SignIn  *handlers.SignIn
	Account *handlers.Account
	Users   *handlers.Users
	APIKeys *handlers.APIKeys
	API     *handlers.API

	Payments    *handlers.Payments
	PaymentsAPI *handlers.PaymentsAPI
	Pay         *handlers.Pay
	Webhooks    *handlers.StripeWebhooks

	ACH       *handlers.ACH
	ACHAPI    *handlers.ACHAPI
	EscrowAPI *handlers.EscrowAPI
	Escrow    *handlers.Escrow
	FraudAPI  *handlers.FraudAPI
	Fraud     *handlers.Fraud
	PCI       *handlers.PCI
	PCIAPI    *handlers.PCIAPI
	Incidents *handlers.Incidents
	Alerts    *handlers.Alerts
	Cases     *handlers.Cases
	Screening *handlers.Screening
	// Unavailable tells an error that means a dependency is down (the
	// database unreachable), to be answered 503 with Retry-After rather
	// than 500; nil treats every unknown error as internal.
	Unavailable func(error) bool
	// Banners are alerts every page shows; nil for none.
	Banners interface {
		Banners(ctx context.Context) []string
	}
}

// Server is the console's HTTP server.
type Server struct {
	streamsEnd chan struct{} // closed when shutdown begins: live streams end
	cfg        Config
	deps       Deps
	log        *slog.Logger
	metrics    *metrics
	mux        *http.ServeMux
}

// New builds the server and its routes.
func New(cfg Config, log *slog.Logger, deps Deps) *Server {
	s := &Server{cfg: cfg, deps: deps, log: log, metrics: newMetrics(), mux: http.NewServeMux(), streamsEnd: make(chan struct{})}
	for _, rt := range s.routes() {
		s.mux.Handle(rt.pattern, s.guard(rt.access, rt.handler))
	}
	return s
}

// Handler is the console with all its middleware, outermost first.
// Cross-origin protection refuses state-changing requests that a browser
// marks as coming from another site (Sec-Fetch-Site / Origin).
func (s *Server) Handler() http.Handler {
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(s.handle(func(http.ResponseWriter, *http.Request) error {
		return domain.Errorf(domain.EFORBIDDEN, "This request came from another site and was refused.")
	}))
	return withRequestID(s.withStreamsEnd(s.withBanners(withSecurityHeaders(s.withObservation(s.withBodyLimit(csrf.Handler(s.mux)))))))
}

// AdminHandler serves operational endpoints for the admin address.
func (s *Server) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.handler())
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyzDetailed)
	return mux
}

// Run serves until ctx ends, then stops taking new connections and lets
// in-flight requests finish for up to ShutdownTimeout. listening is called
// with the bound console address once it accepts connections.
func (s *Server) Run(ctx context.Context, listening func(addr string)) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	adminLn, err := net.Listen("tcp", s.cfg.AdminAddr)
	if err != nil {
		ln.Close()
		return fmt.Errorf("listen on admin address %s: %w", s.cfg.AdminAddr, err)
	}
	servers := []*http.Server{s.httpServer(s.Handler()), s.httpServer(s.AdminHandler())}
	errs := make(chan error, 2)
	for i, l := range []net.Listener{ln, adminLn} {
		go func() { errs <- servers[i].Serve(l) }()
	}
	if listening != nil {
		listening(ln.Addr().String())
	}
	select {
	case err := <-errs:
		return err
	case <-ctx.Done():
	}
	close(s.streamsEnd)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	var shutdownErr error
	for _, srv := range servers {
		shutdownErr = errors.Join(shutdownErr, srv.Shutdown(shutdownCtx))
	}
	return shutdownErr
}

func (s *Server) withStreamsEnd(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(render.WithStreamsEnd(r.Context(), s.streamsEnd)))
	})
}

// withBanners attaches the current alerts for the page layout (not for
// static assets, which no banner concerns).
func (s *Server) withBanners(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.deps.Banners != nil && !strings.HasPrefix(r.URL.Path, static.Prefix) {
			r = r.WithContext(layout.WithBanners(r.Context(), s.deps.Banners.Banners(r.Context())))
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) httpServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}
