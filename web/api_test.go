package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

type tag struct {
	ID        int64  `json:"id"`
	Label     string `json:"label"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

func TestAPITags(t *testing.T) {
	e := newEnv(t, password)

	r := e.do("POST", "/api/tags", "application/json", `{"label":"  go  "}`, true)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var created tag
	r.json(t, &created)
	if created.ID == 0 || created.Label != "go" || created.CreatedAt == "" || created.UpdatedAt == "" {
		t.Fatalf("created = %+v", created)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("content type %q", ct)
	}

	r = e.do("GET", fmt.Sprintf("/api/tags/%d", created.ID), "", "", false)
	var got tag
	r.json(t, &got)
	if r.status != 200 || got != created {
		t.Fatalf("get: %d %+v", r.status, got)
	}

	r = e.do("GET", "/api/tags", "", "", false)
	var list []tag
	r.json(t, &list)
	if r.status != 200 || len(list) != 1 || list[0] != created {
		t.Fatalf("list: %d %s", r.status, r.body)
	}

	r = e.do("PATCH", fmt.Sprintf("/api/tags/%d", created.ID), "application/json", `{"label":"golang"}`, true)
	var renamed tag
	r.json(t, &renamed)
	if r.status != 200 || renamed.Label != "golang" || renamed.ID != created.ID {
		t.Fatalf("rename: %d %s", r.status, r.body)
	}

	r = e.do("DELETE", fmt.Sprintf("/api/tags/%d", created.ID), "", "", true)
	if r.status != http.StatusNoContent || e.count("1") != 0 {
		t.Fatalf("delete: %d, rows left %d", r.status, e.count("1"))
	}
	if r = e.do("GET", fmt.Sprintf("/api/tags/%d", created.ID), "", "", false); r.status != 404 || r.errorCode(t) != "not_found" {
		t.Fatalf("get deleted: %d %s", r.status, r.body)
	}
}

func TestAPIBadInput(t *testing.T) {
	e := newEnv(t, password)
	if r := e.do("POST", "/api/tags", "application/json", `{"label":"Go"}`, true); r.status != 201 {
		t.Fatalf("seed: %d %s", r.status, r.body)
	}
	big := `{"label":"` + strings.Repeat("x", 70<<10) + `"}`
	for _, tc := range []struct {
		name, method, path, ctype, body string
		auth                            bool
		status                          int
		code                            string
	}{
		{"empty label", "POST", "/api/tags", "application/json", `{"label":""}`, true, 422, "invalid"},
		{"blank label", "POST", "/api/tags", "application/json", `{"label":"   "}`, true, 422, "invalid"},
		{"missing label", "POST", "/api/tags", "application/json", `{}`, true, 422, "invalid"},
		{"over-long label", "POST", "/api/tags", "application/json", `{"label":"` + strings.Repeat("x", 65) + `"}`, true, 422, "invalid"},
		{"control character", "POST", "/api/tags", "application/json", `{"label":"a\u0007b"}`, true, 422, "invalid"},
		{"case duplicate", "POST", "/api/tags", "application/json", `{"label":"GO"}`, true, 409, "conflict"},
		{"malformed JSON", "POST", "/api/tags", "application/json", `{"label":`, true, 400, "bad_request"},
		{"wrong JSON type", "POST", "/api/tags", "application/json", `{"label":5}`, true, 400, "bad_request"},
		{"trailing data", "POST", "/api/tags", "application/json", `{"label":"a"} {}`, true, 400, "bad_request"},
		{"not JSON", "POST", "/api/tags", "text/plain", `label=a`, true, 400, "bad_request"},
		{"body over 64 KiB", "POST", "/api/tags", "application/json", big, true, 413, "too_large"},
		{"no password", "POST", "/api/tags", "application/json", `{"label":"new"}`, false, 401, "unauthorized"},
		{"rename no password", "PATCH", "/api/tags/1", "application/json", `{"label":"new"}`, false, 401, "unauthorized"},
		{"delete no password", "DELETE", "/api/tags/1", "", "", false, 401, "unauthorized"},
		{"unknown id", "GET", "/api/tags/999", "", "", false, 404, "not_found"},
		{"non-numeric id", "GET", "/api/tags/abc", "", "", false, 404, "not_found"},
		{"rename unknown", "PATCH", "/api/tags/999", "application/json", `{"label":"new"}`, true, 404, "not_found"},
		{"delete unknown", "DELETE", "/api/tags/999", "", "", true, 404, "not_found"},
		{"unknown route", "GET", "/api/nothing", "", "", false, 404, "not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, tc.path, tc.ctype, tc.body, tc.auth)
			if r.status != tc.status || r.errorCode(t) != tc.code {
				t.Fatalf("%s %s: %d %s; want %d %s", tc.method, tc.path, r.status, r.body, tc.status, tc.code)
			}
			if tc.status == 401 && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic") {
				t.Fatalf("401 without WWW-Authenticate: %v", r.header)
			}
			if n := e.count("1"); n != 1 {
				t.Fatalf("rows = %d after refused request, want 1", n)
			}
			if n := e.count("label = 'Go'"); n != 1 {
				t.Fatal("the existing tag changed")
			}
		})
	}

	// A wrong password is no better than none.
	req := e.do("POST", "/api/tags", "application/json", `{"label":"x"}`, false, "Authorization", "Basic YWRtaW46d3Jvbmc=")
	if req.status != 401 || e.count("1") != 1 {
		t.Fatalf("wrong password: %d", req.status)
	}
}

func TestAPIIdempotencyKey(t *testing.T) {
	e := newEnv(t, password)
	first := e.do("POST", "/api/tags", "application/json", `{"label":"once"}`, true, "Idempotency-Key", "k-1")
	again := e.do("POST", "/api/tags", "application/json", `{"label":"once"}`, true, "Idempotency-Key", "k-1")
	if first.status != 201 || again.status != 201 || first.body != again.body {
		t.Fatalf("repeat: first %d %s, again %d %s", first.status, first.body, again.status, again.body)
	}
	if n := e.count("label = 'once'"); n != 1 {
		t.Fatalf("rows = %d, want 1", n)
	}
	other := e.do("POST", "/api/tags", "application/json", `{"label":"twice"}`, true, "Idempotency-Key", "k-1")
	if other.status != 422 || other.errorCode(t) != "invalid" || e.count("1") != 1 {
		t.Fatalf("same key, other request: %d %s", other.status, other.body)
	}
	// Without a key, the same request is a new write (and here a conflict).
	if r := e.do("POST", "/api/tags", "application/json", `{"label":"once"}`, true); r.status != 409 {
		t.Fatalf("no key: %d", r.status)
	}
	for _, key := range []string{"", strings.Repeat("k", 256)} {
		r := e.do("POST", "/api/tags", "application/json", `{"label":"fresh"}`, true, "Idempotency-Key", key)
		if r.status != 422 || e.count("label='fresh'") != 0 {
			t.Fatalf("bad key of %d chars: %d %s", len(key), r.status, r.body)
		}
	}
	// Deletes replay too: the repeat answers 204 and nothing else changes.
	id := func() string { var tg tag; first.json(t, &tg); return fmt.Sprint(tg.ID) }()
	d1 := e.do("DELETE", "/api/tags/"+id, "", "", true, "Idempotency-Key", "del-1")
	d2 := e.do("DELETE", "/api/tags/"+id, "", "", true, "Idempotency-Key", "del-1")
	if d1.status != 204 || d2.status != 204 {
		t.Fatalf("delete repeat: %d, %d", d1.status, d2.status)
	}
}

func TestWritesDisabledWithoutPassword(t *testing.T) {
	e := newEnv(t, "")
	r := e.do("POST", "/api/tags", "application/json", `{"label":"x"}`, true)
	if r.status != 403 || !strings.Contains(r.body, "BLOG_ADMIN_PASSWORD") || e.count("1") != 0 {
		t.Fatalf("writes without a configured password: %d %s", r.status, r.body)
	}
	r = e.do("POST", "/tags", formType, form("label", "x", "_csrf", e.csrf("/tags/new")), true)
	if r.status != 403 || !strings.Contains(r.body, "BLOG_ADMIN_PASSWORD") || e.count("1") != 0 {
		t.Fatalf("form write without a configured password: %d", r.status)
	}
}

func TestHealth(t *testing.T) {
	e := newEnv(t, password)
	r := e.do("GET", "/health", "", "", false)
	var h map[string]string
	r.json(t, &h)
	if r.status != 200 || h["status"] != "ok" || h["role"] != "standalone" {
		t.Fatalf("health: %d %s", r.status, r.body)
	}
}
