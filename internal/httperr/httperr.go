// Package httperr is the one place where the blog's error codes (error.go)
// become HTTP statuses and back, for both of the blog's HTTP speakers: the
// site (web) and the nodes' forwarding endpoint (internal/litefs). The
// codes themselves know nothing of HTTP, so the write chain does not.
package httperr

import (
	"net/http"

	"blog"
)

// statuses maps each code to the HTTP status it is answered with. Every
// status appears once, so that Code can read the map backwards.
var statuses = map[string]int{
	blog.EBADREQUEST:   http.StatusBadRequest,
	blog.EUNAUTHORIZED: http.StatusUnauthorized,
	blog.EFORBIDDEN:    http.StatusForbidden,
	blog.ENOTFOUND:     http.StatusNotFound,
	blog.EMETHOD:       http.StatusMethodNotAllowed,
	blog.ECONFLICT:     http.StatusConflict,
	blog.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	blog.ENOTPRIMARY:   http.StatusMisdirectedRequest, // the request went to the wrong server
	blog.EINVALID:      http.StatusUnprocessableEntity,
	blog.ETOOMANY:      http.StatusTooManyRequests,
	blog.EINTERNAL:     http.StatusInternalServerError,
	blog.EUNAVAILABLE:  http.StatusServiceUnavailable,
}

// Status is the status an error with code is answered with; 500 for a
// code it does not know, since such an error is the program's own fault.
func Status(code string) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Code is Status read backwards, for the statuses an HTTP library
// answers with by itself (no route, a body too large). An address or
// headers too large are too_large as a body is; any status without a code
// of its own is internal.
func Code(status int) string {
	switch status {
	case http.StatusRequestURITooLong, http.StatusRequestHeaderFieldsTooLarge:
		return blog.ETOOLARGE
	}
	for code, s := range statuses {
		if s == status {
			return code
		}
	}
	return blog.EINTERNAL
}
