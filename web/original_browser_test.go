package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"blog/internal/browsertest"
	"blog/internal/importer"
)

// viewportShot saves what the window shows, the sticky header and status
// line where a reader sees them, named name in the test's output folder.
func viewportShot(ctx context.Context, t *testing.T, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(browsertest.OutputDir(t), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// TestBrowserOriginal opens pages of content in the original's format, in
// both themes at a desktop's and a phone's width, saves what the window
// shows, and checks what a reader of the original would look for: the
// header and the status line staying over the scrolling text, blurred
// behind; the blocks in the original's colours; the sidebar hidden on a
// phone, whose header holds the CRT box; code numbered by line; the
// hatched empty state; nothing wider than a phone; nothing logged.
func TestBrowserOriginal(t *testing.T) {
	e := originalEnv(t, originalFS())
	pages := []struct{ name, path, ready string }{
		{"post", "/posts/keepers-log", ".post-head h1"},
		{"posts", "/posts", ".post-list"},
		{"projects", "/projects", ".project-list"},
		{"search", "/search?q=" + "title%3Atide+%7C%7C+NEAR%28lamp+oil%29", ".search-results"},
		{"404", "/no/such/page", ".bluescreen"},
		{"empty", "/posts?tags=nothing-here", ".empty-state"},
	}
	for _, scheme := range []string{"dark", "light"} {
		for _, width := range []int64{1280, 390} {
			t.Run(fmt.Sprintf("%s-%d", scheme, width), func(t *testing.T) {
				ctx := browsertest.New(t)
				console := watchConsole(t, ctx)
				eval := func(js string) string {
					t.Helper()
					s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
					if err != nil {
						t.Fatalf("evaluate %s: %v", js, err)
					}
					return s
				}
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 844), media(scheme, "reduce")); err != nil {
					t.Fatal(err)
				}
				if _, err := chromedp.Call(ctx, emulation.SetScrollbarsHidden, emulation.SetScrollbarsHiddenParams{Hidden: true}); err != nil {
					t.Fatal(err)
				}
				for _, p := range pages {
					url := e.srv.URL + p.path
					if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(p.ready))); err != nil {
						t.Fatalf("%s: %v", p.name, err)
					}
					if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](settled, chromedp.EvalAwaitPromise)); err != nil {
						t.Fatal(err)
					}
					viewportShot(ctx, t, fmt.Sprintf("%s-%d-%s.png", scheme, width, p.name))
					if wide := eval(overflowing); wide != "" {
						t.Errorf("%s: wider than the %d px screen: %s", p.name, width, wide)
					}
					// The sidebar beside the text, or on a phone hidden with
					// the CRT box in the header.
					want := "sidebar beside, header box hidden"
					if width < 600 {
						want = "sidebar hidden, header box shown"
					}
					if got := eval(`(() => {
						const side = getComputedStyle(document.getElementById("sidebar")).display === "none" ? "hidden" : "beside";
						const box = document.querySelector(".header-crt").getBoundingClientRect().width > 0 ? "shown" : "hidden";
						return "sidebar " + side + ", header box " + box;
					})()`); got != want {
						t.Errorf("%s: %s, want %s", p.name, got, want)
					}
					status := 200
					if p.name == "404" {
						status = 404
					}
					if got := console.problems(url, status); len(got) > 0 {
						t.Errorf("%s logged to the console:\n%s", p.name, strings.Join(got, "\n"))
					}
				}

				// The header and the status line stay over the text as it
				// scrolls, which shows blurred behind them.
				if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/posts/keepers-log"), chromedp.WaitVisible(chromedp.CSS(".post-head h1")),
					chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 500)`)); err != nil {
					t.Fatal(err)
				}
				time.Sleep(100 * time.Millisecond)
				viewportShot(ctx, t, fmt.Sprintf("%s-%d-post-scrolled.png", scheme, width))
				if got := eval(`(() => {
					const h = document.querySelector(".site-header"), f = document.querySelector(".site-footer");
					return [String(scrollY > 0), String(Math.round(h.getBoundingClientRect().top)),
						String(Math.round(innerHeight - f.getBoundingClientRect().bottom)),
						String(getComputedStyle(h).backdropFilter.includes("blur") && getComputedStyle(f).backdropFilter.includes("blur"))].join(" ");
				})()`); got != "true 0 0 true" {
					t.Errorf("scrolled, the header's top, the footer's distance from the bottom and the blur: %q, want \"true 0 0 true\"", got)
				}

				// The original's colours: the title a yellow-on-blue block,
				// the status line's ends white on blue, tags in the accent.
				blockFg := "rgb(255, 255, 135)"
				blockBg, tag := "rgb(90, 90, 255)", "rgb(0, 175, 255)"
				if scheme == "light" {
					blockBg, tag = "rgb(59, 59, 196)", "rgb(0, 95, 153)"
				}
				got := eval(`[getComputedStyle(document.querySelector(".post-head h1")).backgroundColor,
					getComputedStyle(document.querySelector(".post-head h1")).color,
					getComputedStyle(document.querySelector(".status-block")).backgroundColor,
					getComputedStyle(document.querySelector(".post-head .tag")).color].join(" / ")`)
				if want := strings.Join([]string{blockBg, blockFg, blockBg, tag}, " / "); got != want {
					t.Errorf("colours (title, its text, status block, tag) %s, want %s", got, want)
				}
				// Code is numbered by line, in a gutter.
				if got := eval(`(() => {
					const lines = document.querySelectorAll("pre.chroma code .line");
					const before = getComputedStyle(lines[0], "::before");
					return lines.length + " " + String(before.content.startsWith("counter(line)")) + " " + before.userSelect;
				})()`); got != "3 true none" {
					t.Errorf("code lines, numbered, unselectable: %q, want \"3 true none\"", got)
				}

				if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/posts?tags=nothing-here"), chromedp.WaitVisible(chromedp.CSS(".empty-state"))); err != nil {
					t.Fatal(err)
				}
				if got := eval(`getComputedStyle(document.querySelector(".empty-state")).backgroundImage`); !strings.Contains(got, "repeating-linear-gradient") {
					t.Errorf("the empty state is not hatched: %s", got)
				}
			})
		}
	}
}

// A post with a task list (checkboxes the reader cannot change) still
// takes updates in place: live.js no longer reads a box's value as typing.
func TestBrowserLiveUpdatesTaskLists(t *testing.T) {
	e := originalEnv(t, originalFS())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e.followContent(ctx)
	tab := browsertest.New(t)
	console := watchConsole(t, tab)
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(tab, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		return s
	}
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(e.srv.URL+"/posts/keepers-log"),
		chromedp.WaitVisible(chromedp.CSS(".post-head h1"))); err != nil {
		t.Fatal(err)
	}
	if got := eval(`String(document.querySelectorAll('#content input[type="checkbox"]').length)`); got != "30" {
		t.Fatalf("the post shows %s boxes of its task list, want 30", got)
	}
	for range 100 {
		if eval(`String(!document.getElementById("sidebar-viewers").hidden)`) == "true" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	eval(`window.stillTheSamePage = "yes"; "ok"`)

	fsys := originalFS()
	name := "posts/20240720140600_keepers_log.md"
	fsys[name] = &fstest.MapFile{Data: []byte(strings.Replace(string(fsys[name].Data), `title: "The keeper's log"`, `title: "The keeper's logbook"`, 1)), Mode: 0o644}
	if _, err := importer.Run(context.Background(), e.r, fsys); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for eval(`document.querySelector(".post-head h1").textContent`) != "The keeper's logbook" {
		if time.Now().After(deadline) {
			t.Fatal("the post with a task list was not updated in place")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if eval(`String(window.stillTheSamePage)`) != "yes" {
		t.Error("the page was reloaded, not updated in place")
	}
	if got := console.problems(e.srv.URL+"/posts/keepers-log", 200); len(got) > 0 {
		t.Errorf("logged to the console:\n%s", strings.Join(got, "\n"))
	}
}
