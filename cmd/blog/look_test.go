package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"blog/content"
	"blog/internal/blogtest"
)

// copyContent writes the bundled content to a folder, as an author's
// BLOG_CONTENT would hold it, and returns the folder.
func copyContent(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	err := fs.WalkDir(content.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == "." {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, path), 0o755)
		}
		b, err := fs.ReadFile(content.FS, path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, path), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestServeShowsTheSiteIdentity starts the blog with its identity set and
// taglines in the content folder, and finds them in the pages and the feed.
func TestServeShowsTheSiteIdentity(t *testing.T) {
	bin := blogtest.Binary(t)
	contentDir := copyContent(t)
	taglines := "# ours, not the blog's\n\nwritten in a field\n   \nread in a barn\n"
	if err := os.WriteFile(filepath.Join(contentDir, "taglines.txt"), []byte(taglines), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	base := "http://" + addr
	p := start(t, bin, t.TempDir(), cleanEnv(
		"BLOG_ADDR="+addr,
		"BLOG_CONTENT="+contentDir,
		"BLOG_SITE_NAME=Field Notes",
		"BLOG_SITE_DESCRIPTION=Notes from the field & the barn.",
		"BLOG_SOURCE_URL=https://example.org/field-notes",
	), "serve")
	waitHealthy(t, base)

	status, page := send(t, "GET", base+"/posts", "", false)
	if status != 200 {
		t.Fatalf("GET /posts = %d", status)
	}
	for _, want := range []string{
		"<title>Posts · Field Notes</title>",
		`<a class="site-name" href="/">Field Notes</a>`,
		`content="Notes from the field &amp; the barn."`,
		`<a class="status-block" href="https://example.org/field-notes" target="_blank" rel="noopener">Source`,
		"written in a field\nread in a barn\"",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("/posts lacks %q", want)
		}
	}
	if strings.Contains(page, "Replicated Notes") || strings.Contains(page, "ours, not the blog") {
		t.Error("/posts still shows the default name, or a comment of taglines.txt")
	}
	if status, feed := send(t, "GET", base+"/rss.xml", "", false); status != 200 ||
		!strings.Contains(feed, "<title>Field Notes</title>") || !strings.Contains(feed, "Notes from the field &amp; the barn.") {
		t.Errorf("the feed does not carry the identity: %d\n%.400s", status, feed)
	}
	stop(t, p)
}

// TestServeRefusesBadIdentity: a tagline too long, a taglines.txt with
// none, or a Source address that is not one stop the blog before it
// touches anything, and say what to fix.
func TestServeRefusesBadIdentity(t *testing.T) {
	for _, tc := range []struct {
		name, taglines string
		env            map[string]string
		code           int
		want           string
	}{
		{"tagline too long", "short\n" + strings.Repeat("x", 81) + "\n", nil, 1, "taglines.txt line 2"},
		{"no tagline", "# only a comment\n\n", nil, 1, "taglines.txt has no taglines"},
		{"source not an address", "", map[string]string{"BLOG_SOURCE_URL": "github/blog"}, 2, "BLOG_SOURCE_URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			contentDir := copyContent(t)
			if tc.taglines != "" {
				if err := os.WriteFile(filepath.Join(contentDir, "taglines.txt"), []byte(tc.taglines), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			env := map[string]string{"BLOG_CONTENT": contentDir, "BLOG_ADDR": freePort(t)}
			for k, v := range tc.env {
				env[k] = v
			}
			code, _, stderr, dir := runInProcess(t, env, "serve")
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d with %q", code, stderr, tc.code, tc.want)
			}
			noFiles(t, dir)
		})
	}
}
