// Package blog holds the blog's domain vocabulary shared by every layer: the
// application error type and its codes. Each code is turned into an HTTP
// status in exactly one place, internal/httperr, for the site and for the
// nodes' own forwarding endpoint alike; this package knows nothing of HTTP.
package blog

import (
	"errors"
	"fmt"
)

// Application error codes. They travel unchanged from the primary to a
// replica, so a conflict on the primary is a conflict for the replica's caller.
const (
	EBADREQUEST   = "bad_request"
	ECONFLICT     = "conflict"
	EFORBIDDEN    = "forbidden"
	EINTERNAL     = "internal"
	EINVALID      = "invalid"
	EMETHOD       = "method_not_allowed"
	ENOTFOUND     = "not_found"
	ETOOLARGE     = "too_large"
	ETOOMANY      = "too_many_requests"
	EUNAUTHORIZED = "unauthorized"
	EUNAVAILABLE  = "unavailable"

	// ENOTPRIMARY is met by a write forwarded to a node that is no longer
	// the primary. It never reaches a user: the replica that forwarded the
	// write asks LiteFS again where the primary is and tries there.
	ENOTPRIMARY = "not_primary"
)

// Error is an error a user can act on: a code, a message fit to show, and,
// for invalid input, the form field it concerns.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an invalid-input *Error about one form field.
func FieldErrorf(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err: its own for an *Error, EINTERNAL for
// anything else, "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the message of an *Error, and a generic text for any
// other error so that internal details never reach a user.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	default:
		return "Internal error."
	}
}

// TimeFormat is how timestamps are stored: fixed width, so that text order is
// time order, in UTC.
const TimeFormat = "2006-01-02T15:04:05.000000Z"
