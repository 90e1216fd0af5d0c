package web

import (
	"encoding/xml"
	"time"

	"github.com/labstack/echo/v4"

	"blog/internal/posts"
	"blog/internal/projects"
)

type urlset struct {
	XMLName xml.Name     `xml:"urlset"`
	NS      string       `xml:"xmlns,attr"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

// handleSitemap lists the published posts, the lists and the projects
// page, each with when it last changed, so search engines come back for
// what is new. Drafts are never listed.
func (rd *reading) handleSitemap(c echo.Context) error {
	ctx := c.Request().Context()
	base := rd.base(c)
	list, err := posts.List(ctx, rd.db, posts.Filter{})
	if err != nil {
		return err
	}
	projs, err := projects.List(ctx, rd.db, projects.Filter{})
	if err != nil {
		return err
	}
	day := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02")
	}
	var newestPost, newestProject time.Time
	for _, p := range list {
		if p.UpdatedAt.After(newestPost) {
			newestPost = p.UpdatedAt
		}
	}
	for _, p := range projs {
		if p.UpdatedAt.After(newestProject) {
			newestProject = p.UpdatedAt
		}
	}
	set := urlset{NS: "http://www.sitemaps.org/schemas/sitemap/0.9", URLs: []sitemapURL{
		{Loc: base + "/", LastMod: day(newestPost)},
		{Loc: base + "/posts", LastMod: day(newestPost)},
		{Loc: base + "/projects", LastMod: day(newestProject)},
	}}
	for _, p := range list {
		set.URLs = append(set.URLs, sitemapURL{Loc: base + p.URL(), LastMod: day(p.UpdatedAt)})
	}
	body, err := xml.MarshalIndent(set, "", "  ")
	if err != nil {
		return err
	}
	return rd.sendCached(c, "application/xml; charset=utf-8", append([]byte(xml.Header), body...))
}
