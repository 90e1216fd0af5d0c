package posts

import (
	"fmt"
	"strings"
	"unicode"
)

// reserved are the first path segments the blog's own routes use: a
// permalink there would never be reached, or would hide a page. Old
// addresses under /posts/ are allowed; the post route falls back to them.
var reserved = map[string]bool{
	"": true, "api": true, "internal": true, "static": true, "images": true, "assets": true,
	"tags": true, "projects": true, "search": true, "health": true, "metrics": true,
	"rss.xml": true, "robots.txt": true, "favicon.ico": true, "chroma.css": true,
	"rss": true, "sitemap.xml": true, "favicon.png": true, "gallery": true, "live": true, "signin": true, "signout": true, "admin": true,
}

// NormalizePermalink writes an old address the way it is stored and
// looked up: one leading slash, no trailing slash.
func NormalizePermalink(p string) string {
	p = strings.TrimSpace(p)
	p = strings.TrimRight(p, "/")
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return p
}

// CheckPermalink reports why p cannot be a post's old address, or nil.
// p must already be normalized.
func CheckPermalink(p string) error {
	switch {
	case p != NormalizePermalink(p):
		return fmt.Errorf("permalink %q must start with / and not end with /", p)
	case len(p) > 300:
		return fmt.Errorf("permalink %q is longer than 300 bytes", p)
	case strings.Contains(p, "//"), strings.Contains(p, "/./"), strings.Contains(p, "/.."), strings.HasSuffix(p, "/."):
		return fmt.Errorf("permalink %q has an empty, . or .. segment", p)
	case strings.ContainsAny(p, "?#\\\"<>"):
		return fmt.Errorf("permalink %q must be a path without ?, #, \\, quotes or angle brackets", p)
	case strings.IndexFunc(p, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0:
		return fmt.Errorf("permalink %q must not contain spaces or control characters", p)
	}
	first, rest, _ := strings.Cut(p[1:], "/")
	if first == "posts" && rest != "" {
		return nil
	}
	if reserved[first] || first == "posts" {
		return fmt.Errorf("permalink %q is taken by one of the blog's own pages", p)
	}
	return nil
}
