package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/paycompliance/console/domain"
	errorsview "github.com/paycompliance/console/views/errors"
	"github.com/paycompliance/console/web/htmx"
	"github.com/paycompliance/console/web/render"
)

// errorStatus is the one place domain error codes become HTTP statuses.
var errorStatus = map[string]int{
	domain.EINVALID:      http.StatusBadRequest,
	domain.EUNAUTHORIZED: http.StatusUnauthorized,
	domain.EFORBIDDEN:    http.StatusForbidden,
	domain.ENOTFOUND:     http.StatusNotFound,
	domain.ECONFLICT:     http.StatusConflict,
	domain.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	domain.ERATELIMIT:    http.StatusTooManyRequests,
	domain.EUNAVAILABLE:  http.StatusServiceUnavailable,
	domain.EINTERNAL:     http.StatusInternalServerError,
}

// retryUnavailableAfter is the Retry-After, in seconds, of a 503: about
// how long a database restart or a failover takes.
const retryUnavailableAfter = "5"

// handlerFunc is what handlers are: they return an error instead of writing one.
type handlerFunc func(http.ResponseWriter, *http.Request) error

// handle adapts a handlerFunc, sending its error through renderError.
func (s *Server) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.renderError(w, r, err)
		}
	})
}

// renderError answers with err as the client wants it (JSON for the API,
// an alert for htmx, a page otherwise). Internal errors are logged in full
// and shown only as a generic message with the request id.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		err = tooLarge(s.cfg.MaxBodyBytes)
	}
	code, message := domain.ErrorCode(err), domain.ErrorMessage(err)
	switch {
	case code != domain.EINTERNAL:
	case s.deps.Unavailable != nil && s.deps.Unavailable(err):
		s.log.WarnContext(r.Context(), "dependency unavailable", "request_id", RequestID(r.Context()), "error", err)
		code, message = domain.EUNAVAILABLE, "The console cannot reach its database just now; please try again in a moment."
	default:
		s.log.ErrorContext(r.Context(), "internal error", "request_id", RequestID(r.Context()), "error", err)
	}
	status := errorStatus[code]
	if status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", retryUnavailableAfter)
	}
	view := errorsview.View{
		Status:    status,
		Title:     http.StatusText(status),
		Message:   message,
		RequestID: RequestID(r.Context()),
	}
	switch {
	case wantsJSON(r):
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{
			"code": code, "message": view.Message, "request_id": view.RequestID,
		}})
	case htmx.IsFragmentRequest(r):
		// Show the message in the page's alert region, not in the swap target.
		w.Header().Set(htmx.HeaderRetarget, "#flash")
		w.Header().Set(htmx.HeaderReswap, "innerHTML")
		s.writeErrorView(w, r, render.Component(w, r, status, errorsview.Alert(view)))
	default:
		s.writeErrorView(w, r, render.Page(w, r, status, view.Title, "", errorsview.Page(view)))
	}
}

func (s *Server) writeErrorView(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		s.log.ErrorContext(r.Context(), "rendering error page", "request_id", RequestID(r.Context()), "error", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
	}
}

func wantsJSON(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/webhooks/") ||
		strings.Contains(r.Header.Get("Accept"), "application/json")
}

// notFound answers every path no route claims.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) error {
	return domain.Errorf(domain.ENOTFOUND, "There is no page at this address.")
}
