package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"math"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"blog"
)

// requireAdmin guards every write route with HTTP Basic auth as user admin.
// Without a configured password no one may write, and the answer says how
// to change that. A client address that has failed LoginFailures times in
// LoginWindow is answered 429 until the window ends, its password not even
// checked, so guessing it goes no faster than that.
func (s *Server) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.adminPassword == "" {
			return blog.Errorf(blog.EFORBIDDEN,
				"Writing is disabled: start the blog with BLOG_ADMIN_PASSWORD set to enable it.")
		}
		addr := s.clientAddr(c.Request())
		now := time.Now()
		if wait := s.logins.wait(addr, now); wait > 0 {
			secs := int(math.Ceil(wait.Seconds()))
			c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
			return blog.Errorf(blog.ETOOMANY,
				"Too many failed sign-ins from your address; try again in %d seconds.", secs)
		}
		user, pass, ok := c.Request().BasicAuth()
		if !ok {
			return blog.Errorf(blog.EUNAUTHORIZED, "Sign in as admin to change the blog.")
		}
		if !equal(user, "admin") || !equal(pass, s.adminPassword) {
			s.logins.fail(addr, now)
			s.log.Warn("failed sign-in", "remote", addr)
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
