package web_test

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/image/webp"

	"blog/internal/assets/assetstest"
)

// An image answers by its name with or without an extension, as WebP
// with a week's cache, an ETag and 304 on revalidation; unknown: 404.
func TestAssetImages(t *testing.T) {
	e := newContentEnv(t, assetstest.Tree(t), "")
	first := e.get("/assets/images/photo")
	if first.status != 200 || first.header.Get("Content-Type") != "image/webp" {
		t.Fatalf("GET /assets/images/photo = %d %s", first.status, first.header.Get("Content-Type"))
	}
	m, err := webp.Decode(strings.NewReader(first.body))
	if err != nil || m.Bounds().Dx() != 1600 || m.Bounds().Dy() != 800 {
		t.Fatalf("body is not the 1600×800 WebP: %v %v", err, m)
	}
	if cl := first.header.Get("Content-Length"); cl != strconv.Itoa(len(first.body)) {
		t.Errorf("Content-Length %q for %d bytes", cl, len(first.body))
	}
	if cc := first.header.Get("Cache-Control"); cc != "public, max-age=604800" {
		t.Errorf("Cache-Control %q", cc)
	}
	etag := first.header.Get("ETag")
	if !regexp.MustCompile(`^"[0-9a-f]{32}"$`).MatchString(etag) {
		t.Errorf("ETag %q", etag)
	}
	for _, path := range []string{"/assets/images/photo.jpg", "/assets/images/photo.webp", "/assets/images/photo.png"} {
		r := e.get(path)
		if r.status != 200 || r.body != first.body || r.header.Get("ETag") != etag {
			t.Errorf("GET %s = %d, %d bytes, ETag %s; want the same image", path, r.status, len(r.body), r.header.Get("ETag"))
		}
	}
	if r := e.get("/assets/images/photo.jpg", "If-None-Match", etag); r.status != 304 || r.body != "" {
		t.Errorf("revalidation = %d with %d bytes, want 304 and no body", r.status, len(r.body))
	}
	if r := e.get("/assets/images/photo", "If-None-Match", `"other"`); r.status != 200 {
		t.Errorf("stale revalidation = %d, want 200", r.status)
	}
	for _, path := range []string{"/assets/images/nope", "/assets/images/nope.png", "/assets/images/%2e%2e", "/assets/images/..png"} {
		if r := e.get(path); r.status != 404 {
			t.Errorf("GET %s = %d, want 404", path, r.status)
		}
	}

	svg := e.get("/assets/images/drawing.svg")
	if svg.status != 200 || svg.header.Get("Content-Type") != "image/svg+xml" || svg.body != assetstest.SVG {
		t.Errorf("SVG = %d %s %q", svg.status, svg.header.Get("Content-Type"), svg.body)
	}
	if csp := svg.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script") {
		t.Errorf("SVG served with CSP %q", csp)
	}
	if head := e.get("/assets/images/clear"); head.status != 200 || !bytes.HasPrefix([]byte(head.body), []byte("RIFF")) {
		t.Errorf("transparent PNG = %d", head.status)
	}
}

// The post's page shows each image of the content sized, with its
// placeholder, linked to the full picture.
func TestPostPageImagesAreSizedAndLinked(t *testing.T) {
	e := newContentEnv(t, assetstest.Tree(t), "")
	page := e.get("/posts/pictures")
	if page.status != 200 {
		t.Fatalf("GET /posts/pictures = %d", page.status)
	}
	link := regexp.MustCompile(`<a class="image-link" href="(/assets/images/photo)"><img src="/assets/images/photo" alt="A “wide” photograph" width="1600" height="800" class="lqip" style="--lqip:(-?\d+)" decoding="async"></a>`)
	mm := link.FindStringSubmatch(page.body)
	if mm == nil {
		t.Fatalf("no sized, linked photograph with a placeholder in the page:\n%s", page.body)
	}
	if r := e.get(mm[1]); r.status != 200 || r.header.Get("Content-Type") != "image/webp" {
		t.Errorf("the full-size link %s answers %d", mm[1], r.status)
	}
	if !strings.Contains(page.body, `<img src="/assets/images/anim" alt="Moving" width="60" height="40" class="lqip" style="--lqip:`) {
		t.Error("the GIF is not sized with a placeholder")
	}
}
