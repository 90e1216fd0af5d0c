package web

import "github.com/labstack/echo/v4"

// contentSecurityPolicy lets pages load scripts, styles, fonts and images
// from the blog itself only, and run no inline script. Inline style
// attributes are allowed for the images' placeholder custom property
// (style="--lqip:…").
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; " +
	"style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// fixedHeaders are the headers every answer carries, made once: net/http
// only reads them, so every answer can share these slices.
var fixedHeaders = map[string][]string{
	"Content-Security-Policy": {contentSecurityPolicy},
	"X-Content-Type-Options":  {"nosniff"},
	"Referrer-Policy":         {"same-origin"},
	"X-Frame-Options":         {"DENY"},
}

var hsts = []string{"max-age=31536000"}

// securityHeaders sets the headers every page wants: the policy, which
// only matters to the HTML pages and costs the others nothing, and what
// keeps a browser from sniffing, framing or leaking; behind TLS, HSTS, so
// the browser never again tries the blog over plain HTTP. A handler may
// set a stricter policy of its own, as the image route does for SVG.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		for k, v := range fixedHeaders {
			h[k] = v
		}
		if c.Scheme() == "https" {
			h["Strict-Transport-Security"] = hsts
		}
		return next(c)
	}
}
