package main

import (
	"encoding/xml"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"blog/internal/blogtest"
)

// copyOriginal copies testdata/original, a content tree written in the
// original Blog's format, to a folder the test may change.
func copyOriginal(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "content")
	err := filepath.WalkDir("testdata/original", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("testdata/original", p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

type answer struct {
	status int
	header http.Header
	body   string
}

// fetch gets base+path without following redirects; auth adds the admin's
// Basic auth.
func fetch(t *testing.T, base, path string, auth bool) answer {
	t.Helper()
	req, err := http.NewRequest("GET", base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth {
		req.SetBasicAuth("admin", "pw")
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, string(b)}
}

func startOn(t *testing.T, content string, extraEnv []string, args ...string) (string, process) {
	t.Helper()
	bin := blogtest.Binary(t)
	dir := t.TempDir()
	addr := freePort(t)
	env := cleanEnv(append([]string{"BLOG_ADDR=" + addr, "BLOG_DB=" + filepath.Join(dir, "blog.db"),
		"BLOG_CONTENT=" + content, "BLOG_ADMIN_PASSWORD=pw"}, extraEnv...)...)
	p := start(t, bin, dir, env, append([]string{"serve"}, args...)...)
	base := "http://" + addr
	waitHealthy(t, base)
	return base, p
}

// TestOriginalContent points the real binary at a content tree in the
// original Blog's format and asks for every address the original answered.
func TestOriginalContent(t *testing.T) {
	base, _ := startOn(t, copyOriginal(t), nil)
	const welcome = "/posts/welcome-aboard"
	cases := []struct {
		path     string
		auth     bool
		status   int
		location string
		want     []string
		not      []string
	}{
		{path: "/", status: 200, want: []string{"Hello from the harbour", "Recent posts", "Welcome aboard"}},
		{path: "/posts/hello_world", status: 301, location: "/posts/hello-world"},
		{path: "/posts/welcome_aboard", status: 301, location: welcome},
		{path: welcome, status: 200, want: []string{
			`<h1 class="badge" id="welcome-aboard">Welcome aboard</h1>`, "Approx. 4 minutes read", "March 01, 2024",
			"&ldquo;Mind the boom,&rdquo; they said &ndash; and it&rsquo;s good advice&hellip;", "&#x2693;",
			`<h2 id="tides-currents">`, `<h2 id="knotsandsplices">`, `<table tabindex="0">`, "<del>four times</del>", `class="footnotes"`,
			`<img src="/assets/images/harbour" alt="The harbour at dawn" width=`, `class="image-link" href="/assets/images/harbour"`,
		}, not: []string{"<script>alert", "../assets/"}},
		{path: "/posts", status: 200, want: []string{
			"Welcome aboard", "Three knots worth knowing", "<strong>tides</strong>", "A second paragraph of the description.",
			`id="tag-bar"`, `href="/posts?tags=sailing"`, `href="/posts?tags=harbours"`,
		}, not: []string{"secret cove", "hideaways"}},
		{path: "/posts?tags=sailing,harbours", status: 200, want: []string{"Welcome aboard", "Three knots", "Hello from the harbour",
			`<input type="hidden" name="tags" value="sailing,harbours">`, `tag-clear`}},
		{path: "/posts?tags=harbours", status: 200, want: []string{"Welcome aboard", "Hello from the harbour"}, not: []string{"Three knots"}},
		{path: "/posts?tag=sailing", status: 200, want: []string{"Welcome aboard", "Three knots"}, not: []string{"Hello from the harbour"}},
		{path: "/posts?tags=sailing&q=bowline", status: 200, want: []string{"Welcome aboard", "Three knots"}, not: []string{"Hello from"}},
		{path: "/posts?q=" + url.QueryEscape("evenings || hello"), status: 200, want: []string{"Three knots", "Hello from the harbour"}, not: []string{"Welcome aboard"}},
		{path: "/posts?q=" + url.QueryEscape("bowline !practise"), status: 200, want: []string{"Welcome aboard"}, not: []string{"Three knots"}},
		{path: "/posts?q=" + url.QueryEscape(`"reef knot" OR tid*`), status: 200, want: []string{"Three knots", "Welcome aboard"}},
		{path: "/posts?q=lagoon", status: 200, want: []string{"No posts match"}, not: []string{"secret"}},
		{path: "/projects", status: 200, want: []string{"Rope Tracker", "Tide Tables", `href="/projects?tags=tides"`}},
		{path: "/projects?q=spliced", status: 200, want: []string{"Rope Tracker"}, not: []string{"Tide Tables"}},
		{path: "/projects?tags=tides,sailing", status: 200, want: []string{"Rope Tracker", "Tide Tables"}},
		{path: "/projects?tags=tides&q=" + url.QueryEscape("harbour || rope"), status: 200, want: []string{"Tide Tables"}, not: []string{"Rope Tracker"}},
		{path: "/search?q=" + url.QueryEscape("(tide* || knot) !hello"), status: 200, want: []string{"Welcome aboard", "Tide Tables"}},
		{path: "/2024/03/welcome-aboard", status: 301, location: welcome},
		{path: "/welcome.html", status: 301, location: welcome},
		{path: "/old/knots.html", status: 301, location: "/posts/knots"},
		{path: "/cove", status: 404},
		{path: "/posts/secret-cove", status: 404, not: []string{"Lagoon"}},
		{path: "/posts/secret_cove", status: 301, location: "/posts/secret-cove"},
		{path: "/posts/secret-cove?preview", status: 401},
		{path: "/posts/secret-cove", auth: true, status: 200, want: []string{`id="draft-banner"`, "Lagoon lagoon"}},
		{path: "/posts/secret-cove?preview", auth: true, status: 200, want: []string{`id="draft-banner"`}},
		// As the original's own fixtures: a draft whose published_at is
		// left empty, and a post of only a title and a slug.
		{path: "/posts/chart-room", status: 404},
		{path: "/posts/chart-room", auth: true, status: 200, want: []string{`id="draft-banner"`, "the soundings are still missing"}},
		{path: "/posts/logbook", status: 200, want: []string{"One line in the logbook", "Approx. 1 minute read"}, not: []string{"post-published"}},
		{path: "/tags", status: 200, want: []string{"sailing"}, not: []string{"hideaways"}},
		{path: "/favicon.png", status: 200, want: []string{"\x89PNG"}},
		{path: "/favicon.ico", status: 200},
		{path: "/robots.txt", status: 200, want: []string{"User-agent: *", "Sitemap: "}},
	}
	for _, tc := range cases {
		a := fetch(t, base, tc.path, tc.auth)
		if a.status != tc.status {
			t.Errorf("GET %s (admin %v) = %d, want %d", tc.path, tc.auth, a.status, tc.status)
			continue
		}
		if tc.location != "" && a.header.Get("Location") != tc.location {
			t.Errorf("GET %s → %q, want %q", tc.path, a.header.Get("Location"), tc.location)
		}
		for _, w := range tc.want {
			if !strings.Contains(a.body, w) {
				t.Errorf("GET %s lacks %q", tc.path, w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(strings.ToLower(a.body), strings.ToLower(n)) {
				t.Errorf("GET %s shows %q", tc.path, n)
			}
		}
	}
	if a := fetch(t, base, "/posts/secret-cove?preview", false); !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Basic") {
		t.Errorf("?preview asks for no password: WWW-Authenticate %q", a.header.Get("WWW-Authenticate"))
	}
	if a := fetch(t, base, "/posts/secret-cove", true); !strings.Contains(a.header.Get("Cache-Control"), "no-store") {
		t.Errorf("the admin's draft may be cached: Cache-Control %q", a.header.Get("Cache-Control"))
	}

	// Both feed addresses, the slug as guid.
	for _, p := range []string{"/rss", "/rss.xml"} {
		a := fetch(t, base, p, false)
		var doc struct {
			Items []struct {
				Link string `xml:"link"`
				GUID struct {
					Value       string `xml:",chardata"`
					IsPermaLink string `xml:"isPermaLink,attr"`
				} `xml:"guid"`
			} `xml:"channel>item"`
		}
		if err := xml.Unmarshal([]byte(a.body), &doc); err != nil || a.status != 200 {
			t.Fatalf("GET %s = %d: %v", p, a.status, err)
		}
		var guids []string
		for _, it := range doc.Items {
			guids = append(guids, it.GUID.Value+"/"+it.GUID.IsPermaLink)
		}
		if got := strings.Join(guids, " "); got != "knots/false welcome-aboard/false hello-world/false logbook/false" {
			t.Errorf("GET %s: guids %q", p, got)
		}
	}

	a := fetch(t, base, "/sitemap.xml", false)
	for _, w := range []string{"/posts/welcome-aboard</loc>", "/projects</loc>", "<lastmod>20"} {
		if !strings.Contains(a.body, w) {
			t.Errorf("sitemap lacks %q:\n%s", w, a.body)
		}
	}
	if strings.Contains(a.body, "secret") {
		t.Errorf("sitemap lists the draft")
	}
}

// The home page shows BLOG_HOME_SLUG, or the latest post without it.
func TestHomeSlug(t *testing.T) {
	content := copyOriginal(t)
	base, _ := startOn(t, content, []string{"BLOG_HOME_SLUG=knots"})
	if a := fetch(t, base, "/", false); !strings.Contains(a.body, `<h1 class="badge" id="knots">`) {
		t.Errorf("/ does not show the pinned knots post")
	}
	base, _ = startOn(t, content, []string{"BLOG_HOME_SLUG=no-such-post"})
	if a := fetch(t, base, "/", false); !strings.Contains(a.body, `<h1 class="badge" id="knots">`) {
		t.Errorf("/ does not fall back to the latest post")
	}
}

// A content tree the import refuses stops the blog with the file and line,
// before it creates the database.
func TestOriginalContentMistakes(t *testing.T) {
	bin := blogtest.Binary(t)
	for name, tc := range map[string]struct{ file, data, want string }{
		"unknown key":   {"posts/20240601000000_bad.md", "---\ntitle: Bad\nslug: bad\nauthor: me\n---\n", "posts/20240601000000_bad.md:4: unknown field \"author\""},
		"no wrapper":    {"projects/projects.yaml", "- name: X\n  url: https://example.com\n", "projects/projects.yaml:1: the projects file must start with projects:"},
		"missing asset": {"posts/20240601000000_bad.md", "---\ntitle: Bad\npublished_at: 2024-06-01 00:00:00Z\n---\n\n![x](../assets/nope.webp)\n", "posts/20240601000000_bad.md:6: image ../assets/nope.webp"},
	} {
		t.Run(name, func(t *testing.T) {
			content := copyOriginal(t)
			if err := os.WriteFile(filepath.Join(content, tc.file), []byte(tc.data), 0o644); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			cmd := exec.Command(bin, "serve")
			cmd.Dir = dir
			cmd.Env = cleanEnv("BLOG_ADDR="+freePort(t), "BLOG_DB="+filepath.Join(dir, "blog.db"), "BLOG_CONTENT="+content)
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), tc.want) {
				t.Errorf("serve: %v, output lacks %q:\n%s", err, tc.want, out)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("the refused start left %v behind", entries)
			}
			if strings.Contains(string(out), "migration applied") {
				t.Errorf("the refused start migrated a database:\n%s", out)
			}
		})
	}
}

// blog new-post writes a draft in the original's format that the blog
// imports, and refuses what would not import.
func TestNewPost(t *testing.T) {
	content := copyOriginal(t)
	run := func(args ...string) (string, error) {
		code, stdout, stderr, _ := runInProcess(t, map[string]string{"BLOG_CONTENT": content}, append([]string{"new-post"}, args...)...)
		if code != 0 {
			return stdout + stderr, fmt.Errorf("exit %d", code)
		}
		return strings.TrimSpace(stdout), nil
	}
	draft, err := run("Charting the Bay & Beyond")
	if err != nil || !regexp.MustCompile(`/posts/\d{14}_charting_the_bay_beyond\.md$`).MatchString(draft) {
		t.Fatalf("new-post = %q, %v", draft, err)
	}
	b, _ := os.ReadFile(draft)
	for _, w := range []string{`title: "Charting the Bay & Beyond"`, `slug: "charting-the-bay-beyond"`, "is_draft: true", "reading_time_minutes:\n"} {
		if !strings.Contains(string(b), w) {
			t.Errorf("draft lacks %q:\n%s", w, b)
		}
	}
	published, err := run("--slug", "night_sailing", "--publish", "Night sailing")
	if err != nil || !strings.HasSuffix(published, "_night_sailing.md") {
		t.Fatalf("new-post --publish = %q, %v", published, err)
	}
	if b, _ := os.ReadFile(published); !strings.Contains(string(b), "is_draft: false") || !strings.Contains(string(b), "published_at: 20") {
		t.Errorf("published post:\n%s", b)
	}
	for _, bad := range [][]string{{}, {"--slug", "Bad Slug", "Title"}, {"--slug", "knots", "Knots again"}, {"!!!"}} {
		if out, err := run(bad...); err == nil {
			t.Errorf("new-post %q succeeded: %s", bad, out)
		}
	}
	// A content folder that is not there yet is made; a file is refused.
	fresh := filepath.Join(t.TempDir(), "my", "content")
	if code, stdout, stderr, _ := runInProcess(t, map[string]string{"BLOG_CONTENT": fresh}, "new-post", "First"); code != 0 ||
		!strings.HasPrefix(strings.TrimSpace(stdout), filepath.Join(fresh, "posts")+string(filepath.Separator)) {
		t.Errorf("new-post into a folder not there yet: exit %d, %q %q", code, stdout, stderr)
	}
	file := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr, _ := runInProcess(t, map[string]string{"BLOG_CONTENT": file}, "new-post", "First"); code == 0 || !strings.Contains(stderr, "not a folder") {
		t.Errorf("new-post into a file: exit %d, %q", code, stderr)
	}
	entries, _ := os.ReadDir(filepath.Join(content, "posts"))
	if len(entries) != 8 {
		t.Errorf("%d posts after the refusals, want the 6 and the 2 new", len(entries))
	}
	base, _ := startOn(t, content, nil)
	if a := fetch(t, base, "/posts/night-sailing", false); a.status != 200 {
		t.Errorf("the published new post = %d", a.status)
	}
	if a := fetch(t, base, "/posts/charting-the-bay-beyond", true); a.status != 200 || !strings.Contains(a.body, "draft-banner") {
		t.Errorf("the new draft for the admin = %d", a.status)
	}
}

// blog serve --watch imports a changed file within a second, reports a
// broken one with its file and line and keeps serving the last good
// content.
func TestServeWatch(t *testing.T) {
	content := copyOriginal(t)
	base, p := startOn(t, content, nil, "--watch")
	file := filepath.Join(content, "posts", "20240410100000_knots.md")
	orig, _ := os.ReadFile(file)

	waitFor := func(what string, ok func() bool) time.Duration {
		t.Helper()
		start := time.Now()
		for time.Since(start) < 5*time.Second {
			if ok() {
				return time.Since(start)
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("%s: not within 5 s\n%s", what, p.log())
		return 0
	}
	changed := strings.Replace(string(orig), "Three knots worth knowing", "Four knots worth knowing", 1)
	if err := os.WriteFile(file, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	took := waitFor("the changed title", func() bool {
		return strings.Contains(fetch(t, base, "/posts/knots", false).body, "Four knots worth knowing")
	})
	if took > time.Second {
		t.Errorf("the change showed after %v, want within a second", took)
	}
	waitFor("the log of the change", func() bool {
		return strings.Contains(p.log(), "content re-imported") && strings.Contains(p.log(), "posts/20240410100000_knots.md")
	})

	broken := strings.Replace(changed, "is_draft: false", "is_draft: maybe", 1)
	if err := os.WriteFile(file, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor("the report of the broken file", func() bool {
		return strings.Contains(p.log(), `posts/20240410100000_knots.md:4: is_draft must be true or false`)
	})
	if a := fetch(t, base, "/posts/knots", false); a.status != 200 || !strings.Contains(a.body, "Four knots worth knowing") {
		t.Errorf("after a broken edit the post = %d, want the last good one", a.status)
	}

	// A new post, in a new file, appears.
	newFile := filepath.Join(content, "posts", "20240601000000_moorings.md")
	if err := os.WriteFile(newFile, []byte("---\ntitle: Moorings\npublished_at: 2024-06-01 00:00:00Z\n---\n\nTied up.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor("the new post", func() bool { return fetch(t, base, "/posts/moorings", false).status == 200 })
	waitFor("the fixed post", func() bool {
		return strings.Contains(fetch(t, base, "/posts/knots", false).body, "Three knots worth knowing")
	})
}
