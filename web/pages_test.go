package web_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var tagPath = regexp.MustCompile(`^/tags/(\d+)$`)

func TestTagPages(t *testing.T) {
	e := newEnv(t, password)

	if r := e.do("GET", "/tags", "", "", false); r.status != 200 || !strings.Contains(r.body, "No tags yet") {
		t.Fatalf("empty index: %d", r.status)
	}

	token := e.csrf("/tags/new")
	r := e.do("POST", "/tags", formType, form("label", "  Distributed systems ", "_csrf", token), true)
	m := tagPath.FindStringSubmatch(r.header.Get("Location"))
	if r.status != http.StatusSeeOther || m == nil {
		t.Fatalf("create: %d, Location %q", r.status, r.header.Get("Location"))
	}
	show := e.do("GET", r.header.Get("Location"), "", "", false)
	if show.status != 200 || !strings.Contains(show.body, "Distributed systems") || !strings.Contains(show.body, "Tag created") {
		t.Fatalf("show: %d", show.status)
	}
	// The notice is shown once.
	if again := e.do("GET", r.header.Get("Location"), "", "", false); strings.Contains(again.body, "Tag created") {
		t.Fatal("the notice is shown again")
	}
	if r := e.do("GET", "/tags", "", "", false); !strings.Contains(r.body, `href="/tags/`+m[1]+`"`) {
		t.Fatal("index does not link the new tag")
	}

	edit := e.do("GET", "/tags/"+m[1]+"/edit", "", "", false)
	if edit.status != 200 || !strings.Contains(edit.body, `value="Distributed systems"`) {
		t.Fatalf("edit form: %d", edit.status)
	}
	r = e.do("POST", "/tags/"+m[1], formType, form("label", "Replication", "_csrf", e.csrf("/tags/"+m[1]+"/edit")), true)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/tags/"+m[1] {
		t.Fatalf("rename: %d %q", r.status, r.header.Get("Location"))
	}
	if e.count("label = 'Replication'") != 1 || e.count("1") != 1 {
		t.Fatal("rename did not change the row")
	}

	r = e.do("POST", "/tags/"+m[1]+"/delete", formType, form("_csrf", e.csrf("/tags/"+m[1])), true)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/tags" || e.count("1") != 0 {
		t.Fatalf("delete: %d %q, rows %d", r.status, r.header.Get("Location"), e.count("1"))
	}
	if r := e.do("GET", "/tags/"+m[1], "", "", false); r.status != 404 || !strings.Contains(r.body, "<html") {
		t.Fatalf("deleted tag page: %d, want the 404 page", r.status)
	}
}

func TestTagFormBadInput(t *testing.T) {
	e := newEnv(t, password)
	token := e.csrf("/tags/new")
	if r := e.do("POST", "/tags", formType, form("label", "Go", "_csrf", token), true); r.status != 303 {
		t.Fatalf("seed: %d", r.status)
	}
	for _, tc := range []struct {
		name, label string
		status      int
		message     string
	}{
		{"empty", "", 422, "Label is required"},
		{"blank", "    ", 422, "Label is required"},
		{"over-long", strings.Repeat("y", 65), 422, "at most 64 characters"},
		{"control character", "bad\x01label", 422, "control characters"},
		{"case duplicate", "gO", 409, "already exists"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("POST", "/tags", formType, form("label", tc.label, "_csrf", token), true)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d", r.status, tc.status)
			}
			if !strings.Contains(html.UnescapeString(r.body), tc.message) || !strings.Contains(r.body, `class="field-error"`) {
				t.Fatalf("form without the message %q next to the field", tc.message)
			}
			if !strings.Contains(r.body, `value="`+html.EscapeString(tc.label)+`"`) {
				t.Fatalf("typed value %q not kept", tc.label)
			}
			if e.count("1") != 1 {
				t.Fatal("a refused form wrote a row")
			}
		})
	}

	// Renaming with bad input re-renders the edit form in the same way.
	r := e.do("POST", "/tags/1", formType, form("label", "", "_csrf", token), true)
	if r.status != 422 || !strings.Contains(r.body, "Label is required") || e.count("label='Go'") != 1 {
		t.Fatalf("rename to empty: %d", r.status)
	}
}

func TestTagFormRefusals(t *testing.T) {
	e := newEnv(t, password)
	token := e.csrf("/tags/new")
	for _, tc := range []struct {
		name, body string
		auth       bool
		status     int
	}{
		{"no CSRF token", form("label", "x"), true, 403},
		{"wrong CSRF token", form("label", "x", "_csrf", strings.Repeat("A", 43)), true, 403},
		{"no password", form("label", "x", "_csrf", token), false, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("POST", "/tags", formType, tc.body, tc.auth)
			if r.status != tc.status || e.count("1") != 0 {
				t.Fatalf("status %d, want %d; rows %d", r.status, tc.status, e.count("1"))
			}
		})
	}
	big := form("label", strings.Repeat("z", 70<<10), "_csrf", token)
	if r := e.do("POST", "/tags", formType, big, true); r.status != 413 || e.count("1") != 0 {
		t.Fatalf("oversized form: %d", r.status)
	}
	for _, path := range []string{"/tags/999", "/tags/abc", "/tags/999/edit"} {
		if r := e.do("GET", path, "", "", false); r.status != 404 {
			t.Fatalf("GET %s: %d, want 404", path, r.status)
		}
	}
	if r := e.do("POST", "/tags/999/delete", formType, form("_csrf", token), true); r.status != 404 {
		t.Fatalf("delete unknown: %d", r.status)
	}
}

func TestLabelsAreEscaped(t *testing.T) {
	e := newEnv(t, password)
	label := `<script>alert("x")</script>`
	r := e.do("POST", "/api/tags", "application/json", `{"label":"<script>alert(\"x\")</script>"}`, true)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	for _, path := range []string{"/tags", "/tags/1", "/tags/1/edit"} {
		page := e.do("GET", path, "", "", false)
		if strings.Contains(page.body, label) || !strings.Contains(page.body, "&lt;script&gt;") {
			t.Fatalf("GET %s shows the label unescaped", path)
		}
	}
}

func TestStaticFiles(t *testing.T) {
	e := newEnv(t, password)
	page := e.do("GET", "/tags", "", "", false)
	m := regexp.MustCompile(`href="(/static/style\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(page.body)
	if m == nil {
		t.Fatal("the layout links no versioned stylesheet")
	}
	r := e.do("GET", m[1], "", "", false)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/css") ||
		!strings.Contains(r.header.Get("Cache-Control"), "max-age=31536000") {
		t.Fatalf("stylesheet: %d %v", r.status, r.header)
	}
	if r := e.do("GET", "/static/nope.css", "", "", false); r.status != 404 {
		t.Fatalf("missing static file: %d", r.status)
	}
}

func TestHeadRequests(t *testing.T) {
	e := newEnv(t, password)
	for _, path := range []string{"/tags", "/health", "/api/tags"} {
		r := e.do("HEAD", path, "", "", false)
		if r.status != 200 || r.body != "" || r.header.Get("Content-Type") == "" {
			t.Fatalf("HEAD %s: %d, %d bytes, %v", path, r.status, len(r.body), r.header)
		}
	}
	if r := e.do("HEAD", "/tags/999", "", "", false); r.status != 404 || r.body != "" {
		t.Fatalf("HEAD of a missing page: %d", r.status)
	}
}
