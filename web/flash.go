package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// A flash is the one-time "Tag created." a writer sees on the page a form
// redirects to. It travels in a short-lived cookie, so the redirect goes to
// the page's own address, and a page showing one is never cached.
const (
	flashCookie = "blog_flash"
	flashKey    = "flash"
)

// setFlash leaves what for the next page this browser loads.
func setFlash(c echo.Context, what string) {
	c.SetCookie(&http.Cookie{Name: flashCookie, Value: what, Path: "/", MaxAge: 60,
		HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// takeFlash returns the flash this request carries, clears its cookie, and
// keeps it for flashOf; "" when there is none.
func takeFlash(c echo.Context) string {
	ck, err := c.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	c.SetCookie(&http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1})
	switch ck.Value {
	case "created", "renamed", "deleted":
		c.Set(flashKey, ck.Value)
		return ck.Value
	}
	return ""
}

// flashOf returns the flash taken for this request.
func flashOf(c echo.Context) string {
	f, _ := c.Get(flashKey).(string)
	return f
}

// hasFlash reports whether the request carries a flash: a page showing it
// is for this browser once, and never comes from the page cache.
func hasFlash(r *http.Request) bool {
	_, err := r.Cookie(flashCookie)
	return err == nil
}
