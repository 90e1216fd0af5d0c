package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"blog/content"
	"blog/internal/browsertest"
)

// TestBrowserReading opens the home page and a post in headless Chromium,
// saves screenshots of both, and checks what a reader sees: the title, the
// table of contents leading into the text, the diagram and coloured code.
func TestBrowserReading(t *testing.T) {
	e := newContentEnv(t, content.FS, "")
	ctx := browsertest.New(t)
	run := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		return s
	}

	run("open the home page", chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(".post-latest h1")))
	if got := text(".post-latest h1"); got != "Hello, world: what this blog is" {
		t.Errorf("home page shows %q, want the pinned introduction", got)
	}
	if got := eval(`document.title`); !strings.HasPrefix(got, "Replicated Notes") {
		t.Errorf("home page title %q", got)
	}
	if n := eval(`String(document.querySelectorAll(".recent .post-item").length)`); n != "5" {
		t.Errorf("home page lists %s other posts, want 5", n)
	}
	browsertest.Screenshot(ctx, t, "home.png")
	browsertest.CheckAccessibility(ctx, t)

	run("open a post", chromedp.Navigate(e.srv.URL+primaryPost), chromedp.WaitVisible(chromedp.CSS("#toc")))
	if got := text(".post-head h1"); got != "How a write finds the primary" {
		t.Errorf("post title %q", got)
	}
	if got := eval(`document.title`); got != "How a write finds the primary · Replicated Notes" {
		t.Errorf("document title %q", got)
	}
	toc := eval(`Array.from(document.querySelectorAll("#toc a")).map(a => a.textContent).join("|")`)
	for _, h := range []string{"Asking LiteFS who is in charge", "Never cache the answer", "Handing the write over", "When the primary moves mid-write"} {
		if !strings.Contains(toc, h) {
			t.Errorf("contents %q lack %q", toc, h)
		}
	}
	// Every entry of the contents leads to a heading of the post.
	if got := eval(`String(Array.from(document.querySelectorAll("#toc a")).every(a => document.getElementById(a.hash.slice(1)) !== null))`); got != "true" {
		t.Errorf("an entry of the contents leads nowhere")
	}
	run("wait for the diagram", chromedp.WaitVisible(chromedp.CSS(`img[src="/assets/images/write-path"]`)))
	if got := eval(`String(document.querySelector('img[src="/assets/images/write-path"]').naturalWidth > 0)`); got != "true" {
		t.Errorf("the diagram did not load")
	}
	// Code is coloured by the stylesheet's classes: a keyword stands out
	// from the text around it.
	kw := eval(`getComputedStyle(document.querySelector("pre.chroma .kd")).color`)
	plain := eval(`getComputedStyle(document.querySelector("pre.chroma")).color`)
	if kw == plain {
		t.Errorf("keywords are not coloured: %s, like the code around them (does the layout link static/content.css?)", kw)
	}
	browsertest.Screenshot(ctx, t, "post.png")
	browsertest.CheckAccessibility(ctx, t)

	run("follow the contents", chromedp.Click(chromedp.CSS(`#toc a[href="#handing-the-write-over"]`)))
	if got := eval(`location.hash`); got != "#handing-the-write-over" {
		t.Errorf("after a click on the contents the page is at %q", got)
	}

	run("search", chromedp.Navigate(e.srv.URL+"/search?q=ledger"), chromedp.WaitVisible(chromedp.CSS(".search-results")))
	if got := text(".search-results .hit h2"); got != "Exactly once, and reading your own writes" {
		t.Errorf("first search result %q", got)
	}
	browsertest.Screenshot(ctx, t, "search.png")
	browsertest.CheckAccessibility(ctx, t)

	run("projects", chromedp.Navigate(e.srv.URL+"/projects"), chromedp.WaitVisible(chromedp.CSS(".project-list")))
	browsertest.Screenshot(ctx, t, "projects.png")
	browsertest.CheckAccessibility(ctx, t)
}
