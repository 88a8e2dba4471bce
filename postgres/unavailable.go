package postgres

import (
	"errors"
	"io"
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
	if _, ok := errors.AsType[net.Error](err); ok {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || pgconn.SafeToRetry(err)
}
