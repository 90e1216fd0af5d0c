package web_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"blog/content"
	"blog/internal/tags"
	"blog/web"
)

// contentEnv is a blog server over a database with fsys imported.
type contentEnv struct {
	t    *testing.T
	srv  *httptest.Server
	db   *sql.DB
	tags *tags.Service
}

func newContentEnv(t *testing.T, fsys fs.FS, baseURL string) *contentEnv {
	t.Helper()
	rig := web.NewRig(t, web.RigOptions{Content: fsys, BaseURL: baseURL, AdminPassword: password})
	return &contentEnv{t: t, srv: rig.HTTP, db: rig.DB, tags: rig.Tags}
}

// get fetches path without following redirects; header is name, value, ….
func (e *contentEnv) get(path string, header ...string) reply {
	e.t.Helper()
	req, err := http.NewRequest("GET", e.srv.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (e *contentEnv) tagID(label string) int64 {
	e.t.Helper()
	t, err := e.tags.ByLabel(context.Background(), label)
	if err != nil {
		e.t.Fatal(err)
	}
	return t.ID
}

func tagPage(id int64) string { return "/tags/" + strconv.FormatInt(id, 10) }

const (
	newest      = "Posts that live in the repository"
	draftTitle  = "Measuring the blog against a plain server"
	primaryPost = "/posts/how-a-write-finds-the-primary"
)

func TestContentPages(t *testing.T) {
	e := newContentEnv(t, content.FS, "")
	cases := []struct {
		path   string
		status int
		want   []string
	}{
		{"/", 200, []string{`<h1 class="badge" id="hello-world">Hello, world: what this blog is</h1>`, "Recent posts",
			newest, "Deploying the blog across regions", `class="excerpt prose"`, "&#x1f44b;", `<table tabindex="0">`}},
		{"/posts", 200, []string{newest, "How a write finds the primary", `action="/posts"`, `name="q"`}},
		{"/posts?tag=LITEFS", 200, []string{"Posts tagged litefs", "Why the write chain halts"}},
		{"/posts?tag=no-such-tag", 200, []string{"No posts are tagged no-such-tag."}},
		{"/posts?q=ledger", 200, []string{"Posts matching ledger", "Exactly once, and reading your own writes"}},
		{"/posts?q=%28%29*", 200, []string{`id="search-problem"`, "That search cannot be read"}},
		{primaryPost, 200, []string{`<h1 class="badge" id="how-a-write-finds-the-primary">How a write finds the primary</h1>`, `<ol class="toc" id="toc"`,
			`<a href="#asking-litefs-who-is-in-charge"><span class="marker">##</span> Asking LiteFS who is in charge</a>`, `class="toc-level-3"`, `class="toc-level-4"`,
			`<img src="/assets/images/write-path"`, `<table tabindex="0">`, `<span class="kd">func</span>`, `<meta name="description" content="Every node of this blog`}},
		{"/posts/no-such-post", 404, []string{"There is no post"}},
		{"/posts/measuring-against-a-plain-server", 404, nil},
		{"/projects", 200, []string{"LiteFS", `href="https://github.com/superfly/litefs"`, `id="project-goldmark"`}},
		{"/projects?tag=markdown", 200, []string{"goldmark", "chroma"}},
		{"/projects?tag=nope", 200, []string{"No projects are tagged nope."}},
		{"/search?q=idempotency+key", 200, []string{"Exactly once, and reading your own writes", "<mark>"}},
		{"/search?q=goldmark", 200, []string{`href="/projects#project-goldmark"`}},
		{"/search?q=%22%22%22+NEAR%28", 200, []string{`value="&#34;&#34;&#34; NEAR("`}},
		{"/search?q=%2A%5E%3A", 200, []string{`id="search-problem"`}},
		{"/search", 200, []string{`action="/search"`}},
		{"/nowhere/at/all", 404, []string{"There is nothing at /nowhere/at/all."}},
	}
	for _, tc := range cases {
		r := e.get(tc.path)
		if r.status != tc.status {
			t.Errorf("GET %s = %d, want %d", tc.path, r.status, tc.status)
			continue
		}
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("GET %s: Content-Type %q", tc.path, ct)
		}
		for _, w := range tc.want {
			if !strings.Contains(r.body, w) {
				t.Errorf("GET %s lacks %q", tc.path, w)
			}
		}
	}

	// The layout links the reading side's stylesheet, which brings the code colours.
	if !regexp.MustCompile(`<link rel="stylesheet" href="/static/content\.css\?v=[0-9a-f]+">`).MatchString(e.get(primaryPost).body) {
		t.Errorf("the layout does not link /static/content.css")
	}

	// Newest first.
	body := e.get("/posts").body
	order := []string{newest, "Deploying the blog across regions", "Exactly once, and reading", "Why the write chain halts", "How a write finds the primary"}
	last := -1
	for _, title := range order {
		i := strings.Index(body, title)
		if i < last {
			t.Errorf("/posts lists %q out of order", title)
		}
		last = i
	}
	if r := e.get("/posts?tag=litefs"); strings.Contains(r.body, newest) {
		t.Errorf("the tag filter lets through a post without the tag")
	}
}

func TestFiles(t *testing.T) {
	e := newContentEnv(t, content.FS, "")
	cases := []struct {
		path, ctype, cache, want string
	}{
		{"/chroma.css", "text/css", "max-age=604800", ".chroma .kd"},
		{"/robots.txt", "text/plain", "max-age", "User-agent: *"},
		{"/favicon.ico", "image/", "max-age=604800", "\x00\x00\x01\x00\x01\x00"},
		{"/favicon.png", "image/png", "max-age=604800", "\x89PNG"},
		{"/sitemap.xml", "application/xml", "no-cache", "<loc>"},
	}
	for _, tc := range cases {
		r := e.get(tc.path)
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), tc.ctype) ||
			!strings.Contains(r.header.Get("Cache-Control"), tc.cache) || !strings.Contains(r.body, tc.want) {
			t.Errorf("GET %s = %d %q %q", tc.path, r.status, r.header.Get("Content-Type"), r.header.Get("Cache-Control"))
		}
		if etag := r.header.Get("ETag"); etag != "" {
			if r := e.get(tc.path, "If-None-Match", etag); r.status != 304 {
				t.Errorf("GET %s with its ETag = %d", tc.path, r.status)
			}
		}
	}
	// The stylesheet of the reading side is a static file with the code
	// colours, in the theme's palette.
	if r := e.get("/static/content.css"); r.status != 200 || !strings.Contains(r.body, `.chroma .kd`) {
		t.Errorf("content.css: %d", r.status)
	}
}

