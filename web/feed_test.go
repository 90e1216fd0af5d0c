package web_test

import (
	"encoding/xml"
	"net/url"
	"strings"
	"testing"
	"time"

	"blog/content"
)

// feedDoc is what a feed reader needs from an RSS 2.0 document.
type feedDoc struct {
	XMLName xml.Name `xml:"rss"`
	Version string   `xml:"version,attr"`
	Channel struct {
		Title       string `xml:"title"`
		Description string `xml:"description"`
		// The channel's <link> and the Atom <atom:link rel="self">.
		Links []struct {
			XMLName xml.Name
			Href    string `xml:"href,attr"`
			Rel     string `xml:"rel,attr"`
			Value   string `xml:",chardata"`
		} `xml:"link"`
		Link, Self string
		Items      []struct {
			Title string `xml:"title"`
			Link  string `xml:"link"`
			GUID  struct {
				Value       string `xml:",chardata"`
				IsPermaLink string `xml:"isPermaLink,attr"`
			} `xml:"guid"`
			PubDate     string   `xml:"pubDate"`
			Description string   `xml:"description"`
			Content     string   `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
			Categories  []string `xml:"category"`
		} `xml:"item"`
	} `xml:"channel"`
}

func readFeed(t *testing.T, e *contentEnv) feedDoc {
	t.Helper()
	r := e.get("/rss.xml")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/rss+xml") {
		t.Fatalf("GET /rss.xml = %d %q", r.status, r.header.Get("Content-Type"))
	}
	if !strings.HasPrefix(r.body, `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Errorf("the feed has no XML declaration")
	}
	var f feedDoc
	if err := xml.Unmarshal([]byte(r.body), &f); err != nil {
		t.Fatalf("the feed is not XML: %v", err)
	}
	for _, l := range f.Channel.Links {
		switch {
		case l.XMLName.Space == "":
			f.Channel.Link = l.Value
		case l.XMLName.Space == "http://www.w3.org/2005/Atom" && l.Rel == "self":
			f.Channel.Self = l.Href
		}
	}
	return f
}

// absolute checks that s is an absolute http(s) URL under base.
func absolute(t *testing.T, what, s, base string) {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || !strings.HasPrefix(s, base) {
		t.Errorf("%s %q is not an absolute link under %s", what, s, base)
	}
}

func TestFeed(t *testing.T) {
	e := newContentEnv(t, content.FS, "")
	f := readFeed(t, e)
	if f.Version != "2.0" {
		t.Errorf("version = %q", f.Version)
	}
	c := f.Channel
	if c.Title == "" || c.Description == "" {
		t.Errorf("channel title %q, description %q", c.Title, c.Description)
	}
	absolute(t, "channel link", c.Link, e.srv.URL)
	absolute(t, "self link", c.Self, e.srv.URL)
	if !strings.HasSuffix(c.Self, "/rss.xml") {
		t.Errorf("self link = %q", c.Self)
	}
	if len(c.Items) != 6 {
		t.Fatalf("%d items, want the 6 published posts", len(c.Items))
	}
	var prev time.Time
	for i, it := range c.Items {
		if it.Title == "" || it.Description == "" {
			t.Errorf("item %d: title %q, description %q", i, it.Title, it.Description)
		}
		absolute(t, "item link", it.Link, e.srv.URL)
		if !strings.HasSuffix(it.Link, "/posts/"+it.GUID.Value) || it.GUID.IsPermaLink != "false" {
			t.Errorf("item %d: guid %q (isPermaLink=%q), link %q; want the slug, not a permalink", i, it.GUID.Value, it.GUID.IsPermaLink, it.Link)
		}
		d, err := time.Parse(time.RFC1123Z, it.PubDate)
		if err != nil {
			t.Errorf("item %d: pubDate %q: %v", i, it.PubDate, err)
		}
		if i > 0 && d.After(prev) {
			t.Errorf("item %d is newer than the one before it", i)
		}
		prev = d
		for _, m := range hrefs.FindAllStringSubmatch(it.Content, -1) {
			if strings.HasPrefix(m[1], "#") {
				continue
			}
			if u, _ := url.Parse(m[1]); u == nil || u.Host == "" {
				t.Errorf("item %d: relative link %q in its content", i, m[1])
			}
		}
		if strings.Contains(it.Title, "Measuring") {
			t.Errorf("the feed carries the draft")
		}
	}
	if c.Items[0].Title != newest {
		t.Errorf("first item %q, want %q", c.Items[0].Title, newest)
	}
	primary := c.Items[len(c.Items)-2]
	if !strings.Contains(strings.Join(primary.Categories, ","), "litefs") {
		t.Errorf("categories = %v", primary.Categories)
	}
	if !strings.Contains(primary.Content, `src="`+e.srv.URL+`/assets/images/write-path"`) {
		t.Errorf("the image in the content is not absolute")
	}
}

func TestFeedBaseURL(t *testing.T) {
	e := newContentEnv(t, content.FS, "https://notes.example/")
	f := readFeed(t, e)
	if f.Channel.Link != "https://notes.example/" {
		t.Errorf("channel link = %q", f.Channel.Link)
	}
	for _, it := range f.Channel.Items {
		absolute(t, "item link", it.Link, "https://notes.example/posts/")
	}
}
