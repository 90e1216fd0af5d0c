package web_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"blog/content"
	"blog/internal/live"
	"blog/internal/repo"
	"blog/web"
)

// liveEnv is a blog server with the bundled content and a live hub.
type liveEnv struct {
	*contentEnv
	hub *live.Hub
	web *web.Server
	r   *repo.Repo
	rig *web.Rig
}

func newLiveEnv(t *testing.T, max int) *liveEnv {
	t.Helper()
	rig := web.NewRig(t, web.RigOptions{Content: content.FS, AdminPassword: password, LiveMax: max})
	return &liveEnv{contentEnv: &contentEnv{t: t, srv: rig.HTTP, db: rig.DB, tags: rig.Tags},
		hub: rig.Hub, web: rig.Server, r: rig.Repo, rig: rig}
}

// followContent tells the hub of every change of the content until ctx
// ends, as cmd/blog does.
func (e *liveEnv) followContent(ctx context.Context) { e.rig.FollowContent(ctx) }

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
	e.followContent(ctx)
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

// viewers reads the site's and a page's counts from /api/viewers.
func (e *liveEnv) viewers(path string) live.Counts {
	e.t.Helper()
	var c live.Counts
	e.get("/api/viewers?path="+url.QueryEscape(path)).json(e.t, &c)
	return c
}

// waitSite waits until the site counts want open streams.
func (e *liveEnv) waitSite(want int) {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for e.viewers("/").Site != want {
		if time.Now().After(deadline) {
			e.t.Fatalf("site counts %d streams after 5 s, want %d", e.viewers("/").Site, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Defect: a HEAD /live with a declared body, then a hang-up, held a
// stream for ever (a HEAD's writes never fail, and an unread body keeps
// net/http from noticing the client left): 5,000 one-shot requests locked
// every reader out. Now /live answers GET alone and takes no body.
func TestLiveAnswersOnlyABodilessGET(t *testing.T) {
	e := newLiveEnv(t, 10)
	for _, tc := range []struct {
		name, request string
		status        int
	}{
		{"HEAD with a body", "HEAD /live?path=/ HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx", 405},
		{"HEAD", "HEAD /live?path=/ HTTP/1.1\r\nHost: x\r\n\r\n", 405},
		{"GET with a body", "GET /live?path=/ HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx", 400},
		{"GET with a chunked body", "GET /live?path=/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n", 400},
		{"POST", "POST /live?path=/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405},
	} {
		conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(conn, tc.request); err != nil {
			t.Fatal(err)
		}
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		method, _, _ := strings.Cut(tc.request, " ")
		res, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if res.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, res.StatusCode, tc.status)
		}
		if allow := res.Header.Get("Allow"); tc.status == 405 && (!strings.Contains(allow, "GET") || strings.Contains(allow, "HEAD")) {
			t.Errorf("%s: Allow %q, want GET and not HEAD", tc.name, allow)
		}
		conn.Close()
	}
	// The attack: a declared body never sent, and a hang-up.
	for i := 0; i < 20; i++ {
		conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(conn, "HEAD /live?path=/ HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n")
		conn.Close()
	}
	time.Sleep(300 * time.Millisecond)
	if c := e.viewers("/"); c.Site != 0 {
		t.Fatalf("refused requests hold %d streams", c.Site)
	}
}

// A reader that hangs up ends its stream at once.
func TestLiveEndsWhenTheReaderHangsUp(t *testing.T) {
	e := newLiveEnv(t, 10)
	conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, "GET /live?path=/posts HTTP/1.1\r\nHost: x\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("open: %v %v", res, err)
	}
	e.waitSite(1)
	conn.Close()
	e.waitSite(0)
}

// Defect: there was no limit per client, so one address could take every
// stream. Now it holds at most its share, and other addresses still open.
func TestLiveLimitsStreamsPerClient(t *testing.T) {
	e := newLiveEnv(t, 200)
	share := live.DefaultPerClient(200)
	for i := 0; i < share; i++ {
		if _, status := openLive(t, e.srv.URL, "/"); status != 200 {
			t.Fatalf("stream %d of the client's share of %d: %d", i+1, share, status)
		}
	}
	r := e.get("/live?path=/")
	if r.status != http.StatusTooManyRequests || r.errorCode(t) != "too_many_requests" || r.header.Get("Retry-After") == "" {
		t.Fatalf("a stream over the client's share: %d %s, Retry-After %q; want 429 too_many_requests",
			r.status, r.body, r.header.Get("Retry-After"))
	}
	// Another address (127.0.0.2 reaches the server on 127.0.0.1) is
	// still welcome.
	other := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{
		LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}).DialContext}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/live?path=/", nil)
	res, err := other.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("another address is refused: %d", res.StatusCode)
	}
	e.waitSite(share + 1)
}

// Every reader of a page is counted under its one canonical path.
func TestLiveCountsCanonicalPaths(t *testing.T) {
	e := newLiveEnv(t, 10)
	id := e.tagID("litefs")
	for _, alias := range []string{
		"/tags/0" + strconv.FormatInt(id, 10),
		"/tags/+" + strconv.FormatInt(id, 10),
		"/posts/../tags/" + strconv.FormatInt(id, 10) + "/",
	} {
		if _, status := openLive(t, e.srv.URL, alias); status != 200 {
			t.Fatalf("open %s: %d", alias, status)
		}
	}
	e.waitSite(3)
	if c := e.viewers(tagPage(id)); c.Page != 3 {
		t.Fatalf("%s counts %d readers, want the 3 who opened it by other spellings", tagPage(id), c.Page)
	}
}