func TestPermalinks(t *testing.T) {
	e := newContentEnv(t, content.FS, "")
	cases := map[string]string{
		"/2026/10/finding-the-primary":  primaryPost,
		"/2026/10/finding-the-primary/": "/2026/10/finding-the-primary",
		"/deploy":                       "/posts/deploying-across-regions",
		"/2026/11/content-pipeline":     "/posts/posts-that-live-in-the-repository",
	}
	for from, to := range cases {
		r := e.get(from)
		if r.status != http.StatusMovedPermanently || r.header.Get("Location") != to {
			t.Errorf("GET %s = %d → %q, want 301 → %s", from, r.status, r.header.Get("Location"), to)
		}
	}
	for _, p := range []string{"/2026/10", "/2026/10/finding-the-primary/more", "/Deploy"} {
		if r := e.get(p); r.status != 404 {
			t.Errorf("GET %s = %d, want 404", p, r.status)
		}
	}
}

func TestDraftsAppearNowhere(t *testing.T) {
	e := newContentEnv(t, content.FS, "")
	for _, p := range []string{"/", "/posts", "/posts?tag=go", "/rss.xml", "/search?q=measuring+plain+server", "/posts?q=measuring", "/tags", tagPage(e.tagID("go"))} {
		r := e.get(p)
		if r.status != 200 {
			t.Errorf("GET %s = %d", p, r.status)
		}
		if strings.Contains(r.body, draftTitle) || strings.Contains(r.body, "measuring-against-a-plain-server") {
			t.Errorf("GET %s shows the draft", p)
		}
	}
	if r := e.get("/posts/measuring-against-a-plain-server"); r.status != 404 {
		t.Errorf("the draft's own address = %d", r.status)
	}
	// Its tags were never created.
	if _, err := e.tags.ByLabel(context.Background(), "performance"); err == nil {
		t.Errorf("the draft's tag exists")
	}
}

func TestTagPageListsContent(t *testing.T) {
	e := newContentEnv(t, content.FS, "")
	r := e.get(tagPage(e.tagID("markdown")))
	for _, w := range []string{newest, "/posts/posts-that-live-in-the-repository", "goldmark", "https://github.com/yuin/goldmark"} {
		if !strings.Contains(r.body, w) {
			t.Errorf("tag page lacks %q", w)
		}
	}
}

