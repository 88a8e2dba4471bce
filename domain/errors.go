// Package domain holds what every area shares: the error type whose code the
// web layer maps to a status in one place, and nothing that knows HTTP or SQL.
package domain

import (
	"errors"
	"fmt"
)

// Error codes. A code names what went wrong for the caller; the web layer
// maps each to one HTTP status.
const (
	ECONFLICT     = "conflict"     // the state does not allow it (409)
	EINTERNAL     = "internal"     // our fault; details are logged, never shown (500)
	EINVALID      = "invalid"      // bad input (400)
	ENOTFOUND     = "not_found"    // no such thing, or not yours to see (404)
	EFORBIDDEN    = "forbidden"    // authenticated but not allowed (403)
	EUNAUTHORIZED = "unauthorized" // not authenticated (401)
	ETOOLARGE     = "too_large"    // request body over the limit (413)
	ERATELIMIT    = "rate_limited" // slow down (429)
	EUNAVAILABLE  = "unavailable"  // a dependency is down; try again (503)
)

// Error is an error a user may see: Message must be safe to show.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the given code and a formatted, user-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err: the *Error's message, or
// a generic one for anything else, so internal details never reach a user.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Message
	}
	return "Something went wrong on our side. It has been logged; please try again."
}
