// Package views holds the blog's pages as templ components: plain functions
// of typed data that share one layout and hold presentation only.
package views

import (
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"blog/internal/markdown"
	"blog/web/static"
)

// Page is what the layout needs from every page.
type Page struct {
	Title       string
	Description string // the page's own; the site's when empty
	Path        string // the request's path, to mark the current section
	// CSRF is the token for forms on the page, asked for only by a page
	// that shows one (the reader is then sent its cookie).
	CSRF func() string
	Site Site
	// TOC, when set, is shown in the sidebar (posts).
	TOC *TOC
	// Live says the node serves /live, so the page loads live.js to fill
	// the sidebar's viewers and presence and to follow content changes.
	Live bool
	// Styles are stylesheets of web/static the page needs besides the
	// site's, by name (cluster.css).
	Styles []string
}

// Site is the blog's identity: BLOG_SITE_NAME, BLOG_SITE_DESCRIPTION,
// BLOG_SOURCE_URL and the taglines the header types out.
type Site struct {
	Name        string
	Description string
	SourceURL   string // empty: no Source link
	Taglines    []string
}

// TOC is a post's table of contents: its title, then its headings.
type TOC struct {
	Title    string
	TitleID  string // the id of the element that shows the title
	Headings []markdown.Heading
}

// WithTOC returns the page with a table of contents in its sidebar.
func (p Page) WithTOC(title, titleID string, headings []markdown.Heading) Page {
	p.TOC = &TOC{Title: title, TitleID: titleID, Headings: headings}
	return p
}

// Section returns the top-level section of the page, for the navigation.
func (p Page) Section() string {
	s := strings.TrimPrefix(p.Path, "/")
	if i := strings.IndexByte(s, '/'); i >= 0 {
		s = s[:i]
	}
	return s
}

func (p Page) site() string { return p.Site.Name }

// csrf is the form token, "" for a page made without one.
func (p Page) csrf() string {
	if p.CSRF == nil {
		return ""
	}
	return p.CSRF()
}

func (p Page) description() string {
	if p.Description != "" {
		return p.Description
	}
	return p.Site.Description
}

// home reports whether the page is the front page, for the navigation.
func (p Page) home() bool { return p.Path == "/" || p.Path == "" }

// tagline is the one shown before the script picks one at random, and to
// readers without it: the same for every page of the same address.
func (p Page) tagline() string {
	if len(p.Site.Taglines) == 0 {
		return ""
	}
	h := fnv.New32a()
	h.Write([]byte(p.Path))
	return p.Site.Taglines[h.Sum32()%uint32(len(p.Site.Taglines))]
}

func (p Page) taglines() string { return strings.Join(p.Site.Taglines, "\n") }

func (p Page) fullTitle() string {
	if p.Title == "" || p.Title == p.site() {
		return p.site()
	}
	return p.Title + " · " + p.site()
}

// TagForm is the state of the create and rename forms.
type TagForm struct {
	Action    string
	Submit    string
	Label     string // the value typed, kept when the form comes back
	Error     string // the message shown next to the label field
	WritesOff bool   // no admin password is set: say how to enable writes
}

// Link is a titled link with an optional date, for lists.
type Link struct {
	Title string
	URL   string
	Date  time.Time
	Text  string
}

// TagContent is what is filed under a tag.
type TagContent struct {
	Posts    []Link
	Projects []Link
}

func asset(name string) string { return static.URL(name) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// date, longDate and shortDate write a date as the original Blog does, in
// the American order: "July 20, 2024", "Jul 20, 2024".
func date(t time.Time) string { return longDate(t) }

func longDate(t time.Time) string { return t.Format("January 02, 2006") }

func shortDate(t time.Time) string { return t.Format("Jan 02, 2006") }

func isoDate(t time.Time) string { return t.Format(time.RFC3339) }
