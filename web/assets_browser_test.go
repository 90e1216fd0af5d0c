package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/chromedp"

	"blog/internal/assets/assetstest"
	"blog/internal/browsertest"
	"blog/web"
)

// TestBrowserImagePlaceholders opens a post whose pictures are held back
// by the server, at a desktop's and a phone's width, and checks what a
// reader sees before they arrive: boxes of the pictures' proportions,
// filled by the CSS placeholder (web/static/lqip.css); then lets the
// pictures through and checks they replace it. Screenshots of both states
// are saved.
func TestBrowserImagePlaceholders(t *testing.T) {
	tree := assetstest.Tree(t)
	tree["assets/harbour.jpg"] = &fstest.MapFile{Data: assetstest.Photo(t, 3000, 2000, 7)}
	tree["posts/pictures.md"] = &fstest.MapFile{Data: []byte("---\ntitle: Pictures\nslug: pictures\npublished_at: 2026-03-01\n---\n" +
		"A harbour:\n\n![Boats in a harbour](../assets/harbour.jpg)\n\nA wide one:\n\n![A wide photograph](../assets/photo.jpg)\n\n" +
		"And a drawing: ![The drawing](../assets/drawing.svg)\n")}
	blog := web.NewRig(t, web.RigOptions{Content: tree, Unstarted: true}).Server

	// Pictures wait until release is closed.
	release := make(chan struct{})
	var once sync.Once
	open := func() { once.Do(func() { close(release) }) }
	t.Cleanup(open)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if strings.HasPrefix(req.URL.Path, "/assets/images/") {
			select {
			case <-release:
			case <-req.Context().Done():
				return
			}
		}
		blog.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)

	ctx := browsertest.New(t)
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		return s
	}
	waitFor := func(cond string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			// The page may be between documents: an error is a "not yet".
			if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`String(`+cond+`)`)); err == nil && got == "true" {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("still not %s after 10 s", cond)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// Until the layout links it, the test adds the placeholder stylesheet.
	const addCSS = `new Promise(ok => { const l = document.createElement("link"); l.rel = "stylesheet";
		l.href = "/static/lqip.css"; l.onload = () => ok("loaded"); l.onerror = () => ok("failed"); document.head.append(l); })`
	for _, width := range []int64{1280, 390} {
		// Not chromedp.Navigate, which would wait for the held pictures.
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate("about:blank")); err != nil {
			t.Fatal(err)
		}
		_, _ = chromedp.Run(ctx, chromedp.Evaluate[string](`location.assign(`+strconv.Quote(srv.URL+"/posts/pictures")+`), "ok"`))
		waitFor(`document.readyState !== "loading" && location.pathname === "/posts/pictures" && document.querySelector("img") !== null`)
		if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](addCSS, chromedp.EvalAwaitPromise)); err != nil || got != "loaded" {
			t.Fatalf("add lqip.css: %q %v", got, err)
		}
		img := `document.querySelector('img[alt="Boats in a harbour"]')`
		if got := eval(`String(` + img + `.complete && ` + img + `.naturalWidth)`); got != "0" && got != "false" {
			t.Fatalf("the picture loaded before it was let through: %s", got)
		}
		// The box has the picture's proportions (1600×1067) at the column's width.
		ratio := eval(`(() => { const r = ` + img + `.getBoundingClientRect(); return (r.width / r.height).toFixed(2) })()`)
		if ratio != "1.50" {
			t.Errorf("at %d px the waiting picture's box is %s wide per high, want 1.50", width, ratio)
		}
		if w := eval(`String(` + img + `.getBoundingClientRect().width <= document.documentElement.clientWidth)`); w != "true" {
			t.Errorf("at %d px the picture is wider than the page", width)
		}
		bg := eval(`getComputedStyle(` + img + `).backgroundImage`)
		if strings.Count(bg, "radial-gradient") != 6 {
			t.Errorf("placeholder background %q, want six radial gradients", bg)
		}
		if c := eval(`getComputedStyle(` + img + `).backgroundColor`); !strings.HasPrefix(c, "oklab(") {
			t.Errorf("placeholder base colour %q, want an oklab colour", c)
		}
		if href := eval(img + `.closest("a").getAttribute("href")`); href != "/assets/images/harbour" {
			t.Errorf("the picture links to %q", href)
		}
		browsertest.Screenshot(ctx, t, fmt.Sprintf("placeholders-%d.png", width))
		browsertest.CheckAccessibility(ctx, t)
	}

	open()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/posts/pictures")); err != nil {
		t.Fatal(err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](addCSS, chromedp.EvalAwaitPromise)); err != nil || got != "loaded" {
		t.Fatalf("add lqip.css: %q %v", got, err)
	}
	loaded := `Promise.all(Array.from(document.images).map(i => i.decode().then(() => i.naturalWidth, () => 0))).then(ws => ws.join(","))`
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](loaded, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got, ",0") || strings.HasPrefix(got, "0") {
		t.Errorf("natural widths once let through: %s, want every picture loaded", got)
	}
	browsertest.Screenshot(ctx, t, "pictures-390.png")
	browsertest.CheckAccessibility(ctx, t)
}
