package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
)

// Bounds of the page cache's memory. A blog has tens of posts and tags,
// so these hold every page many times over; what they stop is a reader
// who asks for endless distinct addresses (/posts?q=1, ?q=2, …).
const (
	// pageCacheBytes bounds everything the cache keeps: each page counts
	// its body, its key and pageOverhead.
	pageCacheBytes = 16 << 20
	pageCachePages = 1024 // how many pages
	// maxPageKey is the longest key a page is kept under; a page asked
	// for with more (a search of hundreds of characters) is rendered
	// afresh each time instead.
	maxPageKey = 512
	// pageOverhead is what a kept page costs besides its body and key:
	// the map's entry, the cachedPage, its ETag and the slice headers.
	pageOverhead = 512
)

// pageCache keeps the bytes of rendered pages in memory, so that a page
// asked for again is answered without querying the database or rendering.
//
// A cached page is only good for the state of the content it was rendered
// from. That state is named by the content stamp: the row of content_changes,
// whose version every write to what a page shows moves on, in the write's
// own transaction (migrations/00003). A page comes from memory only when the
// stamp is the one the page was rendered at; the first page kept at a new
// stamp drops all others. Writes made by another process, or replicated
// onto a LiteFS replica, move the stamp as local ones do, so no node shows
// a page older than its database.
//
// Reading the stamp is one tiny query, but on LiteFS each query is a round
// trip through FUSE. So when the database's version is known without
// asking it (DBVersion: on LiteFS, from its event stream), the stamp is
// read again only after the version has moved on, and a page served from
// memory touches neither SQLite nor FUSE. Without a version, or while it
// is unknown (the stream is down), the stamp is read for every request.
//
// Only complete 200 pages are kept, never error pages or redirects. A page
// with a form carries the reader's CSRF token: it is rendered and kept with
// a random stand-in for the token, which is replaced by the reader's own as
// the page is sent, so no reader ever sees another's token.
type pageCache struct {
	db  *sql.DB
	log *slog.Logger
	// started bounds every Last-Modified from below: a new binary may
	// render the same data differently.
	started  time.Time
	maxBytes int
	maxPages int
	// slot stands in for the CSRF token in the pages kept. It is random and
	// never sent, so no content can contain it by chance or on purpose.
	slot []byte

	stampMu   sync.Mutex
	stampConn *sql.Conn // the connection the stamp is read on, opened on first use
	stampStmt *sql.Stmt // prepared on stampConn
	stampOff  bool      // the last read failed: the cache is off
	// version, when set, tells when the stamp must be read again; known is
	// the stamp last read and the version it was read at.
	version DBVersion
	known   atomic.Pointer[versionedStamp]

	mu    sync.RWMutex
	stamp contentStamp // the state every page in pages was rendered from
	pages map[string]*cachedPage
	bytes int // the pages' costs together
}

// contentStamp names one state of the content: the version of
// content_changes and the time of the write that set it.
type contentStamp struct {
	version   int64
	changedAt string
}

// DBVersion tells when the database may have changed without asking it:
// Version returns a number that moves on at every change, and ok false
// when it cannot tell. A change must be told only once readers of the
// database see it (LiteFS sends its tx event after the commit is readable).
type DBVersion interface {
	Version() (v uint64, ok bool)
}

// versionedStamp is a stamp and the database version it was read at.
type versionedStamp struct {
	version uint64
	stamp   contentStamp
}

// cachedPage is a rendered page and the headers that go with it.
type cachedPage struct {
	ctype string
	// parts is the body cut where the reader's CSRF token goes: one part
	// for a page without a form.
	parts    [][]byte
	size     int    // the body's length without tokens
	cost     int    // what keeping it costs, counted against pageCacheBytes
	etag     string // of the body without tokens, without quotes
	modified time.Time
}

// pendingPage is what serve leaves in the context of a request it had no
// page for, so that keep can store the page the handler renders.
type pendingPage struct {
	stamp contentStamp
	key   string
	token string // the reader's CSRF token, which the page is rendered without
}

const pendingPageKey = "pagecache.pending"

func newPageCache(db *sql.DB, log *slog.Logger, started time.Time, version DBVersion) *pageCache {
	slot := make([]byte, 32)
	_, _ = rand.Read(slot)
	return &pageCache{
		db:       db,
		log:      log,
		version:  version,
		started:  started,
		maxBytes: pageCacheBytes,
		maxPages: pageCachePages,
		slot:     []byte(base64.RawURLEncoding.EncodeToString(slot)),
		pages:    map[string]*cachedPage{},
	}
}

// cached is middleware that answers from the cache when it can; see serve.
func (pc *pageCache) cached(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error { return pc.serve(c, next) }
}

