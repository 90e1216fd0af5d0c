package browsertest_test

import (
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"blog/internal/browsertest"
)

// TestLeavesNoTemporaryFolders: after a browser test, nothing of Chromium
// is left in the temporary folder, neither its profile nor the folders it
// makes for itself.
func TestLeavesNoTemporaryFolders(t *testing.T) {
	if _, err := browsertest.Chromium(); err != nil {
		t.Skip("chromium is not installed")
	}
	// A temporary folder of this test's own, with a short name (see New),
	// where Chromium and chromedp would put theirs.
	tmp, err := os.MkdirTemp("", "bt-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	t.Setenv("TMPDIR", tmp)
	t.Run("browse", func(t *testing.T) {
		ctx := browsertest.New(t)
		if err := chromedp.Do(ctx, chromedp.Navigate("data:text/html,<title>hello</title>")); err != nil {
			t.Fatal(err)
		}
		title, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.title`))
		if err != nil {
			t.Fatal(err)
		}
		if title != "hello" {
			t.Fatalf("title %q", title)
		}
	})
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left behind in the temporary folder: %s", e.Name())
	}
}
