package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// NodePath is the address of a node's report on its site.
const NodePath = "/admin/node"

// maxReport bounds a report read from a node: a node's own is about 8 KB.
const maxReport = 256 << 10

// Why a node's report could not be had.
const (
	Unreachable = "unreachable" // no answer, or not the blog's
	Refused     = "refused"     // the node refused the admin's password, or has none
	BadAnswer   = "bad answer"  // an answer that is not a report
)

// FetchError says why a node's report could not be had, in a line for the
// operator.
type FetchError struct {
	URL  string // the node's base URL
	Kind string // Unreachable, Refused or BadAnswer
	Msg  string
}

func (e *FetchError) Error() string { return e.URL + ": " + e.Msg }

// Fetch asks the node at base (its site's address, such as
// http://10.0.0.2:8080) for its report, as the admin with password. The
// client's time-out, or ctx, bounds the wait.
func Fetch(ctx context.Context, client *http.Client, base, password string) (Report, error) {
	base = strings.TrimRight(base, "/")
	fail := func(kind, format string, args ...any) (Report, error) {
		return Report{}, &FetchError{URL: base, Kind: kind, Msg: fmt.Sprintf(format, args...)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+NodePath, nil)
	if err != nil {
		return fail(Unreachable, "not an address to ask: %v", err)
	}
	req.SetBasicAuth("admin", password)
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err // the cause, without Go's "Get URL:" again
		}
		return fail(Unreachable, "unreachable: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReport+1))
	if err != nil {
		return fail(Unreachable, "the answer broke off: %v", err)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusUnauthorized:
		return fail(Refused, "refused the admin password (401): check BLOG_ADMIN_PASSWORD")
	case resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests:
		return fail(Refused, "refused (%d): %s", resp.StatusCode, errorMessage(body))
	case resp.StatusCode == http.StatusNotFound:
		return fail(Unreachable, "has no %s (404): is it the blog, of a version that reports itself?", NodePath)
	default:
		return fail(BadAnswer, "answered %s: %s", resp.Status, errorMessage(body))
	}
	if len(body) > maxReport {
		return fail(BadAnswer, "its report is longer than %d bytes", maxReport)
	}
	var r Report
	if err := json.Unmarshal(body, &r); err != nil {
		return fail(BadAnswer, "its report does not read: %v", err)
	}
	if err := r.Check(); err != nil {
		return fail(BadAnswer, "its report does not hold: %v", err)
	}
	return r, nil
}

// errorMessage is the message of the blog's JSON error, or the start of
// whatever else the body is.
func errorMessage(body []byte) string {
	var e struct {
		Error struct{ Message string } `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		return e.Error.Message
	}
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	if s == "" {
		s = "no message"
	}
	return s
}
