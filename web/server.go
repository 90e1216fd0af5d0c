// Package web speaks HTTP and HTML for the blog: the echo server, its
// routes, the templ pages and the JSON API. It turns requests into calls on
// the content packages and their errors into statuses, in one place each.
package web

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"blog/internal/live"
	"blog/internal/tags"
	"blog/web/views"
)

// Health is what /health reports about this node.
type Health struct {
	Role    string // standalone, primary or replica
	Primary string // the primary's host name, on a replica
	TXID    string // LiteFS transaction id, on LiteFS
	// Reason, when not empty, says why the node cannot serve (503).
	Reason string
}

// Deps is everything the server needs, built once by cmd/blog.
type Deps struct {
	Log           *slog.Logger
	Tags          *tags.Service
	AdminPassword string
	// Health reports the node's state; nil means standalone and healthy.
	Health func(ctx context.Context) Health
	// Forward receives writes forwarded by replicas (POST /internal/forward).
	Forward http.Handler
	Content ContentDeps
	// Site is the blog's identity; what is left empty takes the defaults
	// of site.go.
	Site Site
	// OnFly says the node runs on Fly.io (FLY_APP_NAME is set), whose
	// proxy's Fly-Client-IP and X-Forwarded-Proto headers are then trusted.
	OnFly bool
	// CSRFKey signs the forms' CSRF tokens. Nodes that share it accept each
	// other's forms; empty, each process draws a random key.
	CSRFKey []byte
	// Live counts the open pages and tells them about changes (GET /live,
	// /api/viewers, /api/presence); nil serves none of it.
	Live *live.Hub
}

// Server is the blog's HTTP server.
type Server struct {
	echo          *echo.Echo
	log           *slog.Logger
	tags          *tags.Service
	adminPassword string
	health        func(ctx context.Context) Health
	forward       http.Handler
	content       ContentDeps
	site          Site
	onFly         bool
	csrfSigner    csrfSigner
	logins        *loginLimiter
	// baseOrigin is BLOG_URL's scheme and host, an origin writes may come from.
	baseOrigin string
	live       *live.Hub
	// stopLive is closed when the server shuts down, to end the live
	// streams, which would otherwise hold the shutdown for its whole grace.
	stopLive chan struct{}
	// heartbeat and liveWrite time the live streams (live.go).
	heartbeat, liveWrite time.Duration
}

// NewServer returns the blog's server with every route registered.
func NewServer(d Deps) *Server {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Health == nil {
		d.Health = func(context.Context) Health { return Health{Role: "standalone"} }
	}
	s := &Server{
		echo:          echo.New(),
		log:           d.Log,
		tags:          d.Tags,
		adminPassword: d.AdminPassword,
		health:        d.Health,
		forward:       d.Forward,
		content:       d.Content,
		site:          withDefaults(d.Site),
		onFly:         d.OnFly,
		csrfSigner:    newCSRFSigner(d.CSRFKey),
		logins:        newLoginLimiter(),
		live:          d.Live,
		stopLive:      make(chan struct{}),
		heartbeat:     heartbeat,
		liveWrite:     liveWriteTimeout,
	}
	if u, err := url.Parse(d.Content.BaseURL); err == nil && u.Scheme != "" && u.Host != "" {
		s.baseOrigin = u.Scheme + "://" + u.Host
	}
	s.echo.HideBanner = true
	s.echo.HidePort = true
	s.echo.HTTPErrorHandler = s.handleError
	// Only what this node can trust names the client and the scheme, for
	// the log, the feed's links and the page cache's keys alike.
	s.echo.IPExtractor = s.clientAddr
	s.echo.SchemeExtractor = func(r *http.Request) string {
		if s.behindTLS(r) {
			return "https"
		}
		return "http"
	}
	s.routes()
	return s
}

// ServeHTTP lets the server be used as an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// ListenAndServe serves on addr, within the limits of limits.go, until ctx
// is done, then shuts down gracefully, letting requests in flight (a
// forwarded write among them) finish for up to grace.
func (s *Server) ListenAndServe(ctx context.Context, addr string, grace time.Duration, ready func(net string)) error {
	ln, err := listen(addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln, grace, ready)
}

// Serve is ListenAndServe on a listener already bound, so that a program
// can report a taken port before it does anything else.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration, ready func(net string)) error {
	srv := newHTTPServer(s)
	srv.Addr = ln.Addr().String()
	srv.RegisterOnShutdown(func() { close(s.stopLive) })
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	return srv.Shutdown(sctx)
}

// render writes a templ component as an HTML page with the status.
func (s *Server) render(c echo.Context, status int, comp templ.Component) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return comp.Render(c.Request().Context(), c.Response())
}

// page returns the layout's data for a page titled title.
func (s *Server) page(c echo.Context, title string) views.Page {
	return views.Page{Title: title, Path: c.Request().URL.Path, CSRF: csrfToken(c), Site: s.site, Live: s.live != nil}
}

// ContentVersion reads the content stamp's version, the number every write
// to what the pages show moves on; the live hub polls it (live.Hub.WatchContent).
func (s *Server) ContentVersion(ctx context.Context) (int64, error) {
	st, err := s.content.pages.readStamp(ctx)
	return st.version, err
}