// serve answers a GET with the cached page when it is current, and calls
// render otherwise. render must answer through keep for the page to be
// kept. When the stamp cannot be read, as on a replica whose schema is
// behind, render runs as if there were no cache.
func (pc *pageCache) serve(c echo.Context, render echo.HandlerFunc) error {
	st, err := pc.readStamp(c.Request().Context())
	if err != nil {
		return render(c)
	}
	key, ok := pageKey(c)
	if !ok {
		return render(c)
	}
	if p := pc.get(st, key); p != nil {
		return pc.send(c, p, csrfToken(c))
	}
	pend := &pendingPage{stamp: st, key: key, token: csrfToken(c)}
	c.Set(pendingPageKey, pend)
	if pend.token != "" {
		c.Set(csrfKey, string(pc.slot))
		// An error page rendered after the handler has the real token.
		defer c.Set(csrfKey, pend.token)
	}
	return render(c)
}

// keep stores a page rendered for a request that serve let through and
// answers with it. ok is false when serve did not let the request through
// (the stamp could not be read): then nothing is stored or sent.
func (pc *pageCache) keep(c echo.Context, ctype string, body []byte) (ok bool, err error) {
	pend, _ := c.Get(pendingPageKey).(*pendingPage)
	if pend == nil {
		return false, nil
	}
	p := pc.newPage(ctype, body, pend.stamp)
	pc.put(pend.stamp, pend.key, p)
	return true, pc.send(c, p, pend.token)
}

// pageKey is what a page's bytes depend on besides the content and the
// CSRF token: the scheme and host (the feed's links are absolute), the
// path, and the query parameters the page reads (pageParams), in a fixed
// order; any other parameter changes nothing on the page and is left out,
// so /posts?n=1 and /posts?n=2 are one page. ok is false for an address
// not worth keeping: an odd scheme or host, or a key over maxPageKey.
func pageKey(c echo.Context) (key string, ok bool) {
	r := c.Request()
	scheme := c.Scheme()
	if (scheme != "http" && scheme != "https") || !plainHost(r.Host) {
		return "", false
	}
	var b strings.Builder
	b.WriteString(scheme + "://" + r.Host + r.URL.EscapedPath())
	sep := "?"
	for _, name := range pageParams(c.Path()) {
		if v := c.QueryParam(name); v != "" {
			b.WriteString(sep + name + "=" + url.QueryEscape(v))
			sep = "&"
		}
		if b.Len() > maxPageKey {
			return "", false
		}
	}
	return b.String(), b.Len() <= maxPageKey
}

// pageParams names the query parameters the page of a route reads. A
// page that reads a parameter not named here would be kept once for all
// its values: name it here when adding one.
func pageParams(route string) []string {
	switch route {
	case "/posts", "/projects":
		return []string{"q", "tag", "tags"}
	case "/search":
		return []string{"q"}
	}
	return nil
}

// plainHost reports whether host is a host name or address with an
// optional port, nothing else.
func plainHost(host string) bool {
	if host == "" || len(host) > 255 {
		return false
	}
	for i := 0; i < len(host); i++ {
		switch ch := host[i]; {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9':
		case ch == '.' || ch == '-' || ch == ':' || ch == '[' || ch == ']':
		default:
			return false
		}
	}
	return true
}

const stampQuery = `SELECT version, changed_at FROM content_changes WHERE id = 1`

// readStamp returns the content stamp: the one read last when the
// database's version has not moved on since, otherwise read afresh (see
// queryStamp). The version is taken before the query, so a change told
// during the query leads to another read at the next request.
func (pc *pageCache) readStamp(ctx context.Context) (contentStamp, error) {
	if pc.version == nil {
		return pc.fetchStamp(ctx)
	}
	v, ok := pc.version.Version()
	if !ok {
		pc.known.Store(nil)
		return pc.fetchStamp(ctx)
	}
	if k := pc.known.Load(); k != nil && k.version == v {
		return k.stamp, nil
	}
	st, err := pc.fetchStamp(ctx)
	if err == nil {
		pc.known.Store(&versionedStamp{version: v, stamp: st})
	}
	return st, err
}

// fetchStamp reads the content stamp. It keeps a connection of its own with
// the query prepared on it: the stamp is read for every page, and a
// connection taken from the pool for it would often be a new one, costlier
// to open than the page is to send. The cache going off and on again is
// logged once each time.
func (pc *pageCache) fetchStamp(ctx context.Context) (contentStamp, error) {
	pc.stampMu.Lock()
	defer pc.stampMu.Unlock()
	st, err := pc.queryStamp(ctx)
	switch {
	case err != nil && ctx.Err() == nil && !pc.stampOff:
		pc.stampOff = true
		pc.log.Warn("page cache off: pages are rendered for every request", "err", err)
	case err == nil && pc.stampOff:
		pc.stampOff = false
		pc.log.Info("page cache on")
	}
	return st, err
}

