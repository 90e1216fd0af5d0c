package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"blog/content"
	"blog/internal/browsertest"
	"blog/web"
)

// lookPage is a page the look is judged on, and an element that shows it
// has loaded.
type lookPage struct {
	name, path, ready string
	status            int
}

func lookPages(e *contentEnv) []lookPage {
	return []lookPage{
		{"home", "/", ".post-latest", 200},
		{"post", primaryPost, ".post-head h1", 200},
		{"posts", "/posts", ".post-list", 200},
		{"posts-tagged", "/posts?tag=litefs", ".post-list", 200},
		{"projects", "/projects", ".project-list", 200},
		{"search", "/search?q=primary", ".search-results", 200},
		{"tags", "/tags", "#tags", 200},
		{"tag", tagPage(e.tagID("litefs")), "#tag-label", 200},
		{"404", "/no/such/page", ".bluescreen", 404},
		{"gallery", "/gallery", "#gallery-bluescreen", 200},
	}
}

// consoleLog keeps what the pages write to the browser's console.
type consoleLog struct {
	mu   sync.Mutex
	msgs []chromedp.ConsoleMessage
}

func watchConsole(t *testing.T, ctx context.Context) *consoleLog {
	t.Helper()
	cl := &consoleLog{}
	if _, err := chromedp.Call(ctx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			cl.mu.Lock()
			cl.msgs = append(cl.msgs, m)
			cl.mu.Unlock()
		}
	}()
	return cl
}

// problems returns the errors, exceptions and security warnings (CSP
// violations) logged since the last call, leaving out the page's own
// status when it is an expected error status.
func (cl *consoleLog) problems(pageURL string, status int) []string {
	time.Sleep(100 * time.Millisecond) // let the last events arrive
	cl.mu.Lock()
	defer cl.mu.Unlock()
	var out []string
	for _, m := range cl.msgs {
		expected := status >= 400 && m.Source == "network" && strings.HasPrefix(m.URL, pageURL)
		bad := m.Type == chromedp.ConsoleError || m.IsException() ||
			m.Source == "security" || strings.Contains(m.Text, "Content Security Policy")
		if bad && !expected {
			out = append(out, fmt.Sprintf("%s %s (%s)", m.Type, m.Text, m.URL))
		}
	}
	cl.msgs = nil
	return out
}

// media emulates the reader's colour scheme and motion preference.
func media(scheme, motion string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{
				{Name: "prefers-color-scheme", Value: scheme},
				{Name: "prefers-reduced-motion", Value: motion},
			},
		})
		return err
	})
}

// layoutShift is the page's cumulative layout shift so far, as Lighthouse
// measures it: the layout-shift entries not caused by input.
const layoutShift = `new Promise(resolve => {
	let cls = 0;
	new PerformanceObserver(list => {
		for (const e of list.getEntries()) if (!e.hadRecentInput) cls += e.value;
	}).observe({type: "layout-shift", buffered: true});
	setTimeout(() => resolve(cls), 300);
})`

// overflowing names the elements that reach past the right edge of the
// page, "" when none does: the page never scrolls sideways, only code
// blocks and tables do, inside themselves.
const overflowing = `(() => {
	const edge = document.documentElement.clientWidth;
	if (document.documentElement.scrollWidth <= edge) return "";
	const out = [];
	for (const el of document.body.querySelectorAll("*")) {
		const r = el.getBoundingClientRect();
		if (r.right > edge + 1 && r.width > 0) out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : "") + " " + Math.round(r.right));
		if (out.length > 8) break;
	}
	return "scrollWidth " + document.documentElement.scrollWidth + " > " + edge + ": " + out.join(", ");
})()`

// settled waits until the page's fonts and images have loaded.
const settled = `Promise.all([
	document.fonts.ready,
	...Array.from(document.images).map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; }))
]).then(() => true)`

