package web_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// pageBudget is what a post may weigh over the wire, HTML, stylesheets,
// scripts and font together (images not counted): docs/BENCHMARKS.md.
const pageBudget = 150_000

var pageAssets = regexp.MustCompile(`<(?:link[^>]+rel="(?:stylesheet|preload)"[^>]+href|script[^>]+src)="([^"]+)"`)

// TestPostPageWeight fetches a post with everything it loads before it can
// be read, as a browser asks for it (gzip accepted), counts the bytes as
// they come over the wire and keeps them within the budget.
func TestPostPageWeight(t *testing.T) {
	// As deployed: the live stream is served, so the page loads live.js.
	e := newLiveEnv(t, 10).contentEnv
	// A transport that leaves the encoding alone, so the count is what
	// travels, compressed or not.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	fetch := func(path string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
		}
		return len(b), string(b)
	}
	total, page := fetch(primaryPost)
	t.Logf("%-60s %7d bytes", primaryPost, total)
	kinds := map[string]bool{}
	for _, m := range pageAssets.FindAllStringSubmatch(page, -1) {
		n, _ := fetch(strings.ReplaceAll(m[1], "&amp;", "&"))
		t.Logf("%-60s %7d bytes", m[1], n)
		total += n
		for _, k := range []string{".css", ".js", ".woff2"} {
			if strings.Contains(m[1], k) {
				kinds[k] = true
			}
		}
	}
	t.Logf("%-60s %7d bytes (budget %d)", "total", total, pageBudget)
	if !strings.Contains(page, "/static/live.js") {
		t.Fatal("the page does not load live.js, so it is not weighed as deployed")
	}
	if len(kinds) != 3 {
		t.Fatalf("the page loads %v: a stylesheet, a script and the font were expected", kinds)
	}
	if total > pageBudget {
		t.Errorf("a post weighs %d bytes over the wire, over the budget of %d", total, pageBudget)
	}
}
