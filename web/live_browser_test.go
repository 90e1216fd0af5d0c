package web_test

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/chromedp"

	"blog/content"
	"blog/internal/browsertest"
	"blog/internal/importer"
)

// copyFS copies fsys into a map that a test can change.
func copyFS(t *testing.T, fsys fs.FS) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		m[p] = &fstest.MapFile{Data: b, Mode: 0o644}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestBrowserLive opens a post in two browser tabs and checks that the
// sidebar counts both, shows the author's presence, and that the post
// updates in place when the content is imported again.
func TestBrowserLive(t *testing.T) {
	e := newLiveEnv(t, 100)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e.followContent(ctx)

	tab1 := browsertest.New(t)
	run := func(tab context.Context, name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(tab, steps...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	eval := func(tab context.Context, js string) string {
		t.Helper()
		s, err := chromedp.Run(tab, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		return s
	}
	// waitFor waits until js is "true" in tab and says how long it took.
	waitFor := func(tab context.Context, what, js string, within time.Duration) time.Duration {
		t.Helper()
		start := time.Now()
		for eval(tab, "String("+js+")") != "true" {
			if time.Since(start) > within {
				t.Fatalf("%s: not within %v", what, within)
			}
			time.Sleep(50 * time.Millisecond)
		}
		return time.Since(start)
	}
	counts := func(tab context.Context) string {
		return eval(tab, `document.getElementById("viewers-site").textContent + "/" + document.getElementById("viewers-page").textContent`)
	}

	run(tab1, "open a post", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(e.srv.URL+primaryPost),
		chromedp.WaitVisible(chromedp.CSS(".post-head h1")))
	waitFor(tab1, "the viewers show", `!document.getElementById("sidebar-viewers").hidden`, 5*time.Second)
	if got := counts(tab1); got != "1/1" {
		t.Fatalf("one tab open: counts %s, want 1/1", got)
	}
	if got := eval(tab1, `String(document.getElementById("sidebar-presence").hidden)`); got != "true" {
		t.Fatalf("no Discord user is set, yet the presence shows")
	}
	browsertest.CheckAccessibility(tab1, t)

	// A second reader arrives in another tab of the browser.
	tab2, closeTab2 := chromedp.NewContext(tab1)
	run(tab2, "open the post in a second tab", chromedp.Navigate(e.srv.URL+primaryPost), chromedp.WaitVisible(chromedp.CSS(".post-head h1")))
	took := waitFor(tab1, "the first tab counts the second", `document.getElementById("viewers-page").textContent === "2"`, 5*time.Second)
	t.Logf("the first tab counted the second reader after %v", took)
	if got := counts(tab1); got != "2/2" {
		t.Fatalf("two tabs open: counts %s, want 2/2", got)
	}
	run(tab2, "go to the post list", chromedp.Navigate(e.srv.URL+"/posts"), chromedp.WaitVisible(chromedp.CSS("#content")))
	browsertest.CheckAccessibility(tab2, t)
	// The second tab's old stream closes before its new one opens: wait
	// for both to have been counted.
	waitFor(tab1, "the reader moved on", `document.getElementById("viewers-page").textContent === "1" && document.getElementById("viewers-site").textContent === "2"`, 5*time.Second)
	if got := counts(tab1); got != "2/1" {
		t.Fatalf("second tab on /posts: counts %s, want 2/1", got)
	}

	// The author's presence, pushed to the open page.
	e.hub.SetPresence([]byte(`{"enabled":true,"connected":true,"status":"online","username":"author",` +
		`"activities":[{"name":"Neovim","type":0}],"spotify":{"song":"Blue in Green","artist":"Miles Davis"}}`))
	waitFor(tab1, "the presence shows", `!document.getElementById("sidebar-presence").hidden`, 5*time.Second)
	if got := eval(tab1, `document.getElementById("presence-body").textContent`); !strings.Contains(got, "Online") ||
		!strings.Contains(got, "Neovim") || !strings.Contains(got, "Blue in Green") {
		t.Fatalf("presence reads %q", got)
	}
	browsertest.Screenshot(tab1, t, "live-1280.png")
	browsertest.CheckAccessibility(tab1, t)

	// The post changes on disk and is imported again: the open page
	// shows the new text without being reloaded.
	eval(tab1, `window.stillTheSamePage = "yes"; window.scrollTo(0, 0); "ok"`)
	fsys := copyFS(t, content.FS)
	name := "posts/20261005090000_how_a_write_finds_the_primary.md"
	post := string(fsys[name].Data)
	post = strings.Replace(post, "title: How a write finds the primary", "title: How a write finds its primary", 1)
	post = strings.Replace(post, "This blog runs on several machines", "Updated in place: this blog runs on several machines", 1)
	fsys[name] = &fstest.MapFile{Data: []byte(post), Mode: 0o644}
	imported := time.Now()
	if _, err := importer.Run(context.Background(), e.r, fsys); err != nil {
		t.Fatal(err)
	}
	waitFor(tab1, "the post updates in place", `document.getElementById("content").textContent.includes("Updated in place")`, 5*time.Second)
	t.Logf("the open post showed the import after %v", time.Since(imported).Round(time.Millisecond))
	if got := eval(tab1, `document.querySelector(".post-head h1").textContent.trim()`); got != "How a write finds its primary" {
		t.Fatalf("title after the import: %q", got)
	}
	if got := eval(tab1, `String(window.stillTheSamePage)`); got != "yes" {
		t.Fatal("the page was reloaded, not updated in place")
	}
	if got := eval(tab1, `document.title`); !strings.HasPrefix(got, "How a write finds its primary") {
		t.Fatalf("document title after the import: %q", got)
	}
	if got := counts(tab1); got != "2/1" {
		t.Fatalf("the counts were lost in the update: %s", got)
	}
	// The contents swapped in with the text follow the reading as the old
	// ones did.
	current := `(document.querySelector('#toc a[aria-current="location"]') || {hash: "none"}).hash`
	run(tab1, "scroll the updated post", chromedp.Evaluate[chromedp.Void](
		`window.scrollTo(0, document.getElementById("handing-the-write-over").getBoundingClientRect().top + window.scrollY - 40)`))
	waitFor(tab1, "the updated contents follow the reading", current+` === "#handing-the-write-over"`, 5*time.Second)

	// A reader half-way through a form keeps what they typed when the
	// content changes elsewhere.
	run(tab2, "open the new-tag form", chromedp.Navigate(e.srv.URL+"/tags/new"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="label"]`)), chromedp.SendKeys(chromedp.CSS(`input[name="label"]`), "half-typed"))
	run(tab2, "leave the field", chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`))
	if _, err := e.tags.Create(context.Background(), "made-elsewhere"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond)
	if got := eval(tab2, `document.querySelector('input[name="label"]').value`); got != "half-typed" {
		t.Fatalf("the form lost what was typed on a content change: %q", got)
	}
	browsertest.CheckAccessibility(tab2, t)

	// Lanyard down: the section says so.
	e.hub.SetPresence([]byte(`{"enabled":true,"connected":false,"status":"offline","activities":[],"spotify":null}`))
	waitFor(tab1, "presence unavailable", `document.getElementById("presence-body").textContent.includes("unavailable")`, 5*time.Second)

	run(tab1, "narrow", chromedp.EmulateViewport(390, 844))
	browsertest.Screenshot(tab1, t, "live-390.png")
	browsertest.CheckAccessibility(tab1, t)

	closeTab2()
	waitFor(tab1, "the second reader left", `document.getElementById("viewers-site").textContent === "1"`, 5*time.Second)

	// The list of posts, updated in place, still searches as you type:
	// its new search box is followed like the first.
	run(tab1, "open the list", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(e.srv.URL+"/posts"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="q"]`)))
	eval(tab1, `window.stillTheSamePage = "list"; "ok"`)
	post = strings.Replace(post, "title: How a write finds its primary", "title: How a write finds the one primary", 1)
	fsys[name] = &fstest.MapFile{Data: []byte(post), Mode: 0o644}
	if _, err := importer.Run(context.Background(), e.r, fsys); err != nil {
		t.Fatal(err)
	}
	waitFor(tab1, "the list updates in place", `document.getElementById("content").textContent.includes("finds the one primary")`, 5*time.Second)
	run(tab1, "search the updated list", chromedp.SendKeys(chromedp.CSS(`input[name="q"]`), "ledger"))
	waitFor(tab1, "the list follows the search", `location.search === "?q=ledger" && !document.getElementById("results").textContent.includes("finds the one primary")`, 5*time.Second)
	if got := eval(tab1, `String(window.stillTheSamePage)`); got != "list" {
		t.Fatal("the list was reloaded, not searched in place")
	}
	browsertest.CheckAccessibility(tab1, t)
}
