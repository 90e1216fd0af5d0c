package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// MaxBody is the largest request body accepted, API and forms alike.
const MaxBody = 64 << 10

// routes registers every route of the blog.
func (s *Server) routes() {
	e := s.echo
	e.Pre(headAsGet)
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	e.Use(s.logRequests)
	e.Use(middleware.Recover())
	e.Use(middleware.BodyLimit("64K"))
	e.Use(securityHeaders)

	e.GET("/health", s.handleHealth)
	if s.metrics != nil {
		e.GET("/metrics", echo.WrapHandler(s.metrics))
	}
	if s.forward != nil {
		e.POST("/internal/forward", echo.WrapHandler(s.forward))
	}
	e.GET("/static/*", s.handleStatic)

	// Tag pages. Forms carry a CSRF token; writes need the admin.
	pages := e.Group("", csrf)
	pages.GET("/tags", s.handleTagIndex)
	pages.GET("/tags/new", s.handleTagNew)
	pages.POST("/tags", s.handleTagCreate, s.requireAdmin)
	pages.GET("/tags/:id", s.handleTagShow)
	pages.GET("/tags/:id/edit", s.handleTagEdit)
	pages.POST("/tags/:id", s.handleTagRename, s.requireAdmin)
	pages.POST("/tags/:id/delete", s.handleTagDelete, s.requireAdmin)

	s.liveRoutes(e)

	// JSON API.
	api := e.Group("/api")
	api.GET("/tags", s.handleAPITagList)
	api.GET("/tags/:id", s.handleAPITagGet)
	api.POST("/tags", s.handleAPITagCreate, s.requireAdmin)
	api.PATCH("/tags/:id", s.handleAPITagRename, s.requireAdmin)
	api.DELETE("/tags/:id", s.handleAPITagDelete, s.requireAdmin)
	api.Any("/*", func(c echo.Context) error { return echo.ErrNotFound })

	s.contentRoutes(e, pages)
}

// securityHeaders sets the headers every page wants.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		return next(c)
	}
}
