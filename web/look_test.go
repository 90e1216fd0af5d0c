package web_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"blog/content"
	"blog/web"
	"blog/web/views"
)

// The policy every page is agreed to send.
const wantCSP = "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'none'"

var (
	scriptTag  = regexp.MustCompile(`<script\b[^>]*>`)
	styleAttr  = regexp.MustCompile(`\sstyle="([^"]*)"`)
	inlineJS   = regexp.MustCompile(`<[^>]+\son[a-z]+="|(?:href|src|action)="javascript:`)
	errorCodes = regexp.MustCompile(`Error: <code>([0-9A-F]{2} : [0-9A-F]{4} : [0-9A-F]{8})</code>`)
)

// Every HTML page sends the strict policy and has nothing it would block:
// no inline script, no event handler attribute, style attributes only for
// the images' placeholder property.
func TestPagesSendStrictCSP(t *testing.T) {
	e := newContentEnv(t, content.FS, "")
	for _, path := range []string{"/", primaryPost, "/posts", "/posts?tag=litefs", "/projects", "/search?q=primary",
		"/tags", tagPage(e.tagID("litefs")), "/tags/new", "/gallery", "/no/such/page"} {
		r := e.get(path)
		if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			t.Fatalf("GET %s: %d %s", path, r.status, r.header.Get("Content-Type"))
		}
		if got := r.header.Get("Content-Security-Policy"); got != wantCSP {
			t.Errorf("GET %s: Content-Security-Policy %q", path, got)
		}
		for _, tag := range scriptTag.FindAllString(r.body, -1) {
			if !strings.Contains(tag, `src="/static/`) || !strings.Contains(tag, "defer") {
				t.Errorf("GET %s: %s is not a deferred script from /static", path, tag)
			}
		}
		if strings.Count(r.body, "<script") != strings.Count(r.body, "></script>") {
			t.Errorf("GET %s has a script with a body", path)
		}
		for _, m := range styleAttr.FindAllStringSubmatch(r.body, -1) {
			if !strings.HasPrefix(m[1], "--lqip:") {
				t.Errorf("GET %s: style attribute %q", path, m[1])
			}
		}
		if inlineJS.MatchString(r.body) {
			t.Errorf("GET %s has an inline event handler or a javascript: link", path)
		}
	}
}

// Errors are the bluescreen with the right status and a code made from
// the address: the same for the same address, another for another. The
// API keeps answering JSON.
func TestErrorsAreBluescreens(t *testing.T) {
	e := newContentEnv(t, content.FS, "")
	codeOf := func(path string, status int) string {
		t.Helper()
		r := e.get(path)
		m := errorCodes.FindStringSubmatch(r.body)
		if r.status != status || m == nil || !strings.Contains(r.body, `class="bluescreen"`) {
			t.Fatalf("GET %s: %d, want a bluescreen with %d", path, r.status, status)
		}
		if m[1] != views.ErrorCode(status, strings.SplitN(path, "?", 2)[0]) {
			t.Errorf("GET %s shows code %s", path, m[1])
		}
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", path, cc)
		}
		return m[1]
	}
	a := codeOf("/no/such/page", 404)
	if b := codeOf("/no/such/page", 404); a != b {
		t.Errorf("the same address shows codes %s and %s", a, b)
	}
	if c := codeOf("/posts/no-such-post", 404); c == a {
		t.Errorf("two addresses share the code %s", c)
	}
	if r := e.get("/api/tags/999"); r.status != 404 || !strings.Contains(r.header.Get("Content-Type"), "json") ||
		!strings.Contains(r.body, `"code":"not_found"`) {
		t.Errorf("API 404: %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	// A failure inside: the database is gone.
	e.db.Close()
	codeOf("/posts", 500)
}

// The bluescreen names each status it is shown for.
func TestBluescreenStatuses(t *testing.T) {
	for status, title := range map[int]string{404: "Not Found", 500: "Unexpected Error", 503: "Unavailable"} {
		var b strings.Builder
		p := views.Page{Title: http.StatusText(status), Path: "/x", Site: views.Site{Name: "N"}}
		if err := views.ErrorPage(p, status, "The primary cannot be reached.").Render(t.Context(), &b); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{title, "fatal exception " + strconv.Itoa(status), views.ErrorCode(status, "/x"), "The primary cannot be reached."} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("%d: the bluescreen lacks %q", status, want)
			}
		}
	}
	if views.ErrorCode(404, "/a") == views.ErrorCode(500, "/a") {
		t.Error("two statuses of one address share a code")
	}
}

