package content_test

import (
	"io/fs"
	"os"
	"path/filepath"
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
