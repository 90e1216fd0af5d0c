package web

import (
	"net/url"
	pathpkg "path"
	"strings"

	"github.com/labstack/echo/v4"
)

// redirect answers with a redirect to a path of this site (decoded, as in
// r.URL.Path) and a query (raw, as in r.URL.RawQuery). Every redirect the
// blog makes goes through here, so none can leave the site, whatever the
// request's path or a ?next= holds.
func redirect(c echo.Context, code int, path, rawQuery string) error {
	return c.Redirect(code, localTarget(path, rawQuery))
}

// localTarget is the address a redirect sends the browser to: path cleaned
// (no dot segments, no doubled or trailing slash) and escaped, with the
// query; "/" when the path is not one of this site or a browser could read
// it as another host. A browser drops tabs and newlines from an address
// and reads a backslash as a slash, so "/\t/evil" and "/\evil" would be
// "//evil". A query that holds such characters is dropped.
func localTarget(path, rawQuery string) string {
	if path == "" || path[0] != '/' || strings.ContainsFunc(path, unsafeInURL) {
		return "/"
	}
	path = pathpkg.Clean(path)
	if strings.HasPrefix(path, "//") {
		return "/"
	}
	out := (&url.URL{Path: path}).EscapedPath()
	if rawQuery != "" && !strings.ContainsFunc(rawQuery, unsafeInURL) {
		out += "?" + rawQuery
	}
	return out
}

// localNext is the page a ?next= names, as a redirect target: only a
// path of this site; fallback when it names none or another site.
func localNext(next, fallback string) string {
	if next == "" || strings.ContainsFunc(next, unsafeInURL) {
		return fallback
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return fallback
	}
	if t := localTarget(u.Path, u.RawQuery); t != "/" || u.Path == "/" {
		return t
	}
	return fallback
}

// unsafeInURL reports the characters a browser drops from an address or
// reads as a slash, and any other control character or space.
func unsafeInURL(r rune) bool {
	return r <= ' ' || r == 0x7f || r == '\\'
}
