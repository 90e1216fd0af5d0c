// Package views holds the blog's pages as templ components: plain functions
// of typed data that share one layout and hold presentation only.
package views

import (
	"strconv"
	"strings"
	"time"

	"blog/web/static"
)

// Page is what the layout needs from every page.
type Page struct {
	Title       string
	Description string
	Path        string // the request's path, to mark the current section
	CSRF        string // token for forms on the page
	SiteName    string
}

// Section returns the top-level section of the page, for the navigation.
func (p Page) Section() string {
	s := strings.TrimPrefix(p.Path, "/")
	if i := strings.IndexByte(s, '/'); i >= 0 {
		s = s[:i]
	}
	return s
}

func (p Page) site() string {
	if p.SiteName == "" {
		return "Replicated Notes"
	}
	return p.SiteName
}

func (p Page) fullTitle() string {
	if p.Title == "" {
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

func date(t time.Time) string { return t.Format("2 January 2006") }

func isoDate(t time.Time) string { return t.Format(time.RFC3339) }
