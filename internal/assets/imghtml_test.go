package assets_test

import (
	"strings"
	"testing"

	"blog/internal/assets"
)

func TestRewriteImages(t *testing.T) {
	lqip := -12345
	known := map[string]assets.Meta{
		"photo":   {Name: "photo", Width: 1600, Height: 800, LQIP: &lqip},
		"drawing": {Name: "drawing", Width: 120, Height: 80},
		"plain":   {Name: "plain"},
	}
	lookup := func(n string) (assets.Meta, bool) { m, ok := known[n]; return m, ok }
	for _, tc := range []struct {
		name, in, want string
	}{
		{"first image: eager, sized, placeholder, linked",
			`<p><img src="../assets/photo.jpg" alt="A &#34;wide&#34; one" title="t"></p>`,
			`<p><a class="image-link" href="/assets/images/photo"><img src="/assets/images/photo" alt="A &#34;wide&#34; one" title="t" width="1600" height="800" class="lqip" style="--lqip:-12345" decoding="async"></a></p>`},
		{"second image lazy; address forms without extension",
			`<img src="/assets/images/drawing" alt="d"><img src="/images/photo.png" alt="p">`,
			`<a class="image-link" href="/assets/images/drawing"><img src="/assets/images/drawing" alt="d" width="120" height="80" decoding="async"></a>` +
				`<a class="image-link" href="/assets/images/photo"><img src="/assets/images/photo" alt="p" width="1600" height="800" class="lqip" style="--lqip:-12345" loading="lazy" decoding="async"></a>`},
		{"already in a link: not linked again",
			`<a href="https://example.com"><img src="../assets/photo.webp" alt="x"></a>`,
			`<a href="https://example.com"><img src="/assets/images/photo" alt="x" width="1600" height="800" class="lqip" style="--lqip:-12345" decoding="async"></a>`},
		{"another site's picture: hints only",
			`<img src="https://example.com/photo.jpg" alt="r">`,
			`<img src="https://example.com/photo.jpg" alt="r" decoding="async">`},
		{"unknown image of the content: left pointing where it did",
			`<img src="../assets/missing.png" alt="m">`,
			`<img src="../assets/missing.png" alt="m" decoding="async">`},
		{"an SVG without size gets no size",
			`<img src="../assets/plain.svg" alt="">`,
			`<a class="image-link" href="/assets/images/plain"><img src="/assets/images/plain" alt="" decoding="async"></a>`},
		{"no image: unchanged",
			`<p>Text &amp; <code>&lt;img&gt;</code></p>`,
			`<p>Text &amp; <code>&lt;img&gt;</code></p>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := assets.RewriteImages(tc.in, lookup); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
	// Text around the images is passed through byte for byte.
	in := "<h2 id=\"x\">Head</h2>\n<p>One &lt; two <img src=\"../assets/photo.jpg\" alt=\"\"> after</p>\n"
	got := assets.RewriteImages(in, lookup)
	if !strings.HasPrefix(got, "<h2 id=\"x\">Head</h2>\n<p>One &lt; two <a ") || !strings.HasSuffix(got, "</a> after</p>\n") {
		t.Errorf("surrounding HTML changed: %s", got)
	}
}
