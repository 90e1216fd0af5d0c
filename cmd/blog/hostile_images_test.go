package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"blog/internal/assets/assetstest"
	"blog/internal/blogtest"
)

// Defect: a PNG of a few hundred KB, 6320×6320 pixels at 16 bits a
// channel (39.9 megapixels, under the pixel limit), was decoded to 305 MiB
// and converted, the process peaking at about 760 MiB. Now the real
// binary refuses to start on it, naming the file and its decoded size,
// creates no database, and never decodes it: its peak memory stays far below
// what the decoded picture alone would take.
func TestServeRefusesAPictureTooBigOnceDecoded(t *testing.T) {
	bin := blogtest.Binary(t)
	dir := t.TempDir()
	content := filepath.Join(dir, "content")
	for name, data := range map[string][]byte{
		"posts/hello.md":  []byte("---\ntitle: Hello\nslug: hello-world\npublished_at: 2026-03-01\n---\nHello.\n"),
		"assets/huge.png": assetstest.FlatPNG(t, 6320, 6320, 16),
	} {
		p := filepath.Join(content, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db := filepath.Join(dir, "blog.db")
	env := cleanEnv("BLOG_DB="+db, "BLOG_ADDR="+freePort(t), "BLOG_CONTENT="+content)

	p := start(t, bin, dir, env, "serve")
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("blog serve started with the picture in the content")
		}
	case <-time.After(60 * time.Second):
		t.Fatal("blog serve was still running after 60 s, the picture imported")
	}
	const says = "assets/huge.png: decodes to 305 MiB (6320×6320, 8 bytes a pixel); at most 160 MiB are accepted"
	if log := p.log(); !strings.Contains(log, says) {
		t.Errorf("the error does not say %q:\n%s", says, log)
	}
	// Linux counts the peak resident memory in KiB.
	if peak := p.cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10; peak >= 160<<20 {
		t.Errorf("blog serve peaked at %d MiB refusing the picture; decoding it would take 305", peak>>20)
	} else {
		t.Logf("peak resident memory: %d MiB", peak>>20)
	}

	// Refused from its header, before the database is created.
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused start created the database (%v)", err)
	}
}
