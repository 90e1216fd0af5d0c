package web

import (
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"

	"blog/web/static"
)

// handleStatic serves the embedded static files. A request naming the
// file's current version may be cached for a year; others for an hour.
func (s *Server) handleStatic(c echo.Context) error {
	name := strings.TrimPrefix(c.Param("*"), "/")
	b, err := static.FS.ReadFile(name)
	if err != nil || strings.Contains(name, "..") {
		return echo.ErrNotFound
	}
	h := c.Response().Header()
	v := static.Version(name)
	if c.QueryParam("v") == v {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=3600")
	}
	etag := `"` + v + `"`
	h.Set("ETag", etag)
	if c.Request().Header.Get("If-None-Match") == etag {
		return c.NoContent(http.StatusNotModified)
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = http.DetectContentType(b)
	}
	return c.Blob(http.StatusOK, ctype, b)
}
