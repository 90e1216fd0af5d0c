package web

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"

	"github.com/labstack/echo/v4"

	"blog"
)

const (
	csrfCookie = "blog_csrf"
	csrfField  = "_csrf"
	csrfKey    = "csrf"
)

// csrf protects form posts with a double-submit token: a random value in a
// cookie that a form must repeat in its hidden _csrf input. A post without
// it, or with another value, is refused before the handler runs.
func csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := ""
		if ck, err := c.Cookie(csrfCookie); err == nil && len(ck.Value) >= 32 {
			token = ck.Value
		}
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead:
			if token == "" {
				token = newToken()
				c.SetCookie(&http.Cookie{Name: csrfCookie, Value: token, Path: "/",
					HttpOnly: true, SameSite: http.SameSiteStrictMode})
			}
			c.Response().Header().Add("Vary", "Cookie")
		default:
			sent := c.FormValue(csrfField)
			if token == "" || sent == "" || !equal(token, sent) {
				return blog.Errorf(blog.EFORBIDDEN,
					"This form has expired or did not come from this blog. Reload the page and try again.")
			}
		}
		c.Set(csrfKey, token)
		return next(c)
	}
}

func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func csrfToken(c echo.Context) string {
	t, _ := c.Get(csrfKey).(string)
	return t
}
