package web_test

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"blog/content"
	"blog/internal/importer"
	"blog/internal/live"
	"blog/internal/repo"
	"blog/internal/sqlite/sqlitetest"
	"blog/internal/tags"
	"blog/web"
)

// liveEnv is a blog server with the bundled content and a live hub.
type liveEnv struct {
	*contentEnv
	hub *live.Hub
	web *web.Server
	r   *repo.Repo
}

func newLiveEnv(t *testing.T, max int) *liveEnv {
	t.Helper()
	db := sqlitetest.Open(t)
	r := repo.New(db)
	ts := tags.NewService(r)
	importer.Register(r)
	if _, err := importer.Run(context.Background(), r, content.FS); err != nil {
		t.Fatal(err)
	}
	hub := live.NewHub(live.Options{Max: max})
	t.Cleanup(hub.Close)
	s := web.NewServer(web.Deps{Tags: ts, AdminPassword: password,
		Content: web.ContentDeps{DB: db, FS: content.FS}, Live: hub})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &liveEnv{contentEnv: &contentEnv{t: t, srv: srv, db: db, tags: ts}, hub: hub, web: s, r: r}
}

// sse is an open live stream as a browser holds it.
type sse struct {
	resp   *http.Response
	rd     *bufio.Reader
	cancel context.CancelFunc
}

func openLive(t *testing.T, base, path string) (*sse, int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/live?path="+url.QueryEscape(path), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		return nil, resp.StatusCode
	}
	s := &sse{resp: resp, rd: bufio.NewReader(resp.Body), cancel: cancel}
	t.Cleanup(s.close)
	return s, resp.StatusCode
}

func (s *sse) close() { s.cancel(); s.resp.Body.Close() }

// event reads up to the next event called name and returns its data.
func (s *sse) event(t *testing.T, name string) string {
	t.Helper()
	type line struct {
		s   string
		err error
	}
	deadline := time.After(10 * time.Second)
	cur := ""
	for {
		ch := make(chan line, 1)
		go func() { l, err := s.rd.ReadString('\n'); ch <- line{l, err} }()
		var l line
		select {
		case l = <-ch:
		case <-deadline:
			t.Fatalf("no %q event within 10 s", name)
		}
		if l.err != nil {
			t.Fatalf("stream ended before a %q event: %v", name, l.err)
		}
		text := strings.TrimRight(l.s, "\n")
		switch {
		case strings.HasPrefix(text, "event: "):
			cur = strings.TrimPrefix(text, "event: ")
		case strings.HasPrefix(text, "data: ") && cur == name:
			return strings.TrimPrefix(text, "data: ")
		}
	}
}

func TestLiveRefusesBadPaths(t *testing.T) {
	e := newLiveEnv(t, 10)
	for _, path := range []string{
		"",
		"/posts/" + strings.Repeat("a", 300),
		"/posts/no-such-post",
		"/nowhere",
		"/tags/999",
		"/tags/x",
		"posts",
		"//evil.example",
	} {
		r := e.get("/live?path=" + url.QueryEscape(path))
		if r.status != http.StatusBadRequest || r.errorCode(t) != "bad_request" {
			t.Errorf("path %q: status %d %s, want 400 bad_request", path, r.status, r.body)
		}
	}
	r := e.get("/live")
	if r.status != http.StatusBadRequest {
		t.Errorf("no path at all: %d", r.status)
	}
	var c live.Counts
	r = e.get("/api/viewers?path=/")
	r.json(t, &c)
	if c.Site != 0 {
		t.Fatalf("refused streams were counted: %+v", c)
	}
	if r := e.get("/api/viewers"); r.status != http.StatusBadRequest || r.errorCode(t) != "bad_request" {
		t.Fatalf("/api/viewers without a path: %d %s", r.status, r.body)
	}
}

func TestLiveCountsViewers(t *testing.T) {
	e := newLiveEnv(t, 3)
	post := "/posts/how-a-write-finds-the-primary"
	a, _ := openLive(t, e.srv.URL, post)
	if got := a.event(t, "viewers"); got != `{"site":1,"page":1}` {
		t.Fatalf("first viewer sees %s", got)
	}
	b, _ := openLive(t, e.srv.URL, post+"/") // a trailing slash is the same page
	if got := b.event(t, "viewers"); got != `{"site":2,"page":2}` {
		t.Fatalf("second viewer sees %s", got)
	}
	if got := a.event(t, "viewers"); got != `{"site":2,"page":2}` {
		t.Fatalf("first viewer is told %s", got)
	}
	c, _ := openLive(t, e.srv.URL, "/posts")
	c.event(t, "viewers")
	if _, status := openLive(t, e.srv.URL, "/"); status != http.StatusServiceUnavailable {
		t.Fatalf("a fourth stream over BLOG_LIVE_MAX=3: %d, want 503", status)
	}
	var got live.Counts
	e.get("/api/viewers?path="+post).json(t, &got)
	if got != (live.Counts{Site: 3, Page: 2}) {
		t.Fatalf("/api/viewers: %+v, want site 3 page 2", got)
	}
	b.close()
	if got := a.event(t, "viewers"); got != `{"site":2,"page":1}` {
		t.Fatalf("after one left: %s", got)
	}
	if _, status := openLive(t, e.srv.URL, "/"); status != http.StatusOK {
		t.Fatalf("room again after one left: %d", status)
	}
}

func TestLiveSendsPresenceAndContent(t *testing.T) {
	e := newLiveEnv(t, 10)
	if r := e.get("/api/presence"); r.status != 200 || !strings.Contains(r.body, `"connected":false`) || !strings.Contains(r.body, `"spotify":null`) {
		t.Fatalf("/api/presence without a Discord user: %d %s", r.status, r.body)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.hub.WatchContent(ctx, 50*time.Millisecond, e.web.ContentVersion)
	time.Sleep(200 * time.Millisecond) // the first version is where pages start

	s, _ := openLive(t, e.srv.URL, "/")
	s.event(t, "viewers")
	e.hub.SetPresence([]byte(`{"connected":true,"status":"online","activities":[],"spotify":null}`))
	if got := s.event(t, "presence"); !strings.Contains(got, `"online"`) {
		t.Fatalf("presence event %s", got)
	}
	if r := e.get("/api/presence"); !strings.Contains(r.body, `"status":"online"`) {
		t.Fatalf("/api/presence: %s", r.body)
	}
	if _, err := e.tags.Create(context.Background(), "live-test"); err != nil {
		t.Fatal(err)
	}
	if got := s.event(t, "content"); !strings.Contains(got, `"version"`) {
		t.Fatalf("content event %s", got)
	}
}

// TestLiveOutlastsWriteTimeout checks that a stream stays open past the
// server's WriteTimeout, which is meant for ordinary answers.
func TestLiveOutlastsWriteTimeout(t *testing.T) {
	e := newLiveEnv(t, 10)
	srv := httptest.NewUnstartedServer(e.web)
	srv.Config.WriteTimeout = 300 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close) // after the streams close
	s, status := openLive(t, srv.URL, "/")
	if status != http.StatusOK {
		t.Fatalf("open: %d", status)
	}
	s.event(t, "viewers")
	time.Sleep(time.Second)
	other, _ := openLive(t, srv.URL, "/posts")
	other.event(t, "viewers")
	if got := s.event(t, "viewers"); got != `{"site":2,"page":1}` {
		t.Fatalf("after the write timeout the first stream reads %s", got)
	}
}
