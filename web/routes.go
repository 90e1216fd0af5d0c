package web

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// route is one address of the blog, declared once: everything else about
// it (echo's registration, the page cache's key, whether an open page may
// hold a live stream) is derived from this declaration.
type route struct {
	method, path string
	handle       echo.HandlerFunc
	// cache keeps the route's 200 answers in the page cache (pagecache.go),
	// keyed by these query parameters besides the address; nil: never kept.
	// An answer also depends on the content and, for a form, the CSRF
	// token, which the cache deals with itself.
	cache *cacheKey
	// live, when set, makes the page one /live may follow: it returns the
	// page's canonical path from the route's parameters, or an error when
	// there is no such page (a post that does not exist).
	live func(ctx context.Context, params map[string]string) (string, error)
	// refresh, with live, tells an open page to fetch itself again this
	// often over its live stream (live.go), besides when the content
	// changes: for a page that shows what moves without a write.
	refresh time.Duration
	// form pages get a CSRF token (csrf.go); write routes check it.
	form bool
	// admin: "only" routes need the admin's password; "shows" routes show
	// the admin more, so the admin's view is never cached (pagecache.go).
	admin adminUse
	// json: the route answers JSON, and so do its errors (errors.go), as
	// under /api/.
	json bool
	// stream: the route answers with a stream that lasts as long as the
	// page is open, GET alone (head.go): HEAD is not answered as GET.
	stream bool
	// direct, instead of handle, is node-to-node traffic: served straight
	// from the listener (direct.go), without the pages' middleware, which
	// has nothing to do for it and stood in the way of every forwarded
	// write.
	direct http.Handler
}

// adminUse is what a route does with the admin's sign-in.
type adminUse int

const (
	anyone     adminUse = iota
	adminShows          // the admin sees more: never cached for them
	adminOnly           // writes and the operator's pages: 401 without the admin's password
)

// cacheKey names the query parameters a cached page reads, and those that
// make a request skip the cache altogether (?preview, which is for the
// admin alone).
type cacheKey struct {
	params []string
	skip   []string
}

// cached is the page cache's declaration for a page that reads params.
func cached(params ...string) *cacheKey { return &cacheKey{params: params} }

// routeTable is every route of the blog but the live ones (liveRoutes),
// which follow the pages this table declares. echo's router tries static
// paths before parameters and the catch-all last, whatever the order.
func routeTable(h handlers) []route {
	exists := func(path string) func(context.Context, map[string]string) (string, error) {
		return func(context.Context, map[string]string) (string, error) { return path, nil }
	}
	rs := []route{
		{method: "GET", path: "/health", handle: h.health},
		{method: "GET", path: "/static/*", handle: h.files.static},
		{method: "GET", path: "/assets/images/:name", handle: h.files.image},

		// Reading.
		{method: "GET", path: "/", handle: h.reading.home, cache: cached(), live: exists("/")},
		{method: "GET", path: "/posts", handle: h.reading.postList, cache: cached("q", "tag", "tags"), live: exists("/posts")},
		{method: "GET", path: "/posts/:slug", handle: h.reading.post, admin: adminShows,
			cache: &cacheKey{skip: []string{"preview"}}, live: h.reading.postExists},
		{method: "GET", path: "/projects", handle: h.reading.projectList, cache: cached("q", "tag", "tags"), live: exists("/projects")},
		{method: "GET", path: "/search", handle: h.reading.search, cache: cached("q"), live: exists("/search")},
		{method: "GET", path: "/gallery", handle: h.reading.gallery, live: exists("/gallery")},

		// Feeds and the files browsers and crawlers ask for.
		{method: "GET", path: "/rss", handle: h.feeds.rss, cache: cached()}, // the original Blog's address
		{method: "GET", path: "/rss.xml", handle: h.feeds.rss, cache: cached()},
		{method: "GET", path: "/sitemap.xml", handle: h.feeds.sitemap, cache: cached()},
		{method: "GET", path: "/chroma.css", handle: h.files.codeCSS},
		{method: "GET", path: "/robots.txt", handle: h.feeds.robots},
		{method: "GET", path: "/favicon.ico", handle: h.files.faviconICO},
		{method: "GET", path: "/favicon.png", handle: h.files.faviconPNG},

		// Tag pages: forms carry a CSRF token; writes need the admin.
		{method: "GET", path: "/tags", handle: h.tags.index, form: true, admin: adminShows, cache: cached(), live: exists("/tags")},
		{method: "GET", path: "/tags/new", handle: h.tags.newForm, form: true, live: exists("/tags/new")},
		{method: "POST", path: "/tags", handle: h.tags.create, form: true, admin: adminOnly},
		{method: "GET", path: "/tags/:id", handle: h.tags.show, form: true, admin: adminShows, cache: cached(), live: h.tags.exists},
		{method: "GET", path: "/tags/:id/edit", handle: h.tags.edit, form: true, live: h.tags.exists},
		{method: "POST", path: "/tags/:id", handle: h.tags.rename, form: true, admin: adminOnly},
		{method: "POST", path: "/tags/:id/delete", handle: h.tags.remove, form: true, admin: adminOnly},
		{method: "GET", path: "/signin", handle: h.admin.signIn, admin: adminOnly},
		{method: "GET", path: "/signout", handle: h.signOut},

		// The operator's view of the deployment (cluster.go): never cached.
		{method: "GET", path: "/admin/node", handle: h.cluster.node, admin: adminOnly, json: true},
		{method: "GET", path: "/admin/cluster", handle: h.cluster.page, admin: adminOnly,
			live: exists("/admin/cluster"), refresh: clusterRefresh},

		// The JSON API.
		{method: "GET", path: "/api/tags", handle: h.api.list},
		{method: "GET", path: "/api/tags/:id", handle: h.api.get},
		{method: "POST", path: "/api/tags", handle: h.api.create, admin: adminOnly},
		{method: "PATCH", path: "/api/tags/:id", handle: h.api.rename, admin: adminOnly},
		{method: "DELETE", path: "/api/tags/:id", handle: h.api.remove, admin: adminOnly},
	}
	if h.forward != nil {
		rs = append(rs, route{method: "POST", path: "/internal/forward", direct: h.forward})
	}
	// Old addresses of posts: any path no other route takes.
	return append(rs, route{method: "GET", path: "/*", handle: h.reading.permalink})
}

