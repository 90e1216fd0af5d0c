package web

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"blog/internal/stamp"
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
// The stamp is read through a stamp.Watcher, which on LiteFS reads it again
// only after the event stream told of a change, so that a page served from
// memory touches neither SQLite nor FUSE.
//
// The cache is a layer around the routes that declare it (routes.go): a
// handler only renders. Only complete 200 answers are kept, never error
// pages, redirects, or answers the handler marked no-store or private (the
// admin's view, a one-time notice). A page with a form carries the
// reader's CSRF token: it is rendered and kept with a random stand-in for
// the token, which is replaced by the reader's own as the page is sent, so
// no reader ever sees another's token.
type pageCache struct {
	stamps *stamp.Watcher
	// started bounds every Last-Modified from below: a new binary may
	// render the same data differently.
	started  time.Time
	maxBytes int
	maxPages int
	// slot stands in for the CSRF token in the pages kept. It is random and
	// never sent, so no content can contain it by chance or on purpose.
	slot []byte

	mu    sync.RWMutex
	stamp stamp.Stamp // the state every page in pages was rendered from
	pages map[string]*cachedPage
	bytes int // the pages' costs together
}

// cachedPage is a rendered page and the headers that go with it.
type cachedPage struct {
	// parts is the body cut where the reader's CSRF token goes: one part
	// for a page without a form.
	parts    [][]byte
	size     int    // the body's length without tokens
	cost     int    // what keeping it costs, counted against pageCacheBytes
	etag     string // of the body without tokens, without quotes
	modified time.Time
	// The answer's headers as they are sent, made once when the page is
	// kept rather than for every request. net/http only reads them.
	ctype        []string
	etagHeader   []string // etag, quoted
	lastModified []string
	length       []string // the body's length, for a page without a form
}

func newPageCache(stamps *stamp.Watcher, started time.Time) *pageCache {
	slot := make([]byte, 32)
	_, _ = rand.Read(slot)
	return &pageCache{
		stamps:   stamps,
		started:  started,
		maxBytes: pageCacheBytes,
		maxPages: pageCachePages,
		slot:     []byte(base64.RawURLEncoding.EncodeToString(slot)),
		pages:    map[string]*cachedPage{},
	}
}

// layer is the middleware of a cached route: it answers from the cache
// when the page kept for the request is current, and otherwise lets the
// handler render into a buffer, keeps what it rendered if it may, and
// sends it. A request the cache must not answer passes straight through:
// one for the admin's view (forAdmin routes, with credentials), one
// carrying a one-time notice, one naming a parameter of key.skip, or any
// request while the stamp cannot be read (a replica whose schema is
// behind).
func (pc *pageCache) layer(key cacheKey, forAdmin bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if (forAdmin && r.Header.Get(echo.HeaderAuthorization) != "") || hasFlash(r) || hasAny(c, key.skip) {
				return next(c)
			}
			st, err := pc.stamps.Current(r.Context())
			if err != nil {
				return next(c)
			}
			k, ok := pageKey(c, key.params)
			if !ok {
				return next(c)
			}
			if p := pc.get(st, k); p != nil {
				return pc.send(c, p, tokenFor(c, p))
			}
			return pc.render(c, next, st, k)
		}
	}
}

// tokenFor is the reader's CSRF token when p shows a form, made with its
// cookie if the reader has none; "" for a page without one, which then
// sends no cookie.
func tokenFor(c echo.Context, p *cachedPage) string {
	if len(p.parts) == 1 {
		return ""
	}
	return csrfToken(c)
}

// render runs the handler with a stand-in for the CSRF token (on form
// routes) and the answer held in a buffer, keeps the answer if it is a
// page to keep, and sends it with the reader's own token.
func (pc *pageCache) render(c echo.Context, next echo.HandlerFunc, st stamp.Stamp, key string) error {
	res := c.Response()
	rec := &recorder{ResponseWriter: res.Writer, status: http.StatusOK}
	res.Writer = rec
	real, form := c.Get(csrfKey).(*csrfState)
	if form {
		c.Set(csrfKey, &csrfState{token: string(pc.slot)})
	}
	err := next(c)
	res.Writer = rec.ResponseWriter
	// What the handler wrote went to the buffer: the real answer is yet
	// to be sent.
	res.Committed, res.Size, res.Status = false, 0, http.StatusOK
	if form {
		c.Set(csrfKey, real) // an error page rendered after has the real one
	}
	if err != nil {
		return err
	}
	h := res.Header()
	cc := h.Get(echo.HeaderCacheControl)
	if rec.status != http.StatusOK || strings.Contains(cc, "no-store") || strings.Contains(cc, "private") {
		// Not a page to keep: sent as rendered, with the real token.
		body := rec.body.Bytes()
		if bytes.Contains(body, pc.slot) {
			body = bytes.ReplaceAll(body, pc.slot, []byte(csrfToken(c)))
		}
		h.Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
		res.WriteHeader(rec.status)
		_, err := res.Write(body)
		return err
	}
	p := pc.newPage(h.Get(echo.HeaderContentType), rec.body.Bytes(), st)
	pc.put(st, key, p)
	return pc.send(c, p, tokenFor(c, p))
}

