package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"blog/internal/posts"
	"blog/web/views"
)

// handleGallery shows every component of the site: the lists with the
// newest posts, the rest with made-up data.
func (s *Server) handleGallery(c echo.Context) error {
	g := views.SampleGallery()
	list, err := posts.List(c.Request().Context(), s.contentDB(), posts.Filter{Limit: 3})
	if err != nil {
		return err
	}
	if len(list) > 0 {
		g.Posts = list
	}
	p := s.page(c, "Gallery")
	p.Description = "Every component of the pages of " + s.site.Name + "."
	return s.render(c, http.StatusOK, views.Gallery(p, g))
}