// liveRoutes are the live stream of an open page and the JSON views of
// what it sends.
func liveRoutes(l *liveStreams) []route {
	return []route{
		// A refused stream is told in JSON: an EventSource shows no error
		// page, and a reader with curl can read it.
		{method: "GET", path: "/live", handle: l.stream, stream: true, json: true},
		{method: "GET", path: "/api/viewers", handle: l.viewers},
		{method: "GET", path: "/api/presence", handle: l.presence},
	}
}

// register tells echo every route, each with the middleware its
// declaration asks for: CSRF for forms, the admin's password for writes,
// the page cache for cached pages.
func (s *Server) register(rs []route) {
	for _, r := range rs {
		if r.direct != nil {
			h := directHandler(r.direct, s.log)
			s.direct[r.method+" "+r.path] = h
			// Other methods get echo's 405, with Allow.
			r.handle = echo.WrapHandler(h)
		}
		if r.json {
			s.jsonRoutes[r.method+" "+r.path] = true
		}
		if r.stream {
			s.streams[r.path] = true
		}
		var mw []echo.MiddlewareFunc
		if r.form {
			mw = append(mw, s.csrf)
		}
		switch r.admin {
		case adminOnly:
			mw = append(mw, s.admin.require)
		case adminShows:
			mw = append(mw, varyOnAuthorization)
		}
		if r.cache != nil {
			mw = append(mw, s.cache.layer(*r.cache, r.admin == adminShows))
		}
		s.echo.Add(r.method, r.path, r.handle, mw...)
	}
}

// pageFinder tells which of the routes' pages a path is, for /live: the
// routes with a live stream, matched by an echo router of their own.
type pageFinder struct {
	router  *echo.Echo
	live    map[string]func(context.Context, map[string]string) (string, error)
	refresh map[string]time.Duration
}

func newPageFinder(rs []route) *pageFinder {
	f := &pageFinder{router: echo.New(), live: map[string]func(context.Context, map[string]string) (string, error){},
		refresh: map[string]time.Duration{}}
	for _, r := range rs {
		if r.method == http.MethodGet && r.live != nil {
			f.router.GET(r.path, echo.NotFoundHandler)
			f.live[r.path] = r.live
			f.refresh[r.path] = r.refresh
		}
	}
	return f
}

// route returns the route path (such as /tags/:id) of the page at path,
// "" when no route with a live stream answers, and a context holding the
// page's parameters.
func (f *pageFinder) route(ctx context.Context, path string) (string, echo.Context) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
	req.URL.Path = path
	c := f.router.NewContext(req, nil)
	f.router.Router().Find(http.MethodGet, path, c)
	return c.Path(), c
}

// refreshEvery returns how often an open page at path is told to fetch
// itself again, 0 for never (but when the content changes).
func (f *pageFinder) refreshEvery(ctx context.Context, path string) time.Duration {
	r, _ := f.route(ctx, path)
	return f.refresh[r]
}

// find returns the canonical path of the page at path, or ok false when
// no route with a live stream answers path.
func (f *pageFinder) find(ctx context.Context, path string) (canonical string, ok bool, err error) {
	r, c := f.route(ctx, path)
	check, ok := f.live[r]
	if !ok {
		return "", false, nil
	}
	params := map[string]string{}
	for _, name := range c.ParamNames() {
		params[name] = c.Param(name)
	}
	canonical, err = check(ctx, params)
	return canonical, err == nil, err
}
