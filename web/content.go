package web

import (
	"context"

	"github.com/labstack/echo/v4"

	"blog/web/views"
)

// ContentDeps is what the reading side of the blog needs.
type ContentDeps struct{}

// contentRoutes registers the posts, projects, search and feed routes.
func (s *Server) contentRoutes(e *echo.Echo, pages *echo.Group) {}

// tagContent lists the posts and projects filed under a tag.
func (s *Server) tagContent(ctx context.Context, tagID int64) (views.TagContent, error) {
	return views.TagContent{}, nil
}
