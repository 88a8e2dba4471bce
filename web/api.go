package web

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
)

// guardAPI authenticates an API call by its key, checks the key's scopes,
// counts it against the key's rate limit, makes a POST idempotent, and
// records the call, with its outcome, in the audit trail under the key.
func (s *Server) guardAPI(a access, next http.Handler) http.Handler {
	idempotent := s.idempotent(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		caller, err := s.deps.Identity.AuthenticateAPIKey(r.Context(), bearerToken(r))
		if caller.Limit > 0 {
			h := w.Header()
			h.Set("X-RateLimit-Limit", strconv.Itoa(caller.Limit))
			h.Set("X-RateLimit-Remaining", strconv.Itoa(caller.Remaining))
			h.Set("X-RateLimit-Reset", strconv.FormatInt(caller.Reset.Unix(), 10))
			r = r.WithContext(identity.WithAPIKey(audit.WithActor(r.Context(), caller.Key.AuditActor()), caller.Key))
		}
		switch {
		case domain.ErrorCode(err) == domain.ERATELIMIT:
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(caller.RetryAfter.Seconds())))))
			s.renderError(rec, r, err)
		case domain.ErrorCode(err) == domain.EUNAUTHORIZED:
			w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
			s.renderError(rec, r, err)
		case err != nil:
			s.renderError(rec, r, err)
		case !caller.Key.Allows(a.perm):
			s.renderError(rec, r, domain.Errorf(domain.EFORBIDDEN, "This API key's scopes do not include %s.", a.perm))
		case r.Method == http.MethodPost:
			idempotent.ServeHTTP(rec, r)
		default:
			next.ServeHTTP(rec, r)
		}
		s.recordAPICall(r, rec.status)
	})
}

// recordAPICall writes the call's audit record. The response has gone by
// now, so a failure to record is logged for operators to act on.
func (s *Server) recordAPICall(r *http.Request, status int) {
	outcome := audit.Success
	if status >= 400 {
		outcome = audit.Failure
	}
	e := audit.Event{Action: audit.APIRequest, Outcome: outcome, Target: audit.Target{Type: "api_route", ID: r.Pattern},
		Detail: map[string]string{"method": r.Method, "status": strconv.Itoa(status)}}
	if err := s.deps.AuditLog.Record(context.WithoutCancel(r.Context()), e); err != nil {
		s.log.ErrorContext(r.Context(), "recording an API call", "request_id", RequestID(r.Context()), "error", err)
	}
}

func bearerToken(r *http.Request) string {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}
