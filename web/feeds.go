package web

import (
	"database/sql"
	"encoding/xml"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"blog/internal/posts"
	"blog/internal/projects"
)

// feeds answers what programs read rather than people: the RSS feed, the
// sitemap and robots.txt, all with the blog's public address.
type feeds struct {
	db   *sql.DB
	site Site
	// baseURL is BLOG_URL without a trailing slash; empty: the request's
	// scheme and host.
	baseURL string
}

// feedSize is how many of the newest posts the feed carries.
const feedSize = 20

// rss is an RSS 2.0 document.
type rss struct {
	XMLName   xml.Name   `xml:"rss"`
	Version   string     `xml:"version,attr"`
	AtomNS    string     `xml:"xmlns:atom,attr"`
	ContentNS string     `xml:"xmlns:content,attr"`
	Channel   rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	Language      string    `xml:"language"`
	LastBuildDate string    `xml:"lastBuildDate,omitempty"`
	Self          atomLink  `xml:"atom:link"`
	Items         []rssItem `xml:"item"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type rssItem struct {
	Title       string   `xml:"title"`
	Link        string   `xml:"link"`
	GUID        rssGUID  `xml:"guid"`
	PubDate     string   `xml:"pubDate,omitempty"`
	Description string   `xml:"description"`
	Content     cdata    `xml:"content:encoded"`
	Categories  []string `xml:"category"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

type cdata struct {
	Value string `xml:",cdata"`
}

// rfc1123 is t as RSS writes dates; "" for a post without a date.
func rfc1123(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC1123Z)
}

// rss answers the RSS 2.0 feed of the newest published posts, with
// absolute links; drafts are never listed, so they never appear. Each
// item's guid is the post's slug, not a permalink, as the original Blog's
// feed has it, so a subscriber who moves over sees no old post as new.
func (f *feeds) rss(c echo.Context) error {
	ctx := c.Request().Context()
	base := f.base(c)
	list, err := posts.List(ctx, f.db, posts.Filter{Limit: feedSize})
	if err != nil {
		return err
	}
	ch := rssChannel{
		Title:       f.site.Name,
		Link:        base + "/",
		Description: f.site.Description,
		Language:    "en",
		Self:        atomLink{Href: base + "/rss.xml", Rel: "self", Type: "application/rss+xml"},
		Items:       []rssItem{},
	}
	if len(list) > 0 {
		ch.LastBuildDate = list[0].UpdatedAt.UTC().Format(time.RFC1123Z)
	}
	for _, s := range list {
		p, err := posts.Get(ctx, f.db, s.Slug)
		if err != nil {
			return err
		}
		link := base + p.URL()
		item := rssItem{
			Title:       p.Title,
			Link:        link,
			GUID:        rssGUID{IsPermaLink: "false", Value: p.Slug},
			PubDate:     rfc1123(p.PublishedAt),
			Description: p.Description,
			Content:     cdata{absoluteLinks(p.HTML, base)},
		}
		for _, t := range p.Tags {
			item.Categories = append(item.Categories, t.Label)
		}
		ch.Items = append(ch.Items, item)
	}
	body, err := xml.MarshalIndent(rss{
		Version:   "2.0",
		AtomNS:    "http://www.w3.org/2005/Atom",
		ContentNS: "http://purl.org/rss/1.0/modules/content/",
		Channel:   ch,
	}, "", "  ")
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "application/rss+xml; charset=utf-8", append([]byte(xml.Header), body...))
}

// base is the blog's public address without a trailing slash: BLOG_URL,
// or else the scheme and host the request came to.
func (f *feeds) base(c echo.Context) string {
	if f.baseURL != "" {
		return f.baseURL
	}
	return c.Scheme() + "://" + c.Request().Host
}

// absoluteLinks makes the site-relative links and images of a post's HTML
// absolute, since a feed reader shows them away from the blog.
func absoluteLinks(html, base string) string {
	r := strings.NewReplacer(` href="/`, ` href="`+base+`/`, ` src="/`, ` src="`+base+`/`)
	return r.Replace(html)
}

type urlset struct {
	XMLName xml.Name     `xml:"urlset"`
	NS      string       `xml:"xmlns,attr"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

// sitemap lists the published posts, the lists and the projects
// page, each with when it last changed, so search engines come back for
// what is new: a post by its own date (published_at), never by when it
// was imported, which is every deploy's. Drafts are never listed.
func (f *feeds) sitemap(c echo.Context) error {
	ctx := c.Request().Context()
	base := f.base(c)
	list, err := posts.List(ctx, f.db, posts.Filter{})
	if err != nil {
		return err
	}
	projs, err := projects.List(ctx, f.db, projects.Filter{})
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
		if p.PublishedAt.After(newestPost) {
			newestPost = p.PublishedAt
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
		set.URLs = append(set.URLs, sitemapURL{Loc: base + p.URL(), LastMod: day(p.PublishedAt)})
	}
	body, err := xml.MarshalIndent(set, "", "  ")
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "application/xml; charset=utf-8", append([]byte(xml.Header), body...))
}

const robotsTxt = `# The pages are for everyone; forms, the API and searches are not.
User-agent: *
Allow: /
Disallow: /api/
Disallow: /internal/
Disallow: /admin/
Disallow: /search
Disallow: /tags/new
Disallow: /*/edit
`

// robots serves robots.txt, pointing at the sitemap.
func (f *feeds) robots(c echo.Context) error {
	body := robotsTxt + "\nSitemap: " + f.base(c) + "/sitemap.xml\n"
	return sendFile(c, ".txt", []byte(body), fileCacheControl)
}
