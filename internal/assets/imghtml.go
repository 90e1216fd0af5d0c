package assets

import (
	"html"
	"io"
	"net/url"
	"path"
	"strconv"
	"strings"

	xhtml "golang.org/x/net/html"

	"blog/internal/markdown"
)

// URLPrefix is where the blog serves the images: /assets/images/{name}.
const URLPrefix = markdown.ImagePath

// PlaceholderClass is the class of an <img> that carries a placeholder in
// its style (--lqip), which web/static/lqip.css draws.
const PlaceholderClass = "lqip"

// LinkClass is the class of the link around each image to its full size.
const LinkClass = "image-link"

// RewriteImages returns a post's HTML with every image of the content made
// ready to show: its src the image's address, its width and height (so
// that the page does not jump as it loads), loading="lazy" on all but the
// first image of the post, decoding="async", the placeholder, and a link to
// the full-size picture around it unless it already sits in a link. Alt
// text and titles are kept. Images that are not the content's (other
// sites') only get the loading hints. lookup finds an image by its name.
func RewriteImages(body string, lookup func(name string) (Meta, bool)) string {
	if !strings.Contains(body, "<img") {
		return body
	}
	z := xhtml.NewTokenizer(strings.NewReader(body))
	var out strings.Builder
	out.Grow(len(body) + 256)
	seen, links := 0, 0
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			if z.Err() == io.EOF {
				return out.String()
			}
			return body // not HTML the renderer makes: leave it alone
		}
		raw := z.Raw()
		switch tt {
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken, xhtml.EndTagToken:
			tok := z.Token()
			switch {
			case tok.Data == "a" && tt == xhtml.StartTagToken:
				links++
			case tok.Data == "a" && tt == xhtml.EndTagToken:
				links = max(0, links-1)
			case tok.Data == "img" && tt != xhtml.EndTagToken:
				writeImage(&out, tok, seen == 0, links > 0, lookup)
				seen++
				continue
			}
		}
		out.Write(raw)
	}
}

func writeImage(out *strings.Builder, tok xhtml.Token, first, inLink bool, lookup func(string) (Meta, bool)) {
	attrs := map[string]string{}
	var order []string
	for _, a := range tok.Attr {
		if _, dup := attrs[a.Key]; !dup {
			order = append(order, a.Key)
		}
		attrs[a.Key] = a.Val
	}
	set := func(k, v string) {
		if _, ok := attrs[k]; !ok {
			order = append(order, k)
		}
		attrs[k] = v
	}
	meta, ok := resolve(attrs["src"], lookup)
	href := ""
	if ok {
		href = URLPrefix + url.PathEscape(meta.Name)
		set("src", href)
		if meta.Width > 0 && meta.Height > 0 {
			set("width", strconv.Itoa(meta.Width))
			set("height", strconv.Itoa(meta.Height))
		}
		if meta.LQIP != nil {
			class := strings.TrimSpace(attrs["class"] + " " + PlaceholderClass)
			set("class", class)
			set("style", "--lqip:"+strconv.Itoa(*meta.LQIP))
		}
	}
	if !first {
		set("loading", "lazy")
	}
	set("decoding", "async")
	if _, ok := attrs["alt"]; !ok {
		set("alt", "")
	}

	wrap := ok && !inLink
	if wrap {
		out.WriteString(`<a class="` + LinkClass + `" href="` + html.EscapeString(href) + `">`)
	}
	out.WriteString("<img")
	for _, k := range order {
		out.WriteString(" " + k + `="` + html.EscapeString(attrs[k]) + `"`)
	}
	out.WriteString(">")
	if wrap {
		out.WriteString("</a>")
	}
}

// resolve finds the content's image a src points at: /assets/images/NAME,
// or a file of an assets/ or images/ folder by any relative or absolute
// path, with or without its extension.
func resolve(src string, lookup func(string) (Meta, bool)) (Meta, bool) {
	u, err := url.Parse(src)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Path == "" {
		return Meta{}, false
	}
	dir, base := path.Split(u.Path)
	dir = strings.TrimSuffix(dir, "/")
	if !strings.HasSuffix("/"+dir, "/assets") && !strings.HasSuffix("/"+dir, "/images") {
		return Meta{}, false
	}
	if m, ok := lookup(base); ok {
		return m, true
	}
	return lookup(NameOf(base))
}
