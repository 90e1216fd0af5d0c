package web

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"blog/content"
	"blog/internal/repo"
	"blog/internal/sqlite"
	"blog/internal/stamp"
	"blog/internal/tags"
	"blog/migrations"
)

const cachePassword = "s3cret"

// cacheEnv is the real server over a real database with the bundled
// content imported, and the database's path, so that a test can write to
// it from another connection as replication would.
type cacheEnv struct {
	t    *testing.T
	path string
	db   *sql.DB
	s    *Server
	srv  *httptest.Server
}

func newCacheEnv(t *testing.T) *cacheEnv {
	t.Helper()
	return newCacheEnvWith(t, nil)
}

// newCacheEnvWith is newCacheEnv with the page cache told of the
// database's version by v.
func newCacheEnvWith(t *testing.T, v stamp.Changes) *cacheEnv {
	t.Helper()
	rig := NewRig(t, RigOptions{Content: content.FS, AdminPassword: cachePassword, Changes: v})
	return &cacheEnv{t: t, path: rig.Path, db: rig.DB, s: rig.Server, srv: rig.HTTP}
}

type cacheReply struct {
	status int
	header http.Header
	body   string
}

// do sends a request with client c (nil: a new reader without cookies);
// header is name, value, ….
func (e *cacheEnv) do(c *http.Client, method, path, body string, header ...string) cacheReply {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
		if header[i] == "Host" {
			req.Host = header[i+1]
		}
	}
	if c == nil {
		c = &http.Client{}
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return cacheReply{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (e *cacheEnv) get(path string, header ...string) cacheReply {
	e.t.Helper()
	return e.do(nil, "GET", path, "", header...)
}

// api sends a JSON API write as the admin.
func (e *cacheEnv) api(method, path, body string) cacheReply {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth("admin", cachePassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return cacheReply{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// other opens a second connection to the database, as a LiteFS replica's
// database is written by replication and not by the process serving it.
func (e *cacheEnv) other() *sql.DB {
	e.t.Helper()
	db, err := sqlite.Open(e.path, sqlite.Options{})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { db.Close() })
	return db
}

func (e *cacheEnv) tagID(label string) int64 {
	e.t.Helper()
	var id int64
	if err := e.db.QueryRow(`SELECT id FROM tags WHERE label = ?`, label).Scan(&id); err != nil {
		e.t.Fatalf("tag %q: %v", label, err)
	}
	return id
}

// kept reports whether the cache holds a page for path.
func (e *cacheEnv) kept(path string) bool {
	u, _ := url.Parse(e.srv.URL)
	pc := e.s.cache
	pc.mu.RLock()
	defer pc.mu.RUnlock()
	_, ok := pc.pages["http://"+u.Host+path]
	return ok
}

// want checks that GET path answers 200 with every string of has and none
// of hasNot, twice: the second answer comes from the cache.
func (e *cacheEnv) want(path string, has, hasNot []string) {
	e.t.Helper()
	for range 2 {
		r := e.get(path)
		if r.status != 200 {
			e.t.Fatalf("GET %s = %d", path, r.status)
		}
		for _, s := range has {
			if !strings.Contains(r.body, s) {
				e.t.Errorf("GET %s lacks %q", path, s)
			}
		}
		for _, s := range hasNot {
			if strings.Contains(r.body, s) {
				e.t.Errorf("GET %s still shows %q", path, s)
			}
		}
	}
	if !e.kept(path) {
		e.t.Errorf("GET %s was not kept in the cache", path)
	}
}

// createdTagID finds the id in the API's answer to a create.
var createdTagID = regexp.MustCompile(`"id":(\d+)`)

// tagLink is how the tag pages link a tag.
func tagLink(id int64, label string) string {
	return fmt.Sprintf(`href="/tags/%d">%s<`, id, label)
}

// postTagLink is how a post links one of its tags: to the posts filed
// under it.
func postTagLink(label string) string {
	return fmt.Sprintf(`href="/posts?tags=%s">%s<`, url.QueryEscape(label), label)
}

// The pages are served from memory while the content stamp stays the
// same, whatever the tables say: the stamp alone decides. (Here the stamp
// is put back by hand behind the cache's back, which no real write does.)
func TestPageCacheServesFromMemory(t *testing.T) {
	e := newCacheEnv(t)
	id := e.tagID("litefs")
	e.want("/tags", []string{tagLink(id, "litefs")}, nil)
	e.want(primaryPostPath, []string{postTagLink("litefs")}, nil)

	other := e.other()
	tx, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	var version int64
	var changed string
	if err := tx.QueryRow(`SELECT version, changed_at FROM content_changes`).Scan(&version, &changed); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`UPDATE tags SET label = 'unseen' WHERE label = 'litefs'`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`UPDATE content_changes SET version = ?, changed_at = ?`, version, changed); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	e.want("/tags", []string{tagLink(id, "litefs")}, []string{"unseen"})
	e.want(primaryPostPath, []string{postTagLink("litefs")}, []string{"unseen"})

	// Once the stamp moves on, the pages are rendered afresh.
	if _, err := other.Exec(`UPDATE content_changes SET version = version + 1`); err != nil {
		t.Fatal(err)
	}
	e.want("/tags", []string{tagLink(id, "unseen")}, []string{tagLink(id, "litefs")})
	e.want(primaryPostPath, []string{postTagLink("unseen")}, []string{postTagLink("litefs")})
}

const primaryPostPath = "/posts/how-a-write-finds-the-primary"

// A tag created, renamed and deleted through the API shows on the next
// page, though the pages were kept just before.
func TestPageCacheSeesAPIWrites(t *testing.T) {
	e := newCacheEnv(t)
	e.want("/tags", nil, []string{"Caching"})

	r := e.api("POST", "/api/tags", `{"label":"Caching"}`)
	m := createdTagID.FindStringSubmatch(r.body)
	if r.status != 201 || m == nil {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	page := "/tags/" + m[1]
	e.want("/tags", []string{`href="` + page + `">Caching<`}, nil)
	e.want(page, []string{`<span id="tag-label">Caching</span>`}, nil)

	if r := e.api("PATCH", "/api/tags/"+m[1], `{"label":"Page cache"}`); r.status != 200 {
		t.Fatalf("rename: %d %s", r.status, r.body)
	}
	e.want("/tags", []string{`href="` + page + `">Page cache<`}, []string{"Caching"})
	e.want(page, []string{`<span id="tag-label">Page cache</span>`}, []string{"Caching"})

	// A tag's rename shows on the pages of what is filed under it.
	litefs := e.tagID("litefs")
	e.want(primaryPostPath, []string{postTagLink("litefs")}, nil)
	if r := e.api("PATCH", fmt.Sprintf("/api/tags/%d", litefs), `{"label":"LiteFS cluster"}`); r.status != 200 {
		t.Fatalf("rename: %d %s", r.status, r.body)
	}
	e.want(primaryPostPath, []string{postTagLink("LiteFS cluster")}, []string{postTagLink("litefs")})

	if r := e.api("DELETE", "/api/tags/"+m[1], ""); r.status != 204 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	e.want("/tags", nil, []string{"Page cache", page})
	for range 2 {
		if r := e.get(page); r.status != 404 {
			t.Fatalf("GET %s after the delete = %d", page, r.status)
		}
	}
	if e.kept(page) {
		t.Errorf("the 404 page of %s was kept", page)
	}
}

// Writes that another connection makes, as replication does on a LiteFS
// replica, show on the next page: to tags, posts, projects and the tables
// that link them.
func TestPageCacheSeesWritesOfAnotherConnection(t *testing.T) {
	e := newCacheEnv(t)
	goID := e.tagID("go")
	goPage := fmt.Sprintf("/tags/%d", goID)
	e.want("/tags", nil, []string{"replicated"})
	e.want(goPage, []string{`<span id="tag-label">go</span>`, primaryPostPath}, nil)
	e.want(primaryPostPath, []string{postTagLink("go"), "How a write finds the primary"}, nil)
	e.want("/projects", []string{"A FUSE file system"}, nil)

	other := e.other()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := other.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO tags (label, created_at, updated_at) VALUES ('replicated', 'x', 'x')`)
	e.want("/tags", []string{tagLink(e.tagID("replicated"), "replicated")}, nil)

	exec(`UPDATE tags SET label = 'golang' WHERE label = 'go'`)
	e.want(goPage, []string{`<span id="tag-label">golang</span>`}, []string{`<span id="tag-label">go</span>`})
	e.want(primaryPostPath, []string{postTagLink("golang")}, []string{postTagLink("go")})

	// Only the link between the post and the tag goes.
	exec(`DELETE FROM post_tags WHERE tag_id = ? AND post_id = (SELECT id FROM posts WHERE slug = 'how-a-write-finds-the-primary')`, goID)
	e.want(goPage, nil, []string{primaryPostPath})
	e.want(primaryPostPath, nil, []string{postTagLink("golang")})

	exec(`UPDATE posts SET title = 'Where writes go' WHERE slug = 'how-a-write-finds-the-primary'`)
	e.want(primaryPostPath, []string{"Where writes go"}, []string{"How a write finds the primary"})

	exec(`UPDATE projects SET description = 'Replicates SQLite.' WHERE name = 'LiteFS'`)
	e.want("/projects", []string{"Replicates SQLite."}, []string{"A FUSE file system"})

	exec(`DELETE FROM tags WHERE label = 'replicated'`)
	e.want("/tags", nil, []string{"replicated"})
}

// Readers racing a writer never get a page older than a write that had
// returned before they asked, and every answer is a whole page.
func TestPageCacheUnderConcurrentWrites(t *testing.T) {
	e := newCacheEnv(t)
	id := e.tagID("litefs")
	page := fmt.Sprintf("/tags/%d", id)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, p := range []string{"/tags", page, primaryPostPath} {
					resp, err := http.Get(e.srv.URL + p)
					if err != nil {
						t.Error(err)
						return
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 || !strings.HasSuffix(strings.TrimSpace(string(b)), "</html>") {
						t.Errorf("GET %s = %d, %d bytes", p, resp.StatusCode, len(b))
						return
					}
				}
			}
		})
	}
	for i := range 20 {
		label := fmt.Sprintf("litefs %d", i)
		if r := e.api("PATCH", fmt.Sprintf("/api/tags/%d", id), `{"label":"`+label+`"}`); r.status != 200 {
			t.Fatalf("rename: %d %s", r.status, r.body)
		}
		for path, want := range map[string]string{"/tags": tagLink(id, label), primaryPostPath: postTagLink(label),
			page: `<span id="tag-label">` + label + `</span>`} {
			if r := e.get(path); r.status != 200 || !strings.Contains(r.body, want) {
				t.Errorf("GET %s after rename %d: %d, lacks %q", path, i, r.status, want)
			}
		}
	}
	close(stop)
	wg.Wait()
}

// ETags and Last-Modified work as before the cache, and the tag pages have
// them too; an ETag changes when the page's content does.
func TestPageCacheConditionalRequests(t *testing.T) {
	e := newCacheEnv(t)
	for _, path := range []string{primaryPostPath, "/tags", "/rss.xml"} {
		t.Run(path, func(t *testing.T) {
			r := e.get(path)
			etag, mod := r.header.Get("ETag"), r.header.Get("Last-Modified")
			if r.status != 200 || etag == "" || mod == "" || !strings.Contains(r.header.Get("Cache-Control"), "no-cache") {
				t.Fatalf("GET %s = %d, ETag %q, Last-Modified %q, Cache-Control %q", path, r.status, etag, mod, r.header.Get("Cache-Control"))
			}
			if n, _ := strconv.Atoi(r.header.Get("Content-Length")); n != len(r.body) {
				t.Errorf("Content-Length %q for %d bytes", r.header.Get("Content-Length"), len(r.body))
			}
			if r := e.get(path, "If-None-Match", etag); r.status != 304 || r.body != "" {
				t.Errorf("If-None-Match its ETag = %d", r.status)
			}
			if r := e.get(path, "If-Modified-Since", mod); r.status != 304 {
				t.Errorf("If-Modified-Since its Last-Modified = %d", r.status)
			}

			if r := e.api("PATCH", fmt.Sprintf("/api/tags/%d", e.tagID("litefs")), `{"label":"litefs `+path+`"}`); r.status != 200 {
				t.Fatalf("rename: %d %s", r.status, r.body)
			}
			after := e.get(path, "If-None-Match", etag)
			if after.status != 200 || !strings.Contains(after.body, "litefs "+path) {
				t.Fatalf("after a rename, If-None-Match the old ETag = %d", after.status)
			}
			if after.header.Get("ETag") == etag {
				t.Errorf("the ETag did not change with the page")
			}
			if r := e.get(path, "If-None-Match", after.header.Get("ETag")); r.status != 304 {
				t.Errorf("If-None-Match the new ETag = %d", r.status)
			}
			if r := e.api("PATCH", fmt.Sprintf("/api/tags/%d", e.tagID("litefs "+path)), `{"label":"litefs"}`); r.status != 200 {
				t.Fatalf("rename back: %d %s", r.status, r.body)
			}
		})
	}
}

var cachedCSRFInput = regexp.MustCompile(`name="_csrf" value="([^"]*)"`)

// A tag's page shows its Rename and Delete form to the admin only. The
// admin's page carries their own CSRF token and is never kept in the page
// cache nor answered from it; readers get the cached page without the
// controls, and never the admin's.
func TestPageCacheNeverKeepsAdminViews(t *testing.T) {
	e := newCacheEnv(t)
	e.api("POST", "/api/tags", `{"label":"doomed"}`)
	page := fmt.Sprintf("/tags/%d", e.tagID("doomed"))
	admin := []string{"Authorization", basicAuth(cachePassword)}

	type reader struct {
		c     *http.Client
		token string
	}
	readers := make([]*reader, 2)
	for i := range readers {
		jar, _ := cookiejar.New(nil)
		rd := &reader{c: &http.Client{Jar: jar}}
		r := e.do(rd.c, "GET", page, "", admin...)
		m := cachedCSRFInput.FindStringSubmatch(r.body)
		if r.status != 200 || m == nil || !strings.Contains(r.body, ">Delete</button>") {
			t.Fatalf("admin %d: %d, no delete form with a token", i, r.status)
		}
		u, _ := url.Parse(e.srv.URL)
		var cookie string
		for _, ck := range jar.Cookies(u) {
			if ck.Name == csrfCookie {
				cookie = ck.Value
			}
		}
		if m[1] != cookie || cookie == "" {
			t.Fatalf("admin %d: the form's token %q is not their cookie %q", i, m[1], cookie)
		}
		if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("admin %d: Cache-Control %q, want no-store", i, cc)
		}
		rd.token = m[1]
		readers[i] = rd
	}
	if readers[0].token == readers[1].token {
		t.Fatal("two admin sessions share a token")
	}
	if e.kept(page) {
		t.Fatal("the admin's page was kept in the cache")
	}

	// A reader gets the page without controls, from the cache the second time.
	for range 2 {
		r := e.get(page)
		if r.status != 200 || strings.Contains(r.body, ">Delete</button>") || strings.Contains(r.body, `name="_csrf"`) {
			t.Fatalf("reader: %d, shows the admin's controls", r.status)
		}
		if !strings.Contains(r.body, "sign in to edit") {
			t.Error("the reader is not offered to sign in")
		}
	}
	if !e.kept(page) {
		t.Fatal("the reader's page was not kept")
	}
	// With the reader's page in the cache, the admin still gets their own.
	a := readers[0]
	r := e.do(a.c, "GET", page, "", admin...)
	if !strings.Contains(r.body, ">Delete</button>") || !strings.Contains(r.body, a.token) {
		t.Fatal("the admin was answered with the reader's page from the cache")
	}

	// The admin's token is the one that works.
	r = e.do(a.c, "POST", page+"/delete", url.Values{"_csrf": {a.token}}.Encode(),
		"Content-Type", "application/x-www-form-urlencoded", "Authorization", basicAuth(cachePassword))
	if r.status != http.StatusSeeOther {
		t.Fatalf("delete with the admin's token: %d", r.status)
	}
	if r := e.get(page); r.status != 404 {
		t.Errorf("GET %s after the delete = %d", page, r.status)
	}
}

func basicAuth(password string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth("admin", password)
	return req.Header.Get("Authorization")
}

// HEAD answers from the cache without a body, and a page first asked for
// with HEAD is kept whole.
func TestPageCacheHead(t *testing.T) {
	e := newCacheEnv(t)
	for _, path := range []string{"/tags", primaryPostPath} {
		head := e.do(nil, "HEAD", path, "")
		if head.status != 200 || head.body != "" || head.header.Get("ETag") == "" {
			t.Fatalf("HEAD %s: %d, %d bytes, ETag %q", path, head.status, len(head.body), head.header.Get("ETag"))
		}
		get := e.get(path)
		if get.status != 200 || !strings.HasSuffix(strings.TrimSpace(get.body), "</html>") || get.header.Get("ETag") != head.header.Get("ETag") {
			t.Fatalf("GET %s after HEAD: %d, ETag %q", path, get.status, get.header.Get("ETag"))
		}
		if head := e.do(nil, "HEAD", path, ""); head.status != 200 || head.body != "" || head.header.Get("Content-Length") != strconv.Itoa(len(get.body)) {
			t.Fatalf("HEAD %s from the cache: %d, %d bytes, Content-Length %q", path, head.status, len(head.body), head.header.Get("Content-Length"))
		}
	}
}

// The cache never holds more pages or bytes than its bounds, however many
// distinct addresses are asked for, and keeps serving right pages.
func TestPageCacheBounds(t *testing.T) {
	t.Run("put", func(t *testing.T) {
		pc := newPageCache(nil, time.Now())
		pc.maxBytes, pc.maxPages = 16*1000, 50
		st := stamp.Stamp{Version: 1}
		page := func(size int) *cachedPage { return &cachedPage{parts: [][]byte{make([]byte, size)}, size: size} }
		check := func() {
			t.Helper()
			sum := 0
			for k, p := range pc.pages {
				sum += p.size + len(k) + pageOverhead
			}
			if len(pc.pages) > pc.maxPages || pc.bytes > pc.maxBytes || pc.bytes != sum {
				t.Fatalf("%d pages, %d bytes counted, %d held; bounds %d pages, %d bytes", len(pc.pages), pc.bytes, sum, pc.maxPages, pc.maxBytes)
			}
		}
		for i := range 50 {
			pc.put(st, fmt.Sprint("small", i), page(10))
			check()
		}
		for i := range 50 {
			pc.put(st, fmt.Sprint("large", i), page(400))
			check()
			if pc.get(st, fmt.Sprint("large", i)) == nil {
				t.Fatalf("the page just kept is gone")
			}
		}
		pc.put(st, "large0", page(50)) // replaced, not counted twice
		check()
		pc.put(st, "huge", page(pc.maxBytes/16-pageOverhead))
		if pc.get(st, "huge") != nil {
			t.Errorf("a page over a sixteenth of the bound was kept")
		}
		next := stamp.Stamp{Version: 2}
		pc.put(next, "new", page(10))
		check()
		if len(pc.pages) != 1 || pc.get(st, "large49") != nil || pc.get(next, "new") == nil {
			t.Errorf("a new stamp left %d pages", len(pc.pages))
		}
	})

	t.Run("server", func(t *testing.T) {
		e := newCacheEnv(t)
		pc := e.s.cache
		pc.maxPages = 4
		pc.maxBytes = 16 * 20000
		for i := range 30 {
			path := fmt.Sprintf("/search?q=sqlite+%d", i)
			if i%3 == 0 {
				path = "/tags"
			}
			r := e.get(path)
			if r.status != 200 || !strings.Contains(r.body, "</html>") {
				t.Fatalf("GET %s = %d", path, r.status)
			}
			pc.mu.RLock()
			n, size := len(pc.pages), pc.bytes
			pc.mu.RUnlock()
			if n > pc.maxPages || size > pc.maxBytes {
				t.Fatalf("after GET %s: %d pages, %d bytes", path, n, size)
			}
		}
	})
}

// Error pages and redirects are never kept.
func TestPageCacheKeepsOnlyPages(t *testing.T) {
	e := newCacheEnv(t)
	for _, path := range []string{"/tags/999", "/tags/x", "/posts/no-such-post"} {
		for range 2 {
			if r := e.get(path); r.status != 404 || !strings.Contains(r.body, "<html") {
				t.Fatalf("GET %s = %d, want the 404 page", path, r.status)
			}
		}
		if e.kept(path) {
			t.Errorf("the 404 page of %s was kept", path)
		}
	}
	if _, err := e.db.Exec(`INSERT INTO post_permalinks (path, post_id) SELECT '/posts/old-name', id FROM posts LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if r := e.get("/posts/old-name"); r.status != http.StatusMovedPermanently {
			t.Fatalf("GET of a moved post = %d", r.status)
		}
	}
	if e.kept("/posts/old-name") {
		t.Errorf("the redirect of a moved post was kept")
	}
	// The pages themselves are.
	e.want(primaryPostPath, nil, nil)
}

// A database whose schema is behind the binary (as on a replica waiting
// for the primary to migrate) has no stamp to read: the pages it can show
// are rendered afresh every time, without the cache.
func TestPageCacheWithoutStamp(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "blog.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	ts := tags.NewService(repo.New(db))
	var logged bytes.Buffer
	s := NewServer(Deps{Tags: ts, AdminPassword: cachePassword, Log: slog.New(slog.NewTextHandler(&logged, nil))})
	srv := httptest.NewServer(s)
	defer srv.Close()
	for _, label := range []string{"first", "second"} {
		if _, err := ts.Create(context.Background(), label); err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(srv.URL + "/tags")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), ">"+label+"<") {
			t.Fatalf("GET /tags without a stamp: %d, lacks %q", resp.StatusCode, label)
		}
	}
	if n := len(s.cache.pages); n != 0 {
		t.Errorf("%d pages kept without a stamp", n)
	}
	if n := strings.Count(logged.String(), "page cache off"); n != 1 {
		t.Errorf("the cache going off was logged %d times:\n%s", n, logged.String())
	}
}

// A page is kept under the parameters it reads only, so a reader cannot
// fill the cache with one page under endless addresses; long and odd
// addresses are answered but never kept.
func TestPageCacheKeys(t *testing.T) {
	e := newCacheEnv(t)
	pc := e.s.cache
	count := func() int {
		pc.mu.RLock()
		defer pc.mu.RUnlock()
		return len(pc.pages)
	}
	first := e.get("/posts?q=sqlite")
	if first.status != 200 || !e.kept("/posts?q=sqlite") {
		t.Fatalf("GET /posts?q=sqlite = %d, kept %v", first.status, e.kept("/posts?q=sqlite"))
	}
	n := count()
	for i := range 50 {
		path := fmt.Sprintf("/posts?n=%d&q=sqlite&pad=%s&utm_source=x%d", i, strings.Repeat("p", 1000), i)
		r := e.get(path)
		if r.status != 200 || r.body != first.body {
			t.Fatalf("GET %s = %d, not the page of /posts?q=sqlite", path[:40], r.status)
		}
	}
	if count() != n {
		t.Fatalf("parameters the page does not read made %d pages more", count()-n)
	}

	for _, tc := range []struct {
		name, path string
		header     []string
	}{
		{"long search", "/posts?q=" + strings.Repeat("w", maxPageKey), nil},
		{"odd host", "/posts?q=odd", []string{"Host", "a_b.example"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := count()
			for range 2 {
				if r := e.get(tc.path, tc.header...); r.status != 200 || !strings.Contains(r.body, "</html>") {
					t.Fatalf("GET = %d, want the page", r.status)
				}
			}
			if count() != before {
				t.Fatalf("the page was kept")
			}
		})
	}
	// The scheme a client claims is not believed: the feed's links, kept
	// for every reader, stay on the scheme the node was reached by.
	if r := e.get("/rss.xml", "X-Forwarded-Proto", "javascript"); r.status != 200 || strings.Contains(r.body, "javascript://") {
		t.Fatalf("GET /rss.xml with a forged scheme = %d, links on it: %v", r.status, strings.Contains(r.body, "javascript://"))
	}
}

// fakeVersion is a stamp.Changes moved on by hand, as LiteFS's tx events
// do; the page cache does not wait on Changed.
type fakeVersion struct {
	v  atomic.Uint64
	ok atomic.Bool
}

func (f *fakeVersion) Version() (uint64, bool)  { return f.v.Load(), f.ok.Load() }
func (f *fakeVersion) Changed() <-chan struct{} { return nil }

// With the database's version known, the stamp is read only when it moves
// on: a write the version does not tell of stays unseen (which shows that
// the cached page cost no query), and is seen as soon as it is told of,
// or as soon as the version is unknown.
func TestPageCacheReadsTheStampOnlyAtANewVersion(t *testing.T) {
	v := &fakeVersion{}
	v.ok.Store(true)
	e := newCacheEnvWith(t, v)
	e.want("/tags", nil, []string{"replicated"})

	other := e.other()
	if _, err := other.Exec(`INSERT INTO tags (label, created_at, updated_at) VALUES ('replicated', 'x', 'x')`); err != nil {
		t.Fatal(err)
	}
	if r := e.get("/tags"); strings.Contains(r.body, "replicated") {
		t.Fatal("the stamp was read although the version had not moved on")
	}
	v.v.Add(1) // the tx event
	e.want("/tags", []string{tagLink(e.tagID("replicated"), "replicated")}, nil)

	if _, err := other.Exec(`UPDATE tags SET label = 'renamed' WHERE label = 'replicated'`); err != nil {
		t.Fatal(err)
	}
	v.ok.Store(false) // the stream broke: every request reads the stamp
	id := e.tagID("renamed")
	e.want("/tags", []string{tagLink(id, "renamed")}, []string{tagLink(id, "replicated")})
	if _, err := other.Exec(`UPDATE tags SET label = 'again' WHERE label = 'renamed'`); err != nil {
		t.Fatal(err)
	}
	// Back with the same version number as before the break: the stamp
	// read while it was down is not taken for the version's.
	v.ok.Store(true)
	e.want("/tags", []string{tagLink(id, "again")}, []string{tagLink(id, "renamed")})
}

// A reader is sent a CSRF cookie only with a page that shows a form: the
// lists and the tag pages, kept in the cache and public, send none, and
// cost no token; the form to create a tag sends one, the token of its
// hidden input.
func TestOnlyFormsSendACSRFCookie(t *testing.T) {
	e := newCacheEnv(t)
	for _, path := range []string{"/tags", fmt.Sprintf("/tags/%d", e.tagID("litefs")), "/posts", "/"} {
		for range 2 { // rendered, then from the cache
			r := e.get(path)
			if r.status != 200 || r.header.Get("Set-Cookie") != "" {
				t.Fatalf("GET %s: %d, Set-Cookie %q; want no cookie for a page without a form", path, r.status, r.header.Get("Set-Cookie"))
			}
			if cc := r.header.Get("Cache-Control"); cc != "public, no-cache" {
				t.Errorf("GET %s: Cache-Control %q, want public", path, cc)
			}
		}
	}
	r := e.get("/tags/new")
	m := cachedCSRFInput.FindStringSubmatch(r.body)
	if r.status != 200 || m == nil || !strings.Contains(r.header.Get("Set-Cookie"), csrfCookie+"="+m[1]) {
		t.Fatalf("GET /tags/new: %d, Set-Cookie %q; want the form's token in a cookie", r.status, r.header.Get("Set-Cookie"))
	}
}
