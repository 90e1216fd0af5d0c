// Package web speaks HTTP and HTML for the blog: the echo server, its
// routes (declared once, in routes.go), the templ pages and the JSON API.
// Handlers are grouped by area in small types that hold what they use;
// the page cache, the CSRF check, the admin's sign-in and the request log
// are layers around them. Errors become statuses in one place (errors.go).
package web

import (
	"context"
	"database/sql"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"blog/content"
	"blog/internal/cluster"
	"blog/internal/live"
	"blog/internal/posts"
	"blog/internal/stamp"
	"blog/internal/tags"
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
	// Cluster is the operator's view (GET /admin/node, /admin/cluster).
	// Default: this node alone, standalone, reporting Content.DB.
	Cluster *cluster.Survey
}

// ContentDeps is what the reading side of the blog needs: posts, projects,
// search, the feed and the content's images.
type ContentDeps struct {
	// DB is the database the posts, projects and images are read from.
	// Default: the tag service's database.
	DB *sql.DB
	// FS is the content folder (BLOG_CONTENT, or the embedded content).
	// Default: the embedded content.
	FS fs.FS
	// BaseURL is the blog's public address, such as https://blog.example
	// (BLOG_URL), for the feed's absolute links. Empty: the request's
	// scheme and host.
	BaseURL string
	// HomeSlug is the post / shows (BLOG_HOME_SLUG); when no published post
	// has it, / shows the latest. Default: DefaultHomeSlug.
	HomeSlug string
	// Stamp tells the page cache which state of the content a page shows
	// (internal/stamp). Default: a watcher of DB that reads the stamp for
	// every page.
	Stamp *stamp.Watcher
}

// Server is the blog's HTTP server.
type Server struct {
	echo  *echo.Echo
	log   *slog.Logger
	pager pager
	admin *admin
	csrf  echo.MiddlewareFunc
	cache *pageCache
	// stopLive is closed when the server shuts down, to end the live
	// streams, which would otherwise hold the shutdown for its whole grace.
	stopLive chan struct{}
	// jsonRoutes are the routes declared json, by "METHOD path".
	jsonRoutes map[string]bool
	// streams are the paths of the routes declared stream (head.go).
	streams map[string]bool
	// direct are the routes served without the pages' middleware, by
	// "METHOD path" (direct.go).
	direct map[string]http.Handler
}

// handlers are the route handlers, by area.
type handlers struct {
	health  echo.HandlerFunc
	files   *files
	reading *reading
	feeds   *feeds
	tags    *tagPages
	api     *tagAPI
	admin   *admin
	signOut echo.HandlerFunc
	cluster *clusterPages
	forward http.Handler
}

// NewServer returns the blog's server with every route registered.
func NewServer(d Deps) *Server {
	d = withDefaultDeps(d)
	s := &Server{
		echo:     echo.New(),
		log:      d.Log,
		pager:    pager{site: withDefaults(d.Site), live: d.Live != nil},
		admin:    newAdmin(d.AdminPassword, d.Log),
		cache:    newPageCache(d.Content.Stamp, time.Now()),
		stopLive: make(chan struct{}),

		jsonRoutes: map[string]bool{},
		direct:     map[string]http.Handler{},
		streams:    map[string]bool{},
	}
	s.csrf = csrfGuard{signer: newCSRFSigner(d.CSRFKey)}.protect
	s.echo.HideBanner, s.echo.HidePort = true, true
	s.echo.HTTPErrorHandler = s.handleError
	// Only what this node can trust names the client and the scheme, for
	// the log, the limits, the feed's links and the page cache's keys
	// alike: handlers ask c.RealIP() and c.Scheme().
	trust := proxyTrust{onFly: d.OnFly}
	s.echo.IPExtractor, s.echo.SchemeExtractor = trust.clientAddr, trust.scheme

	e := s.echo
	e.Pre(headAsGet(s.streams), limitRequest)
	e.Use(logRequests(s.log), middleware.Recover(), limitBody, securityHeaders,
		originGuard{base: origin(d.Content.BaseURL)}.check)

	rs := routeTable(s.newHandlers(d))
	if d.Live != nil {
		streams := &liveStreams{hub: d.Live, pages: newPageFinder(rs), stop: s.stopLive,
			heartbeat: heartbeat, writeTimeout: liveWriteTimeout}
		rs = append(rs, liveRoutes(streams)...)
	}
	s.register(rs)
	return s
}

// withDefaultDeps fills what d leaves out.
func withDefaultDeps(d Deps) Deps {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Health == nil {
		d.Health = func(context.Context) Health { return Health{Role: "standalone"} }
	}
	if d.Content.DB == nil {
		d.Content.DB = d.Tags.DB()
	}
	if d.Content.FS == nil {
		d.Content.FS = content.FS
	}
	if d.Content.Stamp == nil {
		d.Content.Stamp = stamp.NewWatcher(d.Content.DB, nil, d.Log)
	}
	d.Content.HomeSlug = posts.NormalizeSlug(d.Content.HomeSlug)
	if d.Content.HomeSlug == "" {
		d.Content.HomeSlug = DefaultHomeSlug
	}
	d.Content.BaseURL = strings.TrimRight(d.Content.BaseURL, "/")
	if d.Cluster == nil {
		cfg := cluster.ReporterConfig{DB: d.Content.DB}
		if d.Live != nil {
			cfg.Streams = d.Live.Streams
		}
		d.Cluster = cluster.NewSurvey(cluster.SurveyConfig{Local: cluster.NewReporter(cfg)})
	}
	return d
}

// newHandlers makes the handlers of every area from the server's deps.
func (s *Server) newHandlers(d Deps) handlers {
	db := d.Content.DB
	intro, err := loadProjectsIntro(d.Content.FS)
	if err != nil {
		s.log.Warn("the projects page goes without its introduction", "err", err)
	}
	return handlers{
		health:  healthHandler(d.Health),
		files:   newFiles(db),
		reading: &reading{db: db, pager: s.pager, admin: s.admin, homeSlug: d.Content.HomeSlug, projectsIntro: intro},
		feeds:   &feeds{db: db, site: s.pager.site, baseURL: d.Content.BaseURL},
		tags:    &tagPages{tags: d.Tags, db: db, pager: s.pager, admin: s.admin},
		api:     &tagAPI{tags: d.Tags},
		admin:   s.admin,
		signOut: signOutHandler(s.pager),
		cluster: &clusterPages{survey: d.Cluster, pager: s.pager},
		forward: d.Forward,
	}
}

// origin is the scheme and host of BLOG_URL, an origin writes may come
// from; "" when it is not set.
func origin(baseURL string) string {
	if u, err := url.Parse(baseURL); err == nil && u.Scheme != "" && u.Host != "" {
		return u.Scheme + "://" + u.Host
	}
	return ""
}

// ServeHTTP lets the server be used as an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := s.direct[r.Method+" "+r.URL.Path]; h != nil {
		h.ServeHTTP(w, r)
		return
	}
	s.echo.ServeHTTP(w, r)
}

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
