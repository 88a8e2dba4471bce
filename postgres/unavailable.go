package postgres

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Unavailable says whether err means PostgreSQL could not be reached or
// went away mid-request (connection refused or lost, the server shutting
// down or still starting), not that the request itself was wrong: the same
// request may succeed in a moment, so callers answer "try again" (503), not
// "something broke" (500).
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		// Class 08 is "connection exception"; 57P01–57P03 are the server
		// shutting down, crashing or not yet accepting connections (57014,
		// a cancelled statement, is the request's own doing).
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P")
	}
	if _, ok := errors.AsType[*pgconn.ConnectError](err); ok {
		return true
	}
	// A request's own deadline or cancellation is not the database's
	// absence (context errors pass for net.Errors, being timeouts).
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false
	}
	// A connection lost mid-query ends in a network error (reset, broken
	// pipe); a bare EOF is not taken for one, as any reader may return it.
	_, lost := errors.AsType[net.Error](err)
	return lost || pgconn.SafeToRetry(err)
}
