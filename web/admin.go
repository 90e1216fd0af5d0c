package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// isAdmin reports whether the request carries the admin's valid Basic
// credentials, checked under the sign-in limit like every write's
// (checkAdmin). Pages shown differently to the admin are never kept in or
// answered from the page cache.
func (s *Server) isAdmin(c echo.Context) bool {
	if s.adminPassword == "" || c.Request().Header.Get(echo.HeaderAuthorization) == "" {
		return false // a reader: no need to look at the limit
	}
	return s.checkAdmin(c).ok
}

// handleSignIn is behind requireAdmin: the browser asks for the password,
// and once given goes back to the page it came from, now with its edit
// controls. Only addresses of this site are followed.
func (s *Server) handleSignIn(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Redirect(http.StatusSeeOther, localNext(c.QueryParam("next"), "/tags"))
}

// adminView marks an answer made for the admin: no cache may keep it, and
// caches that kept the reader's version must not give it to the admin.
func adminView(c echo.Context) {
	h := c.Response().Header()
	h.Set("Cache-Control", "private, no-store")
	h.Add("Vary", "Authorization")
}
