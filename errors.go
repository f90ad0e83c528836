// Package communs holds what every layer shares: the one error type of the
// application, whose codes the GraphQL API reports in extensions.code.
package communs

import (
	"errors"
	"fmt"
)

// Error codes, as reported to API clients.
const (
	EINVALID         = "INVALID_INPUT"
	EUNAUTHENTICATED = "UNAUTHENTICATED"
	EFORBIDDEN       = "FORBIDDEN"
	ENOTFOUND        = "NOT_FOUND"
	ECONFLICT        = "CONFLICT"
	EMODULEDISABLED  = "MODULE_DISABLED"
	ERATELIMITED     = "RATE_LIMITED"
	// ELIMIT: a query past one of the server's bounds on a request (rows
	// loaded, a list's length, the answer's size).
	ELIMIT = "LIMIT_EXCEEDED"
	// EBUSY: the server runs as many requests as it can; try again.
	EBUSY     = "BUSY"
	EINTERNAL = "INTERNAL"
)

// Error is an error meant for the API client: a code, a message a person can
// act on and, for invalid input, the field at fault.
type Error struct {
	Code    string
	Message string
	Field   string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Code, e.Field, e.Message)
	}
	return e.Code + ": " + e.Message
}

// Errorf returns an Error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// InvalidField returns an INVALID_INPUT error that names the field at fault.
func InvalidField(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, or INTERNAL when err is no Error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}
