package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"blog/internal/assets/assetstest"
	"blog/internal/blogtest"
)

// TestServeImportsImages starts the real binary on a content folder with
// a JPEG, a transparent PNG, a GIF, an SVG and a corrupt JPEG: it refuses
// to start, names the corrupt file, and the database holds no image and no
// post. Without the corrupt file it starts and serves every image by its
// name, with and without the extension.
func TestServeImportsImages(t *testing.T) {
	if _, err := exec.LookPath("sqlite3"); err != nil {
		t.Skip("needs the sqlite3 shell")
	}
	bin := blogtest.Binary(t)
	dir := t.TempDir()
	content := filepath.Join(dir, "content")
	for name, f := range assetstest.Tree(t) {
		p := filepath.Join(content, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	broken := filepath.Join(content, "assets", "broken.jpg")
	if err := os.WriteFile(broken, assetstest.Truncated(t), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "blog.db")
	addr := freePort(t)
	env := cleanEnv("BLOG_DB="+db, "BLOG_ADDR="+addr, "BLOG_CONTENT="+content)
	count := func(table string) string {
		t.Helper()
		out, err := exec.Command("sqlite3", "-readonly", db, "SELECT count(*) FROM "+table).CombinedOutput()
		if err != nil {
			t.Fatalf("sqlite3: %v: %s", err, out)
		}
		return strings.TrimSpace(string(out))
	}

	p := start(t, bin, dir, env, "serve")
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("blog serve started with a corrupt image in the content")
		}
	case <-time.After(60 * time.Second):
		t.Fatal("blog serve neither started nor stopped within 60 s")
	}
	if log := p.log(); !strings.Contains(log, "assets/broken.jpg") || !strings.Contains(log, "does not decode") {
		t.Errorf("the error does not name the file and the reason:\n%s", log)
	}
	if a, ps := count("assets"), count("posts"); a != "0" || ps != "0" {
		t.Errorf("after the refused import sqlite3 counts %s assets and %s posts, want none", a, ps)
	}

	if err := os.Remove(broken); err != nil {
		t.Fatal(err)
	}
	p = start(t, bin, dir, env, "serve")
	base := "http://" + addr
	waitHealthy(t, base)
	for _, path := range []string{"/assets/images/photo", "/assets/images/photo.jpg", "/assets/images/clear.png", "/assets/images/anim"} {
		code, body := send(t, "GET", base+path, "", false)
		if code != 200 || !strings.HasPrefix(body, "RIFF") {
			t.Errorf("GET %s = %d, want a WebP", path, code)
		}
	}
	if code, body := send(t, "GET", base+"/assets/images/drawing.svg", "", false); code != 200 || body != assetstest.SVG {
		t.Errorf("GET the SVG = %d %q", code, body)
	}
	if code, _ := send(t, "GET", base+"/assets/images/broken", "", false); code != 404 {
		t.Errorf("GET the removed file = %d, want 404", code)
	}
	stop(t, p)
	if a := count("assets"); a != "4" {
		t.Errorf("sqlite3 counts %s assets, want 4", a)
	}
	if !strings.Contains(p.log(), "images_created=4") {
		t.Errorf("the import's log line does not count the images:\n%s", p.log())
	}
}
