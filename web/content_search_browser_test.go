package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"blog/content"
	"blog/internal/browsertest"
)

// TestBrowserSearchAsYouType types into the search boxes of /posts and
// /projects and uses the tag bar in headless Chromium, at a desktop and a
// phone width, and saves screenshots of each.
func TestBrowserSearchAsYouType(t *testing.T) {
	e := newContentEnv(t, content.FS, "")
	ctx := browsertest.New(t)
	run := func(name string, steps ...chromedp.Action[chromedp.Void]) {
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
	titles := func() string {
		return eval(`Array.from(document.querySelectorAll("#results .post-item h2, #results .project h2")).map(h => h.textContent.trim()).join("|")`)
	}
	// waitList waits for the list to hold exactly want, and says how long
	// after the last key it took.
	waitList := func(what, want string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if titles() == want {
				return
			}
			time.Sleep(25 * time.Millisecond)
		}
		t.Fatalf("%s: list is %q, want %q", what, titles(), want)
	}

	for _, width := range []int64{1280, 390} {
		w := map[int64]string{1280: "1280", 390: "390"}[width]
		if width < 500 {
			run("size the window", chromedp.EmulateViewport(width, 900, chromedp.EmulateMobile))
		} else {
			run("size the window", chromedp.EmulateViewport(width, 900))
		}

		run("open the posts", chromedp.Navigate(e.srv.URL+"/posts"), chromedp.WaitVisible(chromedp.CSS("#q")))
		if eval(`String(document.querySelector('script[src^="/static/search.js"]') !== null)`) != "true" {
			t.Fatal("the posts page does not load /static/search.js")
		}
		browsertest.CheckAccessibility(ctx, t)
		// A marker that a navigation would lose: the list must change in place.
		eval(`window.stayed = "yes"; "ok"`)
		run("type a search", chromedp.SendKeys(chromedp.CSS("#q"), "ledger"))
		if got := eval(`location.pathname + location.search`); got == "/posts?q=ledger" {
			t.Errorf("the address changed at once, not after a pause")
		}
		waitList("search as you type", "Exactly once, and reading your own writes")
		if got := eval(`location.pathname + location.search`); got != "/posts?q=ledger" {
			t.Errorf("address after typing = %q, want /posts?q=ledger", got)
		}
		if eval(`String(window.stayed)`) != "yes" {
			t.Errorf("the page was reloaded instead of updated in place")
		}
		if got := eval(`document.querySelector("h1").textContent.replace(/\s+/g, " ").trim()`); got != "Posts matching ledger" {
			t.Errorf("heading %q", got)
		}
		browsertest.Screenshot(ctx, t, "posts-search-"+w+".png")
		browsertest.CheckAccessibility(ctx, t)

		// The tag bar: choose two tags, search within them, clear them.
		run("open the posts again", chromedp.Navigate(e.srv.URL+"/posts"), chromedp.WaitVisible(chromedp.CSS("#tag-bar")))
		run("choose fly.io", chromedp.Click(chromedp.CSS(`#tag-bar a[href="/posts?tags=fly.io"]`)), chromedp.WaitVisible(chromedp.CSS(".tag-chosen")))
		run("choose markdown", chromedp.Click(chromedp.CSS(`#tag-bar a[href="/posts?tags=fly.io%2Cmarkdown"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#tag-bar .tag-clear`)))
		if got := eval(`Array.from(document.querySelectorAll("#tag-bar .tag-chosen")).map(a => a.textContent).join(",")`); got != "fly.io,markdown" {
			t.Errorf("chosen tags shown: %q", got)
		}
		waitList("two tags", "Posts that live in the repository|Deploying the blog across regions on Fly.io")
		eval(`window.stayed = "yes"; "ok"`)
		run("search within the tags", chromedp.SendKeys(chromedp.CSS("#q"), "volumes"))
		waitList("search within tags", "Deploying the blog across regions on Fly.io")
		if got := eval(`decodeURIComponent(location.search)`); got != "?q=volumes&tags=fly.io,markdown" {
			t.Errorf("address keeps %q, want the search and both tags", got)
		}
		if eval(`String(window.stayed)`) != "yes" {
			t.Errorf("the page was reloaded instead of updated in place")
		}
		browsertest.Screenshot(ctx, t, "posts-tags-"+w+".png")
		browsertest.CheckAccessibility(ctx, t)
		run("clear the tags", chromedp.Click(chromedp.CSS(`#tag-bar .tag-clear`)), chromedp.WaitNotPresent(chromedp.CSS(".tag-chosen")))
		if got := eval(`location.pathname + location.search`); got != "/posts?q=volumes" {
			t.Errorf("after clear: %q, want the search kept", got)
		}

		run("open the projects", chromedp.Navigate(e.srv.URL+"/projects"), chromedp.WaitVisible(chromedp.CSS("#q")))
		run("search the projects", chromedp.SendKeys(chromedp.CSS("#q"), "colour*"))
		waitList("projects search", "chroma")
		if got := eval(`location.pathname + decodeURIComponent(location.search)`); got != "/projects?q=colour*" {
			t.Errorf("projects address %q", got)
		}
		browsertest.Screenshot(ctx, t, "projects-search-"+w+".png")
		browsertest.CheckAccessibility(ctx, t)
		// Emptying the box brings every project back.
		eval(`const q = document.getElementById("q"); q.value = ""; q.dispatchEvent(new Event("input")); "ok"`)
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) && strings.Count(titles(), "|") < 5 {
			time.Sleep(25 * time.Millisecond)
		}
		if n := strings.Count(titles(), "|") + 1; n < 6 {
			t.Errorf("after emptying the box %d projects, want all", n)
		}
	}
}

// Without script the same pages work: a searched and narrowed address is
// a whole page, the form keeps the tags and the tag links are plain links.
func TestBrowserSearchWithoutScript(t *testing.T) {
	e := newContentEnv(t, content.FS, "")
	ctx := browsertest.New(t)
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	// Only navigation while scripts are off: chromedp's queries need them.
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/posts?q=volumes&tags=fly.io"), chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(ctx, t, "posts-no-script.png")
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false}); err != nil {
		t.Fatal(err)
	}
	// The page the reader saw without script, checked now that chromedp
	// can run axe in it.
	browsertest.CheckAccessibility(ctx, t)
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[
		Array.from(document.querySelectorAll("#results .post-item h2")).map(h => h.textContent.trim()).join("|"),
		document.querySelector('form[role=search] input[name=tags]').value,
		document.querySelector('#tag-bar .tag-chosen').getAttribute("href"),
	].join(" / ")`))
	if want := "Deploying the blog across regions on Fly.io / fly.io / /posts?q=volumes"; err != nil || got != want {
		t.Errorf("page without script: %q (%v), want %q", got, err, want)
	}
}

// The admin sees a draft with its banner; the screenshots show how.
func TestBrowserDraftPreview(t *testing.T) {
	e := newContentEnv(t, content.FS, "")
	ctx := browsertest.New(t)
	if err := browsertest.BasicAuth(ctx, "admin", password); err != nil {
		t.Fatal(err)
	}
	for _, width := range []int64{1280, 390} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900),
			chromedp.Navigate(e.srv.URL+"/posts/measuring-against-a-plain-server"),
			chromedp.WaitVisible(chromedp.CSS("#draft-banner"))); err != nil {
			t.Fatal(err)
		}
		browsertest.Screenshot(ctx, t, map[int64]string{1280: "draft-1280.png", 390: "draft-390.png"}[width])
		browsertest.CheckAccessibility(ctx, t)
	}
}