func TestConditionalRequests(t *testing.T) {
	e := newContentEnv(t, content.FS, "")
	for _, p := range []string{"/", "/posts", primaryPost, "/projects", "/search?q=sqlite", "/rss.xml"} {
		r := e.get(p)
		etag, mod := r.header.Get("ETag"), r.header.Get("Last-Modified")
		if r.status != 200 || etag == "" || mod == "" || !strings.Contains(r.header.Get("Cache-Control"), "no-cache") {
			t.Fatalf("GET %s = %d, ETag %q, Last-Modified %q, Cache-Control %q", p, r.status, etag, mod, r.header.Get("Cache-Control"))
		}
		if r := e.get(p, "If-None-Match", etag); r.status != 304 || r.body != "" {
			t.Errorf("GET %s If-None-Match = %d", p, r.status)
		}
		if r := e.get(p, "If-None-Match", `W/"other", `+etag); r.status != 304 {
			t.Errorf("GET %s If-None-Match list = %d", p, r.status)
		}
		if r := e.get(p, "If-None-Match", `"other"`); r.status != 200 {
			t.Errorf("GET %s other ETag = %d", p, r.status)
		}
		if r := e.get(p, "If-Modified-Since", mod); r.status != 304 {
			t.Errorf("GET %s If-Modified-Since = %d", p, r.status)
		}
		if r := e.get(p, "If-Modified-Since", "Mon, 02 Jan 2006 15:04:05 GMT"); r.status != 200 {
			t.Errorf("GET %s If-Modified-Since long ago = %d", p, r.status)
		}
	}

	// A tag renamed changes the post page that shows it.
	r := e.get(primaryPost)
	if _, err := e.tags.Rename(context.Background(), e.tagID("litefs"), "LiteFS cluster"); err != nil {
		t.Fatal(err)
	}
	after := e.get(primaryPost, "If-None-Match", r.header.Get("ETag"))
	if after.status != 200 || !strings.Contains(after.body, "LiteFS cluster") {
		t.Errorf("after a rename: %d", after.status)
	}
}

// A post's HTML comes from Markdown that is never trusted.
func TestPostMarkupIsNotTrusted(t *testing.T) {
	fsys := fstest.MapFS{
		"posts/evil.md": {Data: []byte("---\ntitle: <script>alert('title')</script>\npublished_at: 2026-01-01\ntags: [\"<b>bold</b>\"]\n---\n" +
			"<script>alert(1)</script>\n\nText <img src=x onerror=alert(2)> and [a link](javascript:alert(3)).\n\n## <i>Heading</i>\n")},
	}
	e := newContentEnv(t, fsys, "")
	for _, p := range []string{"/posts/evil", "/", "/posts", "/search?q=alert", "/rss.xml"} {
		r := e.get(p)
		for _, bad := range []string{"<script>alert", "<img src=x", "javascript:alert", "<b>bold", "<i>Heading"} {
			if strings.Contains(r.body, bad) {
				t.Errorf("GET %s contains %q", p, bad)
			}
		}
	}
}

func TestSearchNeverFails(t *testing.T) {
	e := newContentEnv(t, content.FS, "")
	inputs := []string{`"`, `'`, `*`, `^`, `:`, `NEAR(`, `a AND`, `OR`, `(((`, `title:x`, "\x00", "\xff", `\`, `%`, `'; DROP TABLE posts; --`,
		strings.Repeat("(", 2000), strings.Repeat(`"a" `, 600),
		`||`, `&&`, `!`, `a ||`, `|| a`, `!a`, `a !`, `(a || b`, `a) && (b`, `"a b"*`, `* a*`, `NOT NOT a`, `a & | ! b`,
		strings.Repeat("!(", 300), strings.Repeat("a || ", 200)}
	for _, in := range inputs {
		for _, p := range []string{"/search?q=", "/posts?q=", "/projects?q=", "/posts?tags=litefs&q="} {
			if r := e.get(p + url.QueryEscape(in)); r.status != 200 {
				t.Errorf("GET %s%q = %d", p, in, r.status)
			}
		}
	}
}

var hrefs = regexp.MustCompile(`(?:href|src)="([^"]+)"`)

