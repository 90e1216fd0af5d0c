package web

import (
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// routes registers every route of the blog.
func (s *Server) routes() {
	e := s.echo
	e.Pre(headAsGet)
	e.Pre(limitRequest)
	e.Use(s.logRequests)
	e.Use(middleware.Recover())
	e.Use(limitBody)
	e.Use(s.securityHeaders)
	e.Use(s.checkOrigin)
	e.Use(withCSP)

	e.GET("/health", s.handleHealth)
	if s.forward != nil {
		e.POST("/internal/forward", echo.WrapHandler(s.forward))
	}
	e.GET("/static/*", s.handleStatic)
	e.GET("/assets/images/:name", s.handleAsset)

	// Tag pages. Forms carry a CSRF token; writes need the admin. Each
	// route names its own middleware: on a group, echo would answer every
	// address under it, unknown ones and unknown methods included, through
	// that middleware.
	csrf := s.csrf
	e.GET("/tags", s.handleTagIndex, csrf)
	e.GET("/tags/new", s.handleTagNew, csrf)
	e.POST("/tags", s.handleTagCreate, csrf, s.requireAdmin)
	e.GET("/tags/:id", s.handleTagShow, csrf)
	e.GET("/tags/:id/edit", s.handleTagEdit, csrf)
	e.GET("/signin", s.handleSignIn, s.requireAdmin)
	e.POST("/tags/:id", s.handleTagRename, csrf, s.requireAdmin)
	e.POST("/tags/:id/delete", s.handleTagDelete, csrf, s.requireAdmin)

	s.liveRoutes(e)

	// JSON API.
	api := e.Group("/api")
	api.GET("/tags", s.handleAPITagList)
	api.GET("/tags/:id", s.handleAPITagGet)
	api.POST("/tags", s.handleAPITagCreate, s.requireAdmin)
	api.PATCH("/tags/:id", s.handleAPITagRename, s.requireAdmin)
	api.DELETE("/tags/:id", s.handleAPITagDelete, s.requireAdmin)

	e.GET("/gallery", s.handleGallery)

	s.contentRoutes(e)
}

// securityHeaders sets the headers every page wants; behind TLS, HSTS, so
// the browser never again tries the blog over plain HTTP.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		if s.behindTLS(c.Request()) {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		return next(c)
	}
}