// TestBrowserLook takes screenshots of every kind of page at a desktop
// and a phone width, in the dark and the light theme, and checks on each:
// nothing logged to the console (no CSP violation, no script error), no
// layout shift from fonts or images, nothing wider than the screen, and
// the sidebar beside the text on the desktop and, as the original's,
// hidden on the phone, whose header holds the CRT filter's box instead.
func TestBrowserLook(t *testing.T) {
	e := newContentEnv(t, content.FS, "")
	pages := lookPages(e)
	for _, scheme := range []string{"dark", "light"} {
		for _, width := range []int64{1280, 390} {
			t.Run(fmt.Sprintf("%s-%d", scheme, width), func(t *testing.T) {
				ctx := browsertest.New(t)
				console := watchConsole(t, ctx)
				// Reduced motion writes the tagline at once, so the
				// screenshots are the same from run to run.
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900), media(scheme, "reduce")); err != nil {
					t.Fatal(err)
				}
				// As on a phone, scrollbars take no room, so the screenshot
				// is the whole width.
				if _, err := chromedp.Call(ctx, emulation.SetScrollbarsHidden, emulation.SetScrollbarsHiddenParams{Hidden: true}); err != nil {
					t.Fatal(err)
				}
				for _, p := range pages {
					url := e.srv.URL + p.path
					if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(p.ready))); err != nil {
						t.Fatalf("%s: %v", p.name, err)
					}
					if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](settled, chromedp.EvalAwaitPromise)); err != nil {
						t.Fatalf("%s: wait for fonts and images: %v", p.name, err)
					}
					browsertest.Screenshot(ctx, t, fmt.Sprintf("%s-%d-%s.png", scheme, width, p.name))
					cls, err := chromedp.Run(ctx, chromedp.Evaluate[float64](layoutShift, chromedp.EvalAwaitPromise))
					if err != nil {
						t.Fatal(err)
					}
					if cls > 0.01 {
						t.Errorf("%s: cumulative layout shift %.3f, want none", p.name, cls)
					}
					wide, err := chromedp.Run(ctx, chromedp.Evaluate[string](overflowing))
					if err != nil {
						t.Fatal(err)
					}
					if wide != "" {
						t.Errorf("%s: wider than the %d px screen: %s", p.name, width, wide)
					}
					where, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
						const c = document.getElementById("content").getBoundingClientRect();
						const s = document.getElementById("sidebar");
						const box = document.getElementById("crt-toggle-header").closest("label").getBoundingClientRect();
						const inHeader = box.width > 0 ? ", the CRT box in the header" : "";
						if (getComputedStyle(s).display === "none") return "hidden" + inHeader;
						if (s.getBoundingClientRect().left >= c.right) return "beside" + inHeader;
						return "overlapping" + inHeader;
					})()`))
					if err != nil {
						t.Fatal(err)
					}
					want := "beside"
					if width < 600 {
						want = "hidden, the CRT box in the header"
					}
					if where != want {
						t.Errorf("%s: the sidebar is %s, want %s", p.name, where, want)
					}
					if got := console.problems(url, p.status); len(got) > 0 {
						t.Errorf("%s logged to the console:\n%s", p.name, strings.Join(got, "\n"))
					}
					// Last, as axe scrolls and measures the page itself.
					browsertest.CheckAccessibility(ctx, t)
				}
			})
		}
	}
}

// TestBrowserLookBehaviour checks what the script adds, and that the pages
// work without it: the tagline types out, the CRT filter survives a reload
// and stays off under reduced motion, folded sidebar sections stay folded,
// and the table of contents follows the reading.
func TestBrowserLookBehaviour(t *testing.T) {
	e := newContentEnv(t, content.FS, "")
	ctx := browsertest.New(t)
	console := watchConsole(t, ctx)
	do := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		return s
	}
	// waitFor polls js until it returns want, for up to 5 s.
	waitFor := func(what, js, want string) {
		t.Helper()
		var got string
		for range 100 {
			if got = eval(js); got == want {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("%s: %q, want %q", what, got, want)
	}
	do("set up", chromedp.EmulateViewport(1280, 900), media("dark", "no-preference"))

	// tagline types.
	{
		do("open the home page", chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#tagline")))
		seen := map[string]bool{}
		for range 200 {
			seen[eval(`document.querySelector("#tagline .tagline-text").textContent`)] = true
			if eval(`document.getElementById("tagline").dataset.typed || ""`) == "done" {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		final := eval(`document.querySelector("#tagline .tagline-text").textContent`)
		if !slices.Contains(web.DefaultTaglines, final) {
			t.Fatalf("the tagline ended as %q, not one of the list", final)
		}
		partial := 0
		for s := range seen {
			if len(s) < len(final) && strings.HasPrefix(final, s) {
				partial++
			}
		}
		if partial < 3 {
			t.Errorf("the tagline %q appeared at once (saw %d shorter stages), not typed", final, partial)
		}
		browsertest.CheckAccessibility(ctx, t)
	}

	// Typing never moves the page: on a phone only taglines that fit on
	// the line are picked.
	{
		do("phone", chromedp.EmulateViewport(390, 800))
		for range 5 {
			do("open the home page", chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#tagline")))
			waitFor("typed", `document.getElementById("tagline").dataset.typed || ""`, "done")
			if got := eval(`(() => { const el = document.getElementById("tagline"); return String(el.scrollWidth <= el.clientWidth); })()`); got != "true" {
				t.Errorf("the tagline %q does not fit on a phone's line", eval(`document.getElementById("tagline").textContent`))
			}
			cls, err := chromedp.Run(ctx, chromedp.Evaluate[float64](layoutShift, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatal(err)
			}
			if cls > 0.001 {
				t.Errorf("typing the tagline shifted the page by %.4f", cls)
			}
		}
		do("desktop", chromedp.EmulateViewport(1280, 900))
	}

	// The CRT filter is on as the page comes, as the original's, and the
	// reader's choice survives a reload.
	{
		do("open a post", chromedp.Navigate(e.srv.URL+primaryPost), chromedp.WaitReady(chromedp.CSS("#crt-toggle")))
		waitFor("before any choice", `getComputedStyle(document.body).animationName`, "phosphor")
		browsertest.Screenshot(ctx, t, "crt-on.png")
		browsertest.CheckAccessibility(ctx, t)
		do("untick the CRT box", chromedp.Click(chromedp.CSS("#sidebar-options label.check")))
		waitFor("after the click", `getComputedStyle(document.body).animationName`, "none")
		do("reload", chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("#crt-toggle")))
		waitFor("unticked, after a reload the box", `String(document.getElementById("crt-toggle").checked)`, "false")
		waitFor("unticked, after a reload the filter", `getComputedStyle(document.body).animationName`, "none")
		do("tick", chromedp.Click(chromedp.CSS("#sidebar-options label.check")))
		do("reload", chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("#crt-toggle")))
		waitFor("ticked, after a reload", `getComputedStyle(document.body).animationName`, "phosphor")

		// On a narrow screen the box is in the header, and is the same
		// setting as the sidebar's.
		do("narrow", chromedp.EmulateViewport(390, 800), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#crt-toggle-header")))
		waitFor("the header's box", `String(document.getElementById("crt-toggle-header").checked)`, "true")
		do("untick the header's box", chromedp.Click(chromedp.CSS(".header-crt label.check")))
		waitFor("after the header's box", `getComputedStyle(document.body).animationName`, "none")
		do("wide", chromedp.EmulateViewport(1280, 900), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#crt-toggle")))
		waitFor("the sidebar's box keeps the choice", `String(document.getElementById("crt-toggle").checked) + " " + getComputedStyle(document.body).animationName`, "false none")
		do("tick again", chromedp.Click(chromedp.CSS("#sidebar-options label.check")))

		// Under reduced motion the filter stays off, even when chosen before.
		do("reduce motion", media("dark", "reduce"), chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("#crt-toggle")))
		waitFor("under reduced motion the box", `String(document.getElementById("crt-toggle").disabled && !document.getElementById("crt-toggle").checked)`, "true")
		if got := eval(`getComputedStyle(document.body).animationName`); got != "none" {
			t.Errorf("under reduced motion the body animates: %s", got)
		}
		if got := eval(`getComputedStyle(document.getElementById("crt-note")).display`); got == "none" {
			t.Error("the reader is not told why the filter is off")
		}
		do("allow motion", media("dark", "no-preference"), chromedp.Evaluate[chromedp.Void](`localStorage.removeItem("crt")`))
	}

	// folded sections stay folded.
	{
		do("open a post", chromedp.Navigate(e.srv.URL+primaryPost), chromedp.WaitVisible(chromedp.CSS("#sidebar-options summary")))
		do("fold Options", chromedp.Click(chromedp.CSS("#sidebar-options summary")))
		waitFor("folded", `sessionStorage.getItem("section:options")`, "closed")
		do("next page", chromedp.Navigate(e.srv.URL+"/posts"), chromedp.WaitReady(chromedp.CSS("#sidebar-options details")))
		waitFor("on the next page", `String(document.querySelector("#sidebar-options details").open)`, "false")
		browsertest.CheckAccessibility(ctx, t)
		do("unfold", chromedp.Click(chromedp.CSS("#sidebar-options summary")))
		waitFor("unfolded", `sessionStorage.getItem("section:options")`, "open")
		do("reload", chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("#sidebar-options details")))
		waitFor("unfolded again", `String(document.querySelector("#sidebar-options details").open)`, "true")
	}

	// contents follow the reading.
	{
		current := `(document.querySelector('#toc a[aria-current="location"]') || {hash: "none"}).hash`
		do("open a post", chromedp.Navigate(e.srv.URL+primaryPost), chromedp.WaitVisible(chromedp.CSS("#toc")))
		waitFor("at the top", current, "#how-a-write-finds-the-primary")
		if got := eval(`document.querySelector("#toc li a").textContent.trim()`); got != "# How a write finds the primary" {
			t.Errorf("the contents start with %q, want the post's title", got)
		}
		for _, id := range []string{"handing-the-write-over", "asking-litefs-who-is-in-charge", "never-cache-the-answer"} {
			do("scroll to "+id, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.getElementById("`+id+`").getBoundingClientRect().top + window.scrollY - 40)`))
			waitFor("at "+id, current, "#"+id)
			// The contents stay in sight while the page scrolls.
			if got := eval(`(() => { const r = document.getElementById("sidebar-toc").getBoundingClientRect(); return String(r.top >= 0 && r.top < innerHeight); })()`); got != "true" {
				t.Errorf("at %s the contents scrolled out of sight", id)
			}
		}
		browsertest.Screenshot(ctx, t, "toc-followed.png")
		browsertest.CheckAccessibility(ctx, t)
		// At the very end the last section is the one being read, even when
		// its heading cannot reach the upper third of the window.
		last := eval(`Array.from(document.querySelectorAll("#toc a")).pop().hash`)
		do("to the end", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.documentElement.scrollHeight)`))
		waitFor("at the end", current, last)
		do("back to the top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
		waitFor("back at the top", current, "#how-a-write-finds-the-primary")
	}

	if got := console.problems(e.srv.URL+"/", 200); len(got) > 0 {
		t.Errorf("pages logged to the console:\n%s", strings.Join(got, "\n"))
	}

	// without JavaScript.
	{
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
		do("open a post", chromedp.Navigate(e.srv.URL+primaryPost), chromedp.WaitVisible(chromedp.CSS("#toc")))
		if got := eval(`document.querySelector("#tagline .tagline-text").textContent`); !slices.Contains(web.DefaultTaglines, got) {
			t.Errorf("without script the tagline is %q", got)
		}
		if got := eval(`getComputedStyle(document.querySelector("#tagline .tagline-text")).visibility`); got != "visible" {
			t.Errorf("without script the tagline is %s", got)
		}
		if got := eval(`String(document.querySelectorAll("#toc a").length > 3)`); got != "true" {
			t.Error("without script the contents are missing")
		}
		// The CRT filter is the stylesheet's: on as the page comes, and
		// unticking the box is enough to turn it off.
		waitFor("without script the filter", `getComputedStyle(document.body).animationName`, "phosphor")
		do("untick the CRT box", chromedp.Click(chromedp.CSS("#sidebar-options label.check")))
		waitFor("without script, unticked, the filter", `getComputedStyle(document.body).animationName`, "none")
		do("fold the contents", chromedp.Click(chromedp.CSS("#sidebar-toc summary")))
		waitFor("without script the contents fold", `String(document.querySelector("#sidebar-toc details").open)`, "false")
		do("open a missing page", chromedp.Navigate(e.srv.URL+"/no/such/page"), chromedp.WaitVisible(chromedp.CSS(".bluescreen")))
		browsertest.Screenshot(ctx, t, "no-script-404.png")
		// axe needs script: the page, loaded without, stays as it was.
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false}); err != nil {
			t.Fatal(err)
		}
		browsertest.CheckAccessibility(ctx, t)
	}
}

// shiftSources splits the page's layout shift so far in two: before the
// first image arrived (fonts, styles, anything else) and after (images).
const shiftSources = `new Promise(resolve => {
	const shifts = [];
	new PerformanceObserver(list => {
		for (const e of list.getEntries()) if (!e.hadRecentInput) shifts.push(e);
	}).observe({type: "layout-shift", buffered: true});
	setTimeout(() => {
		const images = performance.getEntriesByType("resource").filter(r => r.initiatorType === "img");
		const firstImage = Math.min(...images.map(r => r.responseEnd), Infinity);
		let before = 0, after = 0;
		for (const s of shifts) { if (s.startTime < firstImage) before += s.value; else after += s.value; }
		const bare = Array.from(document.querySelectorAll("#content img")).filter(i => !i.getAttribute("width") || !i.getAttribute("height")).map(i => i.getAttribute("src"));
		resolve(JSON.stringify({before, after, bare, font: document.fonts.check("16px 'Maple Mono'")}));
	}, 300);
})`

// TestBrowserNoLayoutShift loads pages on a slow connection, the font
// arriving after the first paint and the images later still, and measures
// the cumulative layout shift: none may come from the font (it is used
// only when it is there in time: font-display: optional) nor from an image
// whose size the page states.
func TestBrowserNoLayoutShift(t *testing.T) {
	e := newContentEnv(t, content.FS, "")
	ctx := browsertest.New(t)
	slow := []*network.Conditions{
		{URLPattern: e.srv.URL + "/static/fonts/*", Latency: 800, DownloadThroughput: 60_000, UploadThroughput: -1},
		{URLPattern: e.srv.URL + "/images/*", Latency: 2000, DownloadThroughput: 60_000, UploadThroughput: -1},
		{URLPattern: e.srv.URL + "/assets/*", Latency: 2000, DownloadThroughput: 60_000, UploadThroughput: -1},
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: slow}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 800), media("dark", "reduce")); err != nil {
		t.Fatal(err)
	}
	for _, visit := range []string{"first visit", "font cached"} {
		for _, path := range []string{primaryPost, "/", "/posts", "/gallery"} {
			if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+path)); err != nil {
				t.Fatal(err)
			}
			raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](shiftSources, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				Before, After float64
				Bare          []string
				Font          bool
			}
			if err := json.Unmarshal([]byte(raw), &got); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s, %s: layout shift %.4f before the images, %.4f after; font loaded by then: %v", visit, path, got.Before, got.After, got.Font)
			browsertest.CheckAccessibility(ctx, t)
			if got.Before > 0.001 {
				t.Errorf("%s, %s: the page shifted by %.4f before any image arrived (the font or the styles)", visit, path, got.Before)
			}
			switch {
			case got.After > 0.001 && len(got.Bare) == 0:
				t.Errorf("%s, %s: the images shifted the page by %.4f although each states its size", visit, path, got.After)
			case got.After > 0.001:
				// The image's size is the image pipeline's to state (width
				// and height on <img>); the stylesheet keeps the ratio.
				t.Logf("%s, %s: images without width and height %v shift the page by %.4f", visit, path, got.Bare, got.After)
			}
		}
	}
}
