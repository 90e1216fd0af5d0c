package web

import (
	"crypto/sha256"
	"crypto/subtle"

	"github.com/labstack/echo/v4"

	"blog"
)

// requireAdmin guards every write route with HTTP Basic auth as user admin.
// Without a configured password no one may write, and the answer says how
// to change that.
func (s *Server) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.adminPassword == "" {
			return blog.Errorf(blog.EFORBIDDEN,
				"Writing is disabled: start the blog with BLOG_ADMIN_PASSWORD set to enable it.")
		}
		user, pass, ok := c.Request().BasicAuth()
		if !ok || !equal(user, "admin") || !equal(pass, s.adminPassword) {
			return blog.Errorf(blog.EUNAUTHORIZED, "Sign in as admin to change the blog.")
		}
		return next(c)
	}
}

// equal compares secrets in constant time whatever their lengths.
func equal(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}
