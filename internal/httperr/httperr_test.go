package httperr

import (
	"net/http"
	"testing"

	. "blog"
)

// TestStatus: every code the API documents is answered with its
// status, and the status of an error an HTTP library raises by itself is
// read back as the same code.
func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		code   string
		status int
	}{
		{EBADREQUEST, 400},
		{EUNAUTHORIZED, 401},
		{EFORBIDDEN, 403},
		{ENOTFOUND, 404},
		{EMETHOD, 405},
		{ECONFLICT, 409},
		{ETOOLARGE, 413},
		{ENOTPRIMARY, 421},
		{EINVALID, 422},
		{ETOOMANY, 429},
		{EINTERNAL, 500},
		{EUNAVAILABLE, 503},
	} {
		if got := Status(tc.code); got != tc.status {
			t.Errorf("Status(%q) = %d, want %d", tc.code, got, tc.status)
		}
		if got := Code(tc.status); got != tc.code {
			t.Errorf("Code(%d) = %q, want %q", tc.status, got, tc.code)
		}
	}
	if got := Status("no_such_code"); got != http.StatusInternalServerError {
		t.Errorf("an unknown code is answered %d, want 500", got)
	}
	for status, code := range map[int]string{
		http.StatusRequestURITooLong:           ETOOLARGE,
		http.StatusRequestHeaderFieldsTooLarge: ETOOLARGE,
		http.StatusTeapot:                      EINTERNAL,
		http.StatusBadGateway:                  EINTERNAL,
	} {
		if got := Code(status); got != code {
			t.Errorf("Code(%d) = %q, want %q", status, got, code)
		}
	}
}
