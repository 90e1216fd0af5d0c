package web_test

import (
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"blog/web"
)

const password = "s3cret"

type env struct {
	t   *testing.T
	srv *httptest.Server
	db  *sql.DB
	c   *http.Client
}

func newEnv(t *testing.T, adminPassword string) *env {
	t.Helper()
	rig := web.NewRig(t, web.RigOptions{AdminPassword: adminPassword})
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &env{t: t, srv: rig.HTTP, db: rig.DB, c: c}
}

type reply struct {
	status int
	header http.Header
	body   string
}

func (r reply) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("body %q is not JSON: %v", r.body, err)
	}
}

func (r reply) errorCode(t *testing.T) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	r.json(t, &e)
	if e.Error.Message == "" {
		t.Fatalf("error without message: %s", r.body)
	}
	return e.Error.Code
}

// do sends a request; auth adds the admin's Basic credentials.
func (e *env) do(method, path, ctype, body string, auth bool, header ...string) reply {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if auth {
		req.SetBasicAuth("admin", password)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := e.c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return reply{res.StatusCode, res.Header, string(b)}
}

func (e *env) count(where string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRow(`SELECT COUNT(*) FROM tags WHERE `+where, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrf loads a form page as the admin and returns its token.
func (e *env) csrf(path string) string {
	e.t.Helper()
	r := e.do("GET", path, "", "", true) // the forms on tag pages are the admin's
	m := csrfInput.FindStringSubmatch(r.body)
	if r.status != 200 || m == nil {
		e.t.Fatalf("GET %s: %d, no CSRF token in the form", path, r.status)
	}
	return m[1]
}

func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

const formType = "application/x-www-form-urlencoded"
