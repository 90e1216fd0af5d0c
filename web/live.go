package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"blog"
	"blog/internal/live"
	"blog/internal/posts"
)

// heartbeat is how often an idle live stream sends a comment, so that
// proxies and the browser keep it open.
const heartbeat = 15 * time.Second

// liveRoutes registers the live stream and the JSON views of what it sends.
func (s *Server) liveRoutes(e *echo.Echo) {
	if s.live == nil {
		return
	}
	e.GET("/live", s.handleLive)
	e.GET("/api/viewers", s.handleAPIViewers)
	e.GET("/api/presence", s.handleAPIPresence)
}

// handleLive holds a Server-Sent Events stream open for a page: one viewer
// of that page while it lasts. It sends the viewer counts, the presence
// and "content" when the content changed, whenever they do.
func (s *Server) handleLive(c echo.Context) error {
	path, err := livePath(c.QueryParam("path"))
	if err == nil {
		err = s.pageExists(c.Request().Context(), path)
	}
	if err != nil {
		return liveError(c, err)
	}
	st, err := s.live.Open(path)
	if errors.Is(err, live.ErrFull) || errors.Is(err, live.ErrClosed) {
		return liveError(c, blog.Errorf(blog.EUNAVAILABLE, "this node holds as many live pages as it may; the page works without"))
	} else if err != nil {
		return err
	}
	defer st.Close()

	w := c.Response()
	// A stream lasts as long as the page is open: neither deadline the
	// server sets for ordinary requests (limits.go) applies to it.
	_ = streamWithoutDeadlines(w)
	h := w.Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set(echo.HeaderCacheControl, "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	send := func() error {
		for _, ev := range st.Next() {
			if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.Name, ev.Data); err != nil {
				return err
			}
		}
		w.Flush()
		return nil
	}
	if err := send(); err != nil {
		return nil
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	ctx := c.Request().Context()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.stopLive:
			return nil
		case _, ok := <-st.Wake():
			if !ok {
				return nil // the hub stopped
			}
			if err := send(); err != nil {
				return nil
			}
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return nil
			}
			w.Flush()
		}
	}
}

// handleAPIViewers answers the viewer counts of the deployment and of a
// page: {"site":N,"page":M}.
func (s *Server) handleAPIViewers(c echo.Context) error {
	path, err := livePath(c.QueryParam("path"))
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, s.live.Counts(path))
}

// handleAPIPresence answers the author's presence, as the pages show it.
func (s *Server) handleAPIPresence(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	data := s.live.Presence()
	if data == nil {
		data = []byte(`{"enabled":false,"connected":false,"status":"offline","activities":[],"spotify":null}`)
	}
	return c.JSONBlob(http.StatusOK, data)
}

// livePath checks the path a page says it has: present, absolute and not
// longer than live.MaxPath.
func livePath(p string) (string, error) {
	switch {
	case p == "":
		return "", blog.Errorf(blog.EBADREQUEST, "path is missing: /live?path=/posts/some-post")
	case len(p) > live.MaxPath:
		return "", blog.Errorf(blog.EBADREQUEST, "path is longer than %d bytes", live.MaxPath)
	case p[0] != '/' || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "?#\x00\r\n"):
		return "", blog.Errorf(blog.EBADREQUEST, "path must be a page's path, such as /posts/some-post")
	}
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	return p, nil
}

// pageExists answers nil when path is a page the site serves, so that no
// one can count viewers of addresses that are not pages. Sections are
// known by name; a post or a tag is looked up.
func (s *Server) pageExists(ctx context.Context, path string) error {
	unknown := blog.Errorf(blog.EBADREQUEST, "%s is not a page of this site", path)
	switch path {
	case "/", "/posts", "/projects", "/search", "/tags", "/tags/new", "/gallery":
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	switch {
	case len(parts) == 2 && parts[0] == "posts":
		ok, err := posts.Exists(ctx, s.contentDB(), parts[1])
		if err == nil && !ok {
			return unknown
		}
		return err
	case parts[0] == "tags" && (len(parts) == 2 || len(parts) == 3 && parts[2] == "edit"):
		id, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil {
			return unknown
		}
		_, err = s.tags.Get(ctx, id)
		if blog.ErrorCode(err) == blog.ENOTFOUND {
			return unknown
		}
		return err
	}
	return unknown
}

// liveError answers a refused stream with the error as JSON: an
// EventSource does not show an error page, and curl users can read it.
func liveError(c echo.Context, err error) error {
	var be *blog.Error
	if !errors.As(err, &be) {
		return err
	}
	return jsonError(c, statusOf(be.Code), be)
}
