package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"blog/internal/browsertest"
)

// TestBrowserTagLifecycle creates, renames and deletes a tag through the
// pages in headless Chromium, checking what the page shows after each step.
func TestBrowserTagLifecycle(t *testing.T) {
	e := newEnv(t, password)
	ctx := browsertest.New(t)
	if err := browsertest.BasicAuth(ctx, "admin", password); err != nil {
		t.Fatal(err)
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	step := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}

	step("create",
		chromedp.Navigate(e.srv.URL+"/tags/new"),
		chromedp.SendKeys(chromedp.CSS("#label"), "Read replicas"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if got := text("#tag-label"); got != "Read replicas" {
		t.Fatalf("after create the page shows %q", got)
	}
	if got := text(".flash"); got != "Tag created." {
		t.Fatalf("flash %q", got)
	}
	browsertest.Screenshot(ctx, t, "1-created.png")
	browsertest.CheckAccessibility(ctx, t)

	step("refuse a blank rename",
		chromedp.Click(chromedp.CSS(`a[href$="/edit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#label")),
		chromedp.SetValue(chromedp.CSS("#label"), "   "),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".field-error")),
	)
	if got := text(".field-error"); got != "Label is required." {
		t.Fatalf("field error %q", got)
	}
	browsertest.Screenshot(ctx, t, "2-invalid.png")
	browsertest.CheckAccessibility(ctx, t)

	step("rename",
		chromedp.Clear(chromedp.CSS("#label")),
		chromedp.SendKeys(chromedp.CSS("#label"), "Replication"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if got := text("#tag-label"); got != "Replication" {
		t.Fatalf("after rename the page shows %q", got)
	}
	browsertest.Screenshot(ctx, t, "3-renamed.png")
	browsertest.CheckAccessibility(ctx, t)

	step("list",
		chromedp.Navigate(e.srv.URL+"/tags"),
		chromedp.WaitVisible(chromedp.CSS("#tags")),
	)
	if got := text("#tags"); got != "Replication" {
		t.Fatalf("tag list shows %q", got)
	}
	browsertest.CheckAccessibility(ctx, t)

	step("delete",
		chromedp.Click(chromedp.CSS("#tags a")),
		chromedp.WaitVisible(chromedp.CSS("button.danger")),
		chromedp.Click(chromedp.CSS("button.danger")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if got := text(".flash"); got != "Tag deleted." {
		t.Fatalf("flash %q", got)
	}
	if got := text(".empty"); got != "No tags yet." {
		t.Fatalf("after delete the list shows %q", got)
	}
	if e.count("1") != 0 {
		t.Fatal("the tag is still in the database")
	}
	browsertest.Screenshot(ctx, t, "4-deleted.png")
	browsertest.CheckAccessibility(ctx, t)
}