// Every link on every page leads somewhere.
func TestNoBrokenLinks(t *testing.T) {
	e := newContentEnv(t, content.FS, "")
	seen := map[string]bool{}
	queue := []string{"/"}
	for len(queue) > 0 && len(seen) < 200 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		r := e.get(p)
		if r.status != 200 {
			t.Errorf("GET %s = %d", p, r.status)
			continue
		}
		if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			continue
		}
		for _, m := range hrefs.FindAllStringSubmatch(r.body, -1) {
			u, err := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
			if err != nil || u.Host != "" || !strings.HasPrefix(u.Path, "/") || strings.HasSuffix(u.Path, "/new") || strings.HasSuffix(u.Path, "/edit") ||
				strings.HasPrefix(u.Path, "/assets/images/") || u.Path == "/signin" { // served by the images' own handler, tested there
				continue
			}
			u.Fragment = ""
			queue = append(queue, u.String())
		}
	}
}

// A draft is the admin's alone: readers get a 404, the admin the post
// with a banner, never from or into the page cache.
func TestDraftPreview(t *testing.T) {
	e := newContentEnv(t, content.FS, "")
	const draft = "/posts/measuring-against-a-plain-server"
	admin := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+password))
	wrong := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:nope"))
	if r := e.get(draft); r.status != 404 || strings.Contains(r.body, draftTitle) {
		t.Errorf("reader: %d", r.status)
	}
	if r := e.get(draft, "Authorization", wrong); r.status != 404 {
		t.Errorf("wrong password: %d", r.status)
	}
	r := e.get(draft + "?preview")
	if r.status != 401 || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic") {
		t.Errorf("?preview without the password = %d, WWW-Authenticate %q; want 401 with a challenge", r.status, r.header.Get("WWW-Authenticate"))
	}
	for _, p := range []string{draft, draft + "?preview", "/posts/measuring_against_a_plain_server"} {
		r := e.get(p, "Authorization", admin)
		if p == "/posts/measuring_against_a_plain_server" {
			if r.status != 301 || r.header.Get("Location") != draft {
				t.Errorf("underscored draft address = %d → %q", r.status, r.header.Get("Location"))
			}
			continue
		}
		if r.status != 200 || !strings.Contains(r.body, `id="draft-banner"`) || !strings.Contains(r.body, draftTitle) {
			t.Errorf("admin GET %s = %d, banner %v", p, r.status, strings.Contains(r.body, "draft-banner"))
		}
		if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("admin GET %s: Cache-Control %q, want no-store", p, cc)
		}
	}
	// The reader still gets the 404 after the admin's visit.
	if r := e.get(draft); r.status != 404 {
		t.Errorf("reader after the admin: %d", r.status)
	}
}

// The tag bar lists every tag, each a toggle; the list keeps posts with
// any chosen tag, and the search form carries the chosen tags.
func TestTagBar(t *testing.T) {
	e := newContentEnv(t, content.FS, "")
	r := e.get("/posts?tags=fly.io,markdown")
	if r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	for _, w := range []string{
		`id="tag-bar"`, `class="tag tag-chosen" href="/posts?tags=markdown"`, // fly.io toggled off
		`href="/posts?tags=fly.io%2Cmarkdown%2Csqlite"`, // sqlite toggled on
		`class="tag tag-clear" href="/posts"`,
		`<input type="hidden" name="tags" value="fly.io,markdown">`,
		"Deploying the blog across regions", newest,
	} {
		if !strings.Contains(r.body, w) {
			t.Errorf("/posts?tags=fly.io,markdown lacks %s", w)
		}
	}
	if strings.Contains(r.body, "Why the write chain halts") {
		t.Errorf("a post with neither tag is listed")
	}
	// With a search, only the posts matching it among those tagged.
	r = e.get("/posts?tags=fly.io,markdown&q=volumes")
	if !strings.Contains(r.body, "Deploying the blog across regions") || strings.Contains(r.body, newest) {
		t.Errorf("tags and search together: wrong list")
	}
	if !strings.Contains(r.body, `href="/posts?q=volumes"`) {
		t.Errorf("clear keeps the search: not found")
	}
	// The tags the draft alone has are not in the bar.
	if strings.Contains(e.get("/posts").body, ">performance<") {
		t.Errorf("the draft's tag is in the bar")
	}
	r = e.get("/projects?tags=markdown&q=colour*")
	if !strings.Contains(r.body, "chroma") || strings.Contains(r.body, `id="project-goldmark"`) {
		t.Errorf("/projects?tags=markdown&q=colour*: wrong list")
	}
}
