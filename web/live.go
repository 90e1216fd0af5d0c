package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	pathpkg "path"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"blog"
	"blog/internal/live"
)

// liveStreams answers the live stream of an open page (GET /live) and the
// JSON views of what it sends.
type liveStreams struct {
	hub   *live.Hub
	pages *pageFinder // the pages a stream may follow (routes.go)
	// stop is closed when the server shuts down, ending every stream.
	stop                    <-chan struct{}
	heartbeat, writeTimeout time.Duration
}

// Timings of a live stream.
const (
	// heartbeat is how often an idle stream sends a comment, so that
	// proxies and the browser keep it open, and a reader that left is
	// noticed by a failed write.
	heartbeat = 15 * time.Second
	// liveWriteTimeout is how long one message may take to be taken by
	// the client: a reader that stops reading is dropped, not buffered for.
	liveWriteTimeout = 10 * time.Second
)

// handleLive holds a Server-Sent Events stream open for a page: one viewer
// of that page while it lasts. It sends the viewer counts, the presence
// and "content" when the content changed, whenever they do, and "refresh"
// as often as the page's route asks (routes.go).
//
// A stream outlives the server's deadlines (limits.go), so it must end by
// itself when its reader goes: it answers GET alone (a HEAD's writes are
// discarded and would never fail), takes no body (net/http notices a
// client hanging up only once the body is read), writes every message
// within liveWriteTimeout, and counts against its client's share of the
// node's streams (live.DefaultPerClient).
func (l *liveStreams) stream(c echo.Context) error {
	r := c.Request()
	if r.ContentLength != 0 || len(r.TransferEncoding) > 0 {
		return blog.Errorf(blog.EBADREQUEST, "a live stream takes no request body")
	}
	path, err := l.page(r.Context(), c.QueryParam("path"))
	if err != nil {
		return err
	}
	st, err := l.hub.Open(path, clientKey(c.RealIP()))
	switch {
	case errors.Is(err, live.ErrClientFull):
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(l.heartbeat.Seconds())))
		return blog.Errorf(blog.ETOOMANY, "your address holds as many live pages as it may; the page works without")
	case errors.Is(err, live.ErrFull) || errors.Is(err, live.ErrClosed):
		return blog.Errorf(blog.EUNAVAILABLE, "this node holds as many live pages as it may; the page works without")
	case err != nil:
		return err
	}
	defer st.Close()
	out := l.open(c.Response())
	if err := out.events(st); err != nil {
		return nil
	}
	l.follow(r.Context(), st, out, l.pages.refreshEvery(r.Context(), path))
	return nil
}

// follow sends the stream what it is woken for, a heartbeat when it is
// idle, and, for a page declared with a refresh, a refresh event that
// often, until the reader goes, a write fails, or the server stops.
func (l *liveStreams) follow(ctx context.Context, st *live.Stream, out *sseWriter, every time.Duration) {
	tick := time.NewTicker(l.heartbeat)
	defer tick.Stop()
	var refresh <-chan time.Time
	if every > 0 {
		t := time.NewTicker(every)
		defer t.Stop()
		refresh = t.C
	}
	for {
		var err error
		select {
		case <-refresh:
			err = out.send("event: refresh\ndata: {}\n\n")
		case <-ctx.Done():
			return
		case <-l.stop:
			return
		case _, ok := <-st.Wake():
			if !ok {
				return // the hub stopped
			}
			err = out.events(st)
		case <-tick.C:
			err = out.send(": ping\n\n")
		}
		if err != nil {
			return
		}
	}
}

// sseWriter writes a stream's messages, each within its deadline.
type sseWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	buf     bytes.Buffer
}

// open starts the stream's answer: neither deadline the server sets for
// ordinary requests applies to the stream as a whole; each write sets its
// own.
func (l *liveStreams) open(w *echo.Response) *sseWriter {
	_ = streamWithoutDeadlines(w)
	h := w.Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set(echo.HeaderCacheControl, "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	return &sseWriter{w: w, rc: http.NewResponseController(w), timeout: l.writeTimeout}
}

// events sends what the stream has not sent yet.
func (o *sseWriter) events(st *live.Stream) error {
	for _, ev := range st.Next() {
		fmt.Fprintf(&o.buf, "event: %s\ndata: %s\n\n", ev.Name, ev.Data)
	}
	return o.send("")
}

// send writes msg after what is held, and flushes it, within the timeout:
// a reader that stops reading is dropped, not buffered for.
func (o *sseWriter) send(msg string) error {
	o.buf.WriteString(msg)
	if err := o.rc.SetWriteDeadline(time.Now().Add(o.timeout)); err != nil {
		return err
	}
	if _, err := o.w.Write(o.buf.Bytes()); err != nil {
		return err
	}
	o.buf.Reset()
	return o.rc.Flush()
}

// clientKey is what a client's streams are counted under: its address,
// and for IPv6 its /64, which one machine or household is handed whole.
func clientKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil || a.Is4() {
		return addr
	}
	p, err := a.Prefix(64)
	if err != nil {
		return addr
	}
	return p.String()
}

// viewers answers the viewer counts of the deployment and of a page:
// {"site":N,"page":M}. A page's readers are counted under its canonical
// path; any other path has none.
func (l *liveStreams) viewers(c echo.Context) error {
	path, err := livePath(c.QueryParam("path"))
	if err != nil {
		return err
	}
	if canon, ok, _ := l.pages.find(c.Request().Context(), path); ok {
		path = canon
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, l.hub.Counts(path))
}

// presence answers the author's presence, as the pages show it.
func (l *liveStreams) presence(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	data := l.hub.Presence()
	if data == nil {
		data = []byte(`{"enabled":false,"connected":false,"status":"offline","activities":[],"spotify":null}`)
	}
	return c.JSONBlob(http.StatusOK, data)
}

// livePath checks the path a page says it has: present, absolute and not
// longer than live.MaxPath; it is returned cleaned (no dot segments, no
// trailing slash).
func livePath(p string) (string, error) {
	switch {
	case p == "":
		return "", blog.Errorf(blog.EBADREQUEST, "path is missing: /live?path=/posts/some-post")
	case len(p) > live.MaxPath:
		return "", blog.Errorf(blog.EBADREQUEST, "path is longer than %d bytes", live.MaxPath)
	case p[0] != '/' || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "?#\x00\r\n"):
		return "", blog.Errorf(blog.EBADREQUEST, "path must be a page's path, such as /posts/some-post")
	}
	return pathpkg.Clean(p), nil
}

// page returns the canonical path of the page a stream names, so that no
// one can count viewers of addresses that are not pages, and every reader
// of one page is counted under one path (/tags/01 is /tags/1, /posts/a_b
// is /posts/a-b). Only routes declared with a live stream answer.
func (l *liveStreams) page(ctx context.Context, p string) (string, error) {
	path, err := livePath(p)
	if err != nil {
		return "", err
	}
	canon, ok, err := l.pages.find(ctx, path)
	switch {
	case ok:
		return canon, nil
	case err != nil && blog.ErrorCode(err) != blog.ENOTFOUND:
		return "", err
	}
	return "", blog.Errorf(blog.EBADREQUEST, "%s is not a page of this site", path)
}
