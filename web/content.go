package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"blog/content"
	"blog/internal/posts"
	"blog/internal/projects"
	"blog/web/views"
)

// ContentDeps is what the reading side of the blog needs: posts, projects,
// search, the feed and the content's images.
type ContentDeps struct {
	// DB is the database the posts and projects are read from, with the
	// content stamp that tells the page cache (pagecache.go) when pages
	// change. Default: the tag service's database; another would leave
	// the tag pages cached after a write to the tags.
	DB *sql.DB
	// FS is the content the images are served from (the BLOG_CONTENT
	// folder, or the embedded content). Default: the embedded content.
	FS fs.FS
	// BaseURL is the blog's public address, such as https://blog.example
	// (BLOG_URL), for the feed's absolute links. Empty: the request's
	// scheme and host.
	BaseURL string
	// HomeSlug is the post / shows (BLOG_HOME_SLUG); when no published post
	// has it, / shows the latest. Default: DefaultHomeSlug.
	HomeSlug string
	// Version, when set, tells the page cache when the database may have
	// changed, so that it reads the content stamp only then (on LiteFS:
	// the node's event stream). Nil: the stamp is read for every page.
	Version DBVersion

	// pages is the rendered-page cache of every page, the tag pages among
	// them, made when the routes are registered.
	pages *pageCache
}

// reading is the reading side's state, prepared once when the routes are
// registered.
type reading struct {
	s       *Server
	db      *sql.DB
	fsys    fs.FS
	baseURL string
	// homeSlug is the post the home page shows.
	homeSlug string
	// started bounds every page's Last-Modified from below: a new binary
	// may render the same data differently.
	started time.Time
	pages   *pageCache
}

// contentRoutes registers the posts, projects, search and feed routes.
// They are plain reads, without the CSRF middleware: no page here has a form
// that writes, and no answer depends on a cookie, so all can be cached,
// by browsers and in the page cache (pagecache.go).
func (s *Server) contentRoutes(e *echo.Echo) {
	rd := &reading{
		s:        s,
		db:       s.contentDB(),
		fsys:     s.content.FS,
		baseURL:  strings.TrimRight(s.content.BaseURL, "/"),
		homeSlug: posts.NormalizeSlug(s.content.HomeSlug),
		started:  time.Now(),
	}
	if rd.homeSlug == "" {
		rd.homeSlug = DefaultHomeSlug
	}
	if rd.fsys == nil {
		rd.fsys = content.FS
	}
	rd.pages = newPageCache(rd.db, s.log, rd.started, s.content.Version)
	s.content.pages = rd.pages
	cached := rd.pages.cached
	e.GET("/", cached(rd.handleHome))
	e.GET("/posts", cached(rd.handlePostList))
	e.GET("/posts/:slug", func(c echo.Context) error {
		// The admin's view and previews are never kept in the page cache.
		if _, preview := c.QueryParams()["preview"]; preview || s.isAdmin(c) {
			return rd.handlePost(c)
		}
		return cached(rd.handlePost)(c)
	})
	e.GET("/projects", cached(rd.handleProjectList))
	e.GET("/search", cached(rd.handleSearch))
	e.GET("/rss", cached(rd.handleFeed)) // the original Blog's address
	e.GET("/rss.xml", cached(rd.handleFeed))
	e.GET("/sitemap.xml", cached(rd.handleSitemap))
	e.GET("/chroma.css", rd.handleCodeCSS())
	e.GET("/robots.txt", rd.handleRobots)
	e.GET("/favicon.ico", handleFavicon())
	e.GET("/favicon.png", handleFaviconPNG())
	// Last, so that every other route wins: old addresses of posts.
	e.GET("/*", rd.handlePermalink)
}

func (s *Server) contentDB() *sql.DB {
	if s.content.DB != nil {
		return s.content.DB
	}
	return s.tags.DB()
}

// tagContent lists the posts and projects filed under a tag.
func (s *Server) tagContent(ctx context.Context, tagID int64) (views.TagContent, error) {
	db := s.contentDB()
	var tc views.TagContent
	list, err := posts.ByTag(ctx, db, tagID)
	if err != nil {
		return tc, err
	}
	for _, p := range list {
		tc.Posts = append(tc.Posts, views.Link{Title: p.Title, URL: p.URL(), Date: p.PublishedAt, Text: p.Description})
	}
	projs, err := projects.ByTag(ctx, db, tagID)
	if err != nil {
		return tc, err
	}
	for _, p := range projs {
		tc.Projects = append(tc.Projects, views.Link{Title: p.Name, URL: p.URL, Text: p.Description})
	}
	return tc, nil
}

// lastModified is when anything a page shows last changed: the newest
// write to the content tables, or the start of this binary.
func (rd *reading) lastModified(ctx context.Context) (time.Time, error) {
	t, err := posts.Changed(ctx, rd.db)
	if err != nil {
		return time.Time{}, err
	}
	if rd.started.After(t) {
		t = rd.started
	}
	return t.UTC().Truncate(time.Second), nil
}

// renderCached renders a page, keeps it in the page cache and answers 304
// Not Modified when the client's copy is current: by ETag, a hash of the
// page's bytes, or else by Last-Modified. Pages are revalidated on every
// use (no-cache), which costs a round trip but never shows a stale page.
func (rd *reading) renderCached(c echo.Context, comp templ.Component) error {
	var buf bytes.Buffer
	if err := comp.Render(c.Request().Context(), &buf); err != nil {
		return err
	}
	return rd.sendCached(c, echo.MIMETextHTMLCharsetUTF8, buf.Bytes())
}

func (rd *reading) sendCached(c echo.Context, ctype string, body []byte) error {
	if ok, err := rd.pages.keep(c, ctype, body); ok {
		return err
	}
	// Without the page cache (its stamp could not be read), the same
	// answer from the database's last change.
	mod, err := rd.lastModified(c.Request().Context())
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	h := c.Response().Header()
	h.Set("ETag", etag)
	h.Set("Last-Modified", mod.Format(http.TimeFormat))
	h.Set("Cache-Control", "public, no-cache")
	if notModified(c.Request(), etag, mod) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, ctype, body)
}

// notModified applies If-None-Match, and If-Modified-Since only when
// there is no If-None-Match (RFC 9110, 13.2.2) and mod is known.
func notModified(r *http.Request, etag string, mod time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, tag := range strings.Split(inm, ",") {
			tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
			if tag == etag || tag == "*" {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" && !mod.IsZero() {
		if t, err := http.ParseTime(ims); err == nil && !mod.After(t) {
			return true
		}
	}
	return false
}

// page returns the layout's data for one of the reading side's pages.
func (rd *reading) page(c echo.Context, title, description string) views.Page {
	p := rd.s.page(c, title)
	p.Description = description
	return p
}
