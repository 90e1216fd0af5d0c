package web

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"blog"
	"blog/internal/assets"
)

// svgPolicy is the Content-Security-Policy of an SVG opened on its own: a
// document that may draw, and never run script or load anything.
const svgPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"

// handleAsset serves GET /assets/images/{name}: an image of the content
// from the database, by the name posts use, with or without the original
// file's extension (blog_1, blog_1.png and blog_1.webp are the same
// image). Its ETag is the stored hash, so a revalidation reads no picture.
func (s *Server) handleAsset(c echo.Context) error {
	ctx := c.Request().Context()
	db := s.contentDB()
	name, err := url.PathUnescape(c.Param("name"))
	if err != nil || name == "" {
		return blog.Errorf(blog.ENOTFOUND, "There is no image at %s.", c.Request().URL.Path)
	}
	h := c.Response().Header()
	h.Set("Cache-Control", imageCacheControl)
	if c.Request().Header.Get("If-None-Match") != "" {
		// A revalidation: compare hashes before reading any picture.
		hash, stored, err := assetHash(ctx, db, name)
		if err != nil {
			return err
		}
		etag := assetETag(hash)
		if notModified(c.Request(), etag, time.Time{}) {
			h.Set("ETag", etag)
			return c.NoContent(http.StatusNotModified)
		}
		name = stored
	}
	f, err := assets.Get(ctx, db, name)
	if blog.ErrorCode(err) == blog.ENOTFOUND {
		if bare := assets.NameOf(name); bare != name && bare != "" {
			f, err = assets.Get(ctx, db, bare)
		}
	}
	if blog.ErrorCode(err) == blog.ENOTFOUND {
		return blog.Errorf(blog.ENOTFOUND, "There is no image called %s.", name)
	}
	if err != nil {
		return err
	}
	h.Set("ETag", assetETag(f.Hash))
	// Said up front, so a browser can show progress and the answer is not
	// sent in chunks.
	h.Set("Content-Length", strconv.Itoa(len(f.Data)))
	if f.ContentType == assets.SVGContentType {
		h.Set("Content-Security-Policy", svgPolicy)
	}
	return c.Blob(http.StatusOK, f.ContentType, f.Data)
}

// assetETag is an image's ETag: its stored hash, which changes with the
// file and with the conversion.
func assetETag(hash string) string { return `"` + hash[:min(32, len(hash))] + `"` }

// assetHash finds the image a requested name means, trying it as it is,
// then without its extension, and returns its hash and stored name.
func assetHash(ctx context.Context, db *sql.DB, name string) (hash, stored string, err error) {
	hash, err = assets.HashOf(ctx, db, name)
	if blog.ErrorCode(err) == blog.ENOTFOUND {
		if bare := assets.NameOf(name); bare != name && bare != "" {
			if hash, err = assets.HashOf(ctx, db, bare); err == nil {
				return hash, bare, nil
			}
		}
		return "", "", blog.Errorf(blog.ENOTFOUND, "There is no image called %s.", name)
	}
	return hash, name, err
}
