package browsertest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
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

// TestAccessibility runs the vendored axe-core on pages served with a
// policy that forbids every script, as the blog's pages forbid scripts from
// elsewhere: it finds the ARIA attribute a link may not have, and nothing
// on a clean page.
func TestAccessibility(t *testing.T) {
	page := func(body string) string {
		return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>a page</title></head>` +
			`<body><main><h1>A page</h1>` + body + `</main></body></html>`
	}
	pages := map[string]string{
		"/clean":  page(`<p><a href="/clean">A link</a></p>`),
		"/broken": page(`<p><a href="/clean" aria-pressed="true">A pressed link</a></p>`),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'none'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, pages[r.URL.Path])
	}))
	defer srv.Close()
	ctx := browsertest.New(t)

	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/broken")); err != nil {
		t.Fatal(err)
	}
	vs, err := browsertest.Accessibility(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 || vs[0].ID != "aria-allowed-attr" || vs[0].Impact != "critical" || len(vs[0].Nodes) != 1 {
		t.Fatalf("violations on a link with aria-pressed: %v, want aria-allowed-attr (critical) on it", vs)
	}
	if s := vs[0].String(); !strings.Contains(s, "aria-pressed") || !strings.Contains(s, "A pressed link") {
		t.Errorf("the report does not show what to fix where:\n%s", s)
	}
	version, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.version`))
	if err != nil || version != browsertest.AxeVersion {
		t.Errorf("axe in the page is version %q (%v), want %s", version, err, browsertest.AxeVersion)
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/clean")); err != nil {
		t.Fatal(err)
	}
	if vs, err := browsertest.Accessibility(ctx); err != nil || len(vs) != 0 {
		t.Errorf("violations on a clean page: %v %v", vs, err)
	}
}
