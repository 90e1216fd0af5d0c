package content_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"blog/content"
)

func TestFrom(t *testing.T) {
	fsys, err := content.From("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Stat(fsys, "projects/projects.yaml"); err != nil {
		t.Errorf("the embedded content lacks projects/projects.yaml: %v", err)
	}

	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "posts"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "posts", "mine.md"), []byte("---\ntitle: Mine\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fsys, err = content.From(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Stat(fsys, "posts/mine.md"); err != nil {
		t.Errorf("the folder's post is not there: %v", err)
	}

	if _, err := content.From(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing folder is accepted")
	}
	if _, err := content.From(filepath.Join(dir, "posts", "mine.md")); err == nil {
		t.Error("a file is accepted as a folder")
	}
}

// The post on exactly-once writes and reading your own writes describes
// the code as it is: a replica waits for LiteFS's tx event on the /events
// stream (internal/litefs/events.go), and reads blog.db-pos only while the
// stream is down.
func TestExactlyOncePostDescribesTheEventStream(t *testing.T) {
	b, err := fs.ReadFile(content.FS, "posts/20261102090000_exactly_once_and_read_your_writes.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, want := range []string{"`GET /events`", "`tx` event", "`blog.db-pos` while it is down"} {
		if !strings.Contains(text, want) {
			t.Errorf("the post does not say %s", want)
		}
	}
	for _, old := range []string{"watches its own `blog.db-pos`", "pos, err := n.Pos()"} {
		if strings.Contains(text, old) {
			t.Errorf("the post still describes polling: %s", old)
		}
	}
}
