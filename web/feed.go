package web

import (
	"encoding/xml"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"blog/internal/posts"
	"blog/web/views"
)

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
	PubDate     string   `xml:"pubDate"`
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

// handleFeed answers the RSS 2.0 feed of the newest published posts, with
// absolute links; drafts are never listed, so they never appear. Each
// item's guid is the post's slug, not a permalink, as the original Blog's
// feed has it, so a subscriber who moves over sees no old post as new.
func (rd *reading) handleFeed(c echo.Context) error {
	ctx := c.Request().Context()
	base := rd.base(c)
	list, err := posts.List(ctx, rd.db, posts.Filter{Limit: feedSize})
	if err != nil {
		return err
	}
	ch := rssChannel{
		Title:       views.SiteName(),
		Link:        base + "/",
		Description: siteDescription,
		Language:    "en",
		Self:        atomLink{Href: base + "/rss.xml", Rel: "self", Type: "application/rss+xml"},
		Items:       []rssItem{},
	}
	if len(list) > 0 {
		ch.LastBuildDate = list[0].UpdatedAt.UTC().Format(time.RFC1123Z)
	}
	for _, s := range list {
		p, err := posts.Get(ctx, rd.db, s.Slug)
		if err != nil {
			return err
		}
		link := base + p.URL()
		item := rssItem{
			Title:       p.Title,
			Link:        link,
			GUID:        rssGUID{IsPermaLink: "false", Value: p.Slug},
			PubDate:     p.PublishedAt.UTC().Format(time.RFC1123Z),
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
	return rd.sendCached(c, "application/rss+xml; charset=utf-8", append([]byte(xml.Header), body...))
}

// base is the blog's public address without a trailing slash: BLOG_URL,
// or else the scheme and host the request came to.
func (rd *reading) base(c echo.Context) string {
	if rd.baseURL != "" {
		return rd.baseURL
	}
	return c.Scheme() + "://" + c.Request().Host
}

// absoluteLinks makes the site-relative links and images of a post's HTML
// absolute, since a feed reader shows them away from the blog.
func absoluteLinks(html, base string) string {
	r := strings.NewReplacer(` href="/`, ` href="`+base+`/`, ` src="/`, ` src="`+base+`/`)
	return r.Replace(html)
}
