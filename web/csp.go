package web

import "github.com/labstack/echo/v4"

// contentSecurityPolicy lets pages load scripts, styles, fonts and images
// from the blog itself only, and run no inline script. Inline style
// attributes are allowed for the images' placeholder custom property
// (style="--lqip:…"). A handler may set a stricter policy of its own, as
// the image route does for SVG.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; " +
	"style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// withCSP sends the policy with every answer; it only matters to the
// HTML pages, and costs the others nothing.
func withCSP(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Content-Security-Policy", contentSecurityPolicy)
		return next(c)
	}
}

// securityHeaders sets the headers every page wants; behind TLS, HSTS, so
// the browser never again tries the blog over plain HTTP.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		if c.Scheme() == "https" {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		return next(c)
	}
}
