package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"blog"
	"blog/web/views"
)

// adminChallenge is the one challenge of the admin's sign-in, for every
// 401: a browser keeps the password it is given under the realm it was
// asked for, and forgets it when a request that carried it is answered
// 401 for the same realm (signOut), so there must be one realm.
const adminChallenge = `Basic realm="blog admin", charset="UTF-8"`

// admin is the blog's one user: HTTP Basic auth as "admin" with
// BLOG_ADMIN_PASSWORD, checked under a limit of failed sign-ins per client
// address (ratelimit.go).
type admin struct {
	password string
	logins   *loginLimiter
	log      *slog.Logger
}

func newAdmin(password string, log *slog.Logger) *admin {
	return &admin{password: password, logins: newLoginLimiter(), log: log}
}

// require guards a write route. Without a configured password no one may
// write, and the answer says how to change that. A client address that has
// failed LoginFailures times in LoginWindow is answered 429 until the
// window ends, its password not even checked, so guessing it goes no
// faster than that.
func (a *admin) require(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if a.password == "" {
			return blog.Errorf(blog.EFORBIDDEN,
				"Writing is disabled: start the blog with BLOG_ADMIN_PASSWORD set to enable it.")
		}
		ck := a.check(c)
		if ck.wait > 0 {
			secs := int(math.Ceil(ck.wait.Seconds()))
			c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
			return blog.Errorf(blog.ETOOMANY,
				"Too many failed sign-ins from your address; try again in %d seconds.", secs)
		}
		if !ck.ok {
			return blog.Errorf(blog.EUNAUTHORIZED, "Sign in as admin to change the blog.")
		}
		return next(c)
	}
}

// is reports whether the request carries the admin's valid credentials,
// checked under the sign-in limit like every write's. Pages shown
// differently to the admin are never kept in or answered from the page
// cache.
func (a *admin) is(c echo.Context) bool {
	if a.password == "" || c.Request().Header.Get(echo.HeaderAuthorization) == "" {
		return false // a reader: no need to look at the limit
	}
	return a.check(c).ok
}

// enabled reports whether writing is on (a password is set).
func (a *admin) enabled() bool { return a.password != "" }

// signIn is behind require: the browser asks for the password, and once
// given goes back to the page it came from, now with its edit controls.
// Only addresses of this site are followed.
func (a *admin) signIn(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.Redirect(http.StatusSeeOther, localNext(c.QueryParam("next"), "/tags"))
}

// signOutHandler makes this browser forget the admin's sign-in. Basic
// auth has no sign-out of its own; a browser drops the password it holds
// for a realm when a request that carried it is answered 401 with a
// challenge for that realm, then asks for the password again, which the
// page tells the admin to cancel. A browser that sent no password has
// nothing to forget and is not asked for one.
func signOutHandler(pg pager) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		forgets := c.Request().Header.Get(echo.HeaderAuthorization) != ""
		status := http.StatusOK
		if forgets {
			c.Response().Header().Set("WWW-Authenticate", adminChallenge)
			status = http.StatusUnauthorized
		}
		return render(c, status, views.SignedOut(pg.page(c, "Signed out"), forgets))
	}
}

// adminCheck is what a request's Basic credentials are worth.
type adminCheck struct {
	ok   bool          // they are the admin's
	wait time.Duration // the client must wait this long before trying again
}

const adminCheckKey = "blog.adminCheck"

// check checks the request's credentials against the admin's password
// under the sign-in limit, once per request: the write guard and the pages
// that show the admin more share one answer, so a wrong password counts
// once against the limit, whichever asks. The password must be set.
func (a *admin) check(c echo.Context) adminCheck {
	if ck, ok := c.Get(adminCheckKey).(adminCheck); ok {
		return ck
	}
	var ck adminCheck
	addr := c.RealIP()
	now := time.Now()
	user, pass, given := c.Request().BasicAuth()
	switch ck.wait = a.logins.wait(addr, now); {
	case ck.wait > 0 || !given:
	case equal(user, "admin") && equal(pass, a.password):
		ck.ok = true
	default:
		a.logins.fail(addr, now)
		a.log.Warn("failed sign-in", "remote", addr)
	}
	c.Set(adminCheckKey, ck)
	return ck
}

// adminView marks an answer made for the admin: no cache may keep it, and
// caches that kept the reader's version must not give it to the admin.
func adminView(c echo.Context) {
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "private, no-store")
}

// varyOnAuthorization marks the pages that show the admin more: a cache
// must not give the reader's copy to the admin, nor the other way round.
func varyOnAuthorization(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Add("Vary", "Authorization")
		return next(c)
	}
}

// equal compares secrets in constant time whatever their lengths.
func equal(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}
