package web

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"blog"
	"blog/internal/assets"
	"blog/internal/markdown"
	"blog/web/static"
)

// Cache lifetimes of files. The code colours and the favicons keep their
// name when they change, so they are kept a week and then revalidated by
// ETag; robots.txt a day.
const (
	imageCacheControl = "public, max-age=604800"
	fileCacheControl  = "public, max-age=86400"
)

// svgPolicy is the Content-Security-Policy of an SVG opened on its own: a
// document that may draw, and never run script or load anything.
const svgPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"

// files serves what pages load besides themselves: the embedded static
// files, the content's images from the database, the favicons and the
// code colours, each with an ETag that a revalidation is answered from.
type files struct {
	db   *sql.DB
	code []byte
	ico  []byte
	png  []byte
}

// newFiles draws the favicons and writes the code colours once.
func newFiles(db *sql.DB) *files {
	return &files{
		db:   db,
		code: []byte("/* Colours of highlighted code (chroma, style " + markdown.StyleName + "). */\n" + markdown.CSS()),
		ico:  faviconICO(),
		png:  faviconPNG(),
	}
}

// static serves the embedded static files. A request naming the file's
// current version may be cached for a year; others for an hour.
func (f *files) static(c echo.Context) error {
	name := strings.TrimPrefix(c.Param("*"), "/")
	b, err := static.FS.ReadFile(name)
	if err != nil || strings.Contains(name, "..") {
		return echo.ErrNotFound
	}
	v := static.Version(name)
	cacheControl := "public, max-age=3600"
	if c.QueryParam("v") == v {
		cacheControl = "public, max-age=31536000, immutable"
	}
	return sendContent(c, path.Ext(name), `"`+v+`"`, cacheControl, bytes.NewReader(b))
}

// codeCSS serves the colours of highlighted code, one class per kind of
// token; web/static/content.css imports it.
func (f *files) codeCSS(c echo.Context) error {
	return sendFile(c, ".css", f.code, imageCacheControl)
}

// faviconICO serves /favicon.ico, which browsers ask for whatever the page
// links: the blog's mark, drawn once at start-up.
func (f *files) faviconICO(c echo.Context) error {
	return sendFile(c, ".ico", f.ico, imageCacheControl)
}

// faviconPNG serves /favicon.png, the address the original Blog's pages
// link: the same mark as a PNG.
func (f *files) faviconPNG(c echo.Context) error {
	return sendFile(c, ".png", f.png, imageCacheControl)
}

// image serves GET /assets/images/{name}: an image of the content from the
// database, by the name posts use, with or without the original file's
// extension (blog_1, blog_1.png and blog_1.webp are the same image). Its
// ETag is the stored hash, so a revalidation reads no picture.
func (f *files) image(c echo.Context) error {
	ctx := c.Request().Context()
	name, err := url.PathUnescape(c.Param("name"))
	if err != nil || name == "" {
		return blog.Errorf(blog.ENOTFOUND, "There is no image at %s.", c.Request().URL.Path)
	}
	found, err := assets.Find(ctx, f.db, name)
	if err != nil {
		return err
	}
	picture := &onDemand{load: func() ([]byte, error) {
		a, err := assets.Get(ctx, f.db, found.Name)
		return a.Data, err
	}}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, found.ContentType)
	if found.ContentType == assets.SVGContentType {
		h.Set("Content-Security-Policy", svgPolicy)
	}
	return sendContent(c, "", assetETag(found.Hash), imageCacheControl, picture)
}

// assetETag is an image's ETag: its stored hash, which changes with the
// file and with the conversion.
func assetETag(hash string) string { return `"` + hash[:min(32, len(hash))] + `"` }

// sendFile answers a file with an ETag from its bytes.
func sendFile(c echo.Context, ext string, b []byte, cacheControl string) error {
	sum := sha256.Sum256(b)
	return sendContent(c, ext, `"`+hex.EncodeToString(sum[:12])+`"`, cacheControl, bytes.NewReader(b))
}

// sendContent answers with content, or 304 Not Modified when the client's
// copy has the etag (http.ServeContent, which also answers ranges). The
// content type is ext's, unless the handler set one.
func sendContent(c echo.Context, ext, etag, cacheControl string, content io.ReadSeeker) error {
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, cacheControl)
	h.Set("ETag", etag)
	if h.Get(echo.HeaderContentType) == "" {
		if ctype := mime.TypeByExtension(ext); ctype != "" {
			h.Set(echo.HeaderContentType, ctype)
		}
	}
	http.ServeContent(c.Response(), c.Request(), "", time.Time{}, content)
	return nil
}

// onDemand is content that is read only when http.ServeContent needs it:
// not for a revalidation it answers 304 Not Modified.
type onDemand struct {
	load func() ([]byte, error)
	r    *bytes.Reader
}

func (o *onDemand) reader() (*bytes.Reader, error) {
	if o.r == nil {
		b, err := o.load()
		if err != nil {
			return nil, err
		}
		o.r = bytes.NewReader(b)
	}
	return o.r, nil
}

func (o *onDemand) Read(p []byte) (int, error) {
	r, err := o.reader()
	if err != nil {
		return 0, err
	}
	return r.Read(p)
}

func (o *onDemand) Seek(offset int64, whence int) (int64, error) {
	r, err := o.reader()
	if err != nil {
		return 0, err
	}
	return r.Seek(offset, whence)
}