// recorder holds a handler's answer for the page cache: the status and
// body; headers go to the real writer's map, which it shares.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(status int)      { r.status = status }
func (r *recorder) Write(p []byte) (int, error) { return r.body.Write(p) }
func (r *recorder) Flush()                      {}

// hasAny reports whether the request names any of the query parameters.
func hasAny(c echo.Context, names []string) bool {
	for _, n := range names {
		if _, ok := c.QueryParams()[n]; ok {
			return true
		}
	}
	return false
}

// pageKey is what a page's bytes depend on besides the content and the
// CSRF token: the scheme and host (the feed's links are absolute), the
// path, and the query parameters the page reads (its route's declaration),
// in a fixed order; any other parameter changes nothing on the page and is
// left out, so /posts?n=1 and /posts?n=2 are one page. ok is false for an
// address not worth keeping: an odd scheme or host, or a key over
// maxPageKey.
func pageKey(c echo.Context, params []string) (key string, ok bool) {
	r := c.Request()
	scheme := c.Scheme()
	if (scheme != "http" && scheme != "https") || !plainHost(r.Host) {
		return "", false
	}
	var b strings.Builder
	b.WriteString(scheme + "://" + r.Host + r.URL.EscapedPath())
	sep := "?"
	for _, name := range params {
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

// newPage makes a cached page of body, cut where the token slot is.
func (pc *pageCache) newPage(ctype string, body []byte, st stamp.Stamp) *cachedPage {
	body = bytes.Clone(body) // no spare capacity held
	sum := sha256.Sum256(body)
	mod := pc.started
	if st.ChangedAt.After(mod) {
		mod = st.ChangedAt
	}
	parts := bytes.Split(body, pc.slot)
	size := len(body) - (len(parts)-1)*len(pc.slot)
	p := &cachedPage{
		parts:    parts,
		size:     size,
		etag:     hex.EncodeToString(sum[:12]),
		modified: mod.UTC().Truncate(time.Second),
		ctype:    []string{ctype},
		length:   []string{strconv.Itoa(size)},
	}
	p.etagHeader = []string{`"` + p.etag + `"`}
	p.lastModified = []string{p.modified.Format(http.TimeFormat)}
	return p
}

// get returns the page kept for key if it was rendered at stamp st.
func (pc *pageCache) get(st stamp.Stamp, key string) *cachedPage {
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
func (pc *pageCache) put(st stamp.Stamp, key string, p *cachedPage) {
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

// Cache-Control of the pages sent from the cache: revalidated on every
// use (no-cache), which costs a round trip but never shows a stale page;
// private under the CSRF cookie.
var (
	publicPage  = []string{"public, no-cache"}
	privatePage = []string{"private, no-cache"}
)

// send answers with p, or 304 Not Modified when the client's copy is
// current: by ETag, a hash of the page's bytes, or else by Last-Modified.
// A page with the reader's token has an ETag of its own per token and no
// Last-Modified, so a copy made under another cookie is never taken as
// current. A request with validators or a range is answered by
// http.ServeContent; any other, the most of them, directly, without a copy
// of the page.
func (pc *pageCache) send(c echo.Context, p *cachedPage, token string) error {
	w, r := c.Response(), c.Request()
	h := w.Header()
	personal := len(p.parts) > 1
	etag := p.etagHeader
	if personal {
		sum := sha256.Sum256([]byte(token))
		etag = []string{`"` + p.etag + "-" + hex.EncodeToString(sum[:6]) + `"`}
	}
	h["Etag"] = etag
	h["Cache-Control"] = publicPage
	if personal {
		h["Cache-Control"] = privatePage
	}
	h["Content-Type"] = p.ctype
	if conditional(r) {
		mod := p.modified
		if personal {
			mod = time.Time{}
		}
		http.ServeContent(w, r, "", mod, bytes.NewReader(bytes.Join(p.parts, []byte(token))))
		return nil
	}
	if personal {
		h["Content-Length"] = []string{strconv.Itoa(p.size + (len(p.parts)-1)*len(token))}
	} else {
		h["Last-Modified"] = p.lastModified
		h["Content-Length"] = p.length
	}
	w.WriteHeader(http.StatusOK)
	if !personal {
		_, err := w.Write(p.parts[0])
		return err
	}
	// One write of the whole page, as for a page without a form: net/http
	// sends each write larger than its buffer in a system call of its own.
	b := pageBuffers.Get().(*bytes.Buffer)
	defer pageBuffers.Put(b)
	b.Reset()
	for i, part := range p.parts {
		if i > 0 {
			b.WriteString(token)
		}
		b.Write(part)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// pageBuffers hold pages with the reader's token while they are sent.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// conditional reports whether a request asks for anything but the whole
// current page: a revalidation or a range.
func conditional(r *http.Request) bool {
	h := r.Header
	return h["If-None-Match"] != nil || h["If-Modified-Since"] != nil || h["If-Match"] != nil ||
		h["If-Unmodified-Since"] != nil || h["Range"] != nil
}