// Readers see no controls they cannot use: Rename, Delete and New tag are
// the admin's, and anyone else gets a link to sign in, which asks for the
// password and comes back to the page.
func TestTagControlsForTheAdminOnly(t *testing.T) {
	e := newEnv(t, password)
	e.do("POST", "/api/tags", "application/json", `{"label":"litefs"}`, true)
	page := "/tags/1"
	for _, path := range []string{page, "/tags"} {
		reader := e.do("GET", path, "", "", false)
		if strings.Contains(reader.body, ">Delete</button>") || strings.Contains(reader.body, ">Rename</a>") || strings.Contains(reader.body, ">New tag</a>") {
			t.Errorf("a reader of %s sees the admin's controls", path)
		}
		if !strings.Contains(reader.body, `href="/signin?next=`+strings.ReplaceAll(path, "/", "%2F")+`"`) {
			t.Errorf("a reader of %s is not offered to sign in", path)
		}
		wrong := e.do("GET", path, "", "", false, "Authorization", "Basic YWRtaW46bm9wZQ==") // admin:nope
		if strings.Contains(wrong.body, ">Delete</button>") || strings.Contains(wrong.body, ">New tag</a>") {
			t.Errorf("a wrong password shows the controls of %s", path)
		}
	}
	admin := e.do("GET", page, "", "", true)
	if !strings.Contains(admin.body, ">Delete</button>") || !strings.Contains(admin.body, ">Rename</a>") || strings.Contains(admin.body, "sign in to edit") {
		t.Error("the admin does not see Rename and Delete")
	}
	if cc := admin.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") || !strings.Contains(strings.Join(admin.header.Values("Vary"), ","), "Authorization") {
		t.Errorf("the admin's page: Cache-Control %q, Vary %q", cc, admin.header.Values("Vary"))
	}

	// Signing in.
	if r := e.do("GET", "/signin?next=%2Ftags%2F1", "", "", false); r.status != 401 || r.header.Get("WWW-Authenticate") == "" {
		t.Errorf("sign in without a password: %d %q", r.status, r.header.Get("WWW-Authenticate"))
	}
	for next, want := range map[string]string{"%2Ftags%2F1": "/tags/1", "https%3A%2F%2Fevil.example": "/tags", "%2F%2Fevil.example": "/tags", "": "/tags"} {
		r := e.do("GET", "/signin?next="+next, "", "", true)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != want {
			t.Errorf("sign in, next=%q: %d to %q, want %q", next, r.status, r.header.Get("Location"), want)
		}
	}
	off := newEnv(t, "")
	if r := off.do("GET", "/signin", "", "", false); r.status != 403 || !strings.Contains(r.body, "BLOG_ADMIN_PASSWORD") {
		t.Errorf("sign in with writing off: %d", r.status)
	}
}

// The gallery shows every component.
func TestGallery(t *testing.T) {
	e := newContentEnv(t, content.FS, "")
	r := e.get("/gallery")
	if r.status != 200 {
		t.Fatalf("GET /gallery = %d", r.status)
	}
	for _, want := range []string{"gallery-palette", "gallery-typography", "gallery-buttons", "gallery-checkbox",
		"gallery-messages", "gallery-search-form", "gallery-post-list", "gallery-projects", "gallery-search-results",
		"gallery-tags", "gallery-tag-form", "gallery-toc", "gallery-viewers", "gallery-bluescreen",
		`class="bluescreen"`, `class="post-list"`, `class="toc"`, `class="field-error"`, newest} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the gallery lacks %q", want)
		}
	}
}

func TestLoadTaglines(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       []string
		err        string
	}{
		{"none", "", nil, ""},
		{"lines", "# comment\none\n\n  two  \n", []string{"one", "two"}, ""},
		{"too long", "one\n" + strings.Repeat("é", 81) + "\n", nil, "line 2"},
		{"empty", "\n# nothing\n", nil, "no taglines"},
		{"too many", strings.Repeat("again\n", 201), nil, "line 201: at most 200"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			if tc.file != "" {
				fsys[web.TaglinesFile] = &fstest.MapFile{Data: []byte(tc.file)}
			}
			got, err := web.LoadTaglines(fsys)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("%q, %v; want %q", got, err, tc.want)
			}
		})
	}
	// The bundled content has none: the blog's own list is used.
	if got, err := web.LoadTaglines(content.FS); got != nil || err != nil {
		t.Errorf("bundled content: %q, %v", got, err)
	}
}

// The post shown in full has its contents in the sidebar, on its own page
// and on the home page, led by its title, whose entry links to the title
// by the post's slug, as the original's does.
func TestContentsInTheSidebar(t *testing.T) {
	e := newContentEnv(t, content.FS, "")
	for path, title := range map[string]string{
		primaryPost: `<a href="#how-a-write-finds-the-primary"><span class="marker">#</span> How a write finds the primary</a>`,
		"/":         `<a href="#hello-world"><span class="marker">#</span> Hello, world: what this blog is</a>`,
	} {
		r := e.get(path)
		side := r.body[strings.Index(r.body, `<aside id="sidebar"`):]
		if !strings.Contains(side, `<nav id="sidebar-toc"`) || !strings.Contains(side, title) {
			t.Errorf("GET %s: the sidebar has no contents led by the title", path)
		}
	}
	if r := e.get("/posts"); strings.Contains(r.body, `id="sidebar-toc"`) {
		t.Error("the list of posts has contents")
	}
}
