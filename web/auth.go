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
		a := s.checkAdmin(c)
		if a.wait > 0 {
			secs := int(math.Ceil(a.wait.Seconds()))
			c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
			return blog.Errorf(blog.ETOOMANY,
				"Too many failed sign-ins from your address; try again in %d seconds.", secs)
		}
		if !a.ok {
			return blog.Errorf(blog.EUNAUTHORIZED, "Sign in as admin to change the blog.")
		}
		return next(c)
	}
}

// adminCheck is what a request's Basic credentials are worth.
type adminCheck struct {
	ok   bool          // they are the admin's
	wait time.Duration // the client must wait this long before trying again
}

const adminCheckKey = "blog.adminCheck"

// checkAdmin checks the request's credentials against the admin's password
// under the sign-in limit, once per request: the write guard and the pages
// that show the admin more (isAdmin) share one answer, so a wrong password
// counts once against the limit, whichever asks. The password must be set.
func (s *Server) checkAdmin(c echo.Context) adminCheck {
	if a, ok := c.Get(adminCheckKey).(adminCheck); ok {
		return a
	}
	var a adminCheck
	addr := s.clientAddr(c.Request())
	now := time.Now()
	user, pass, given := c.Request().BasicAuth()
	switch a.wait = s.logins.wait(addr, now); {
	case a.wait > 0 || !given:
	case equal(user, "admin") && equal(pass, s.adminPassword):
		a.ok = true
	default:
		s.logins.fail(addr, now)
		s.log.Warn("failed sign-in", "remote", addr)
	}
	c.Set(adminCheckKey, a)
	return a
}

// equal compares secrets in constant time whatever their lengths.
func equal(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}