func (pc *pageCache) queryStamp(ctx context.Context) (contentStamp, error) {
	var st contentStamp
	if pc.stampStmt == nil {
		conn, err := pc.db.Conn(ctx)
		if err != nil {
			return st, fmt.Errorf("read the content stamp: %w", err)
		}
		stmt, err := conn.PrepareContext(ctx, stampQuery)
		if err != nil {
			conn.Close()
			return st, fmt.Errorf("read the content stamp: %w", err)
		}
		pc.stampConn, pc.stampStmt = conn, stmt
	}
	if err := pc.stampStmt.QueryRowContext(ctx).Scan(&st.version, &st.changedAt); err != nil {
		// Start again with a new connection on the next read.
		pc.stampStmt.Close()
		pc.stampConn.Close()
		pc.stampConn, pc.stampStmt = nil, nil
		return st, fmt.Errorf("read the content stamp: %w", err)
	}
	return st, nil
}

// newPage makes a cached page of body, cut where the token slot is.
func (pc *pageCache) newPage(ctype string, body []byte, st contentStamp) *cachedPage {
	body = bytes.Clone(body) // no spare capacity held
	sum := sha256.Sum256(body)
	mod := pc.started
	if t, err := time.Parse("2006-01-02T15:04:05.000Z", st.changedAt); err == nil && t.After(mod) {
		mod = t
	}
	parts := bytes.Split(body, pc.slot)
	size := len(body) - (len(parts)-1)*len(pc.slot)
	return &cachedPage{
		ctype:    ctype,
		parts:    parts,
		size:     size,
		etag:     hex.EncodeToString(sum[:12]),
		modified: mod.UTC().Truncate(time.Second),
	}
}

// get returns the page kept for key if it was rendered at stamp st.
func (pc *pageCache) get(st contentStamp, key string) *cachedPage {
	pc.mu.RLock()
	defer pc.mu.RUnlock()
	if st != pc.stamp {
		return nil
	}
	return pc.pages[key]
}

// put keeps p for key. A page of another stamp than the pages held drops
// them all: they show another state of the content. When a bound is
// reached, pages picked in Go's random map order make room: simpler than
// keeping them in order of use, and the next write empties the cache anyway.
func (pc *pageCache) put(st contentStamp, key string, p *cachedPage) {
	p.cost = p.size + len(key) + pageOverhead
	if p.cost > pc.maxBytes/16 {
		return // so large that it would crowd out the others
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if st != pc.stamp {
		clear(pc.pages)
		pc.bytes = 0
		pc.stamp = st
	}
	if old, ok := pc.pages[key]; ok {
		delete(pc.pages, key)
		pc.bytes -= old.cost
	}
	for k, q := range pc.pages {
		if pc.bytes+p.cost <= pc.maxBytes && len(pc.pages) < pc.maxPages {
			break
		}
		delete(pc.pages, k)
		pc.bytes -= q.cost
	}
	pc.pages[key] = p
	pc.bytes += p.cost
}

// send answers with p, or 304 Not Modified when the client's copy is
// current: by ETag, a hash of the page's bytes, or else by Last-Modified.
// Pages are revalidated on every use (no-cache), which costs a round trip
// but never shows a stale page. A page with the reader's token has an ETag
// of its own per token and no Last-Modified, so a copy made under another
// cookie is never taken as current; pages under the CSRF cookie are private.
func (pc *pageCache) send(c echo.Context, p *cachedPage, token string) error {
	h := c.Response().Header()
	etag := `"` + p.etag + `"`
	mod := p.modified
	personal := len(p.parts) > 1
	if personal {
		sum := sha256.Sum256([]byte(token))
		etag = `"` + p.etag + "-" + hex.EncodeToString(sum[:6]) + `"`
		mod = time.Time{}
	} else {
		h.Set("Last-Modified", mod.Format(http.TimeFormat))
	}
	h.Set("ETag", etag)
	if token != "" {
		h.Set("Cache-Control", "private, no-cache")
	} else {
		h.Set("Cache-Control", "public, no-cache")
	}
	if notModified(c.Request(), etag, mod) {
		return c.NoContent(http.StatusNotModified)
	}
	h.Set(echo.HeaderContentType, p.ctype)
	h.Set(echo.HeaderContentLength, strconv.Itoa(p.size+(len(p.parts)-1)*len(token)))
	w := c.Response()
	w.WriteHeader(http.StatusOK)
	for i, part := range p.parts {
		if i > 0 {
			if _, err := w.Write([]byte(token)); err != nil {
				return err
			}
		}
		if _, err := w.Write(part); err != nil {
			return err
		}
	}
	return nil
}
