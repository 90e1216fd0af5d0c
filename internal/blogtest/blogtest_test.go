package blogtest_test

import (
	"debug/buildinfo"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"blog/internal/blogtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	blogtest.RemoveBinaries()
	os.Exit(code)
}

// tagsOf returns the -tags the binary at path was built with.
func tagsOf(t *testing.T, path string) string {
	t.Helper()
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range info.Settings {
		if s.Key == "-tags" {
			return s.Value
		}
	}
	return ""
}

// Tests asking at the same time get the one build, and it is the build
// that ships: it carries sqlite3_flock and runs.
func TestBinaryIsBuiltOnceAsItShips(t *testing.T) {
	paths := make([]string, 4)
	var wg sync.WaitGroup
	for i := range paths {
		wg.Go(func() { paths[i] = blogtest.Binary(t) })
	}
	wg.Wait()
	for _, p := range paths[1:] {
		if p != paths[0] {
			t.Fatalf("concurrent calls built more than once: %q", paths)
		}
	}
	if got := tagsOf(t, paths[0]); got != blogtest.BuildTags {
		t.Errorf("built with -tags %q, want %q", got, blogtest.BuildTags)
	}
	out, err := exec.Command(paths[0], "version").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Errorf("blog version: %q %v", out, err)
	}
	if again := blogtest.Binary(t); again != paths[0] {
		t.Errorf("a later call built again: %s, first %s", again, paths[0])
	}
}

// The build without flock is a build of its own, without the tag.
func TestBinaryWithoutFlock(t *testing.T) {
	p := blogtest.BinaryWithoutFlock(t)
	if p == blogtest.Binary(t) {
		t.Fatal("the build without flock is the shipping build")
	}
	if got := tagsOf(t, p); strings.Contains(got, "sqlite3_flock") {
		t.Errorf("built with -tags %q, want no sqlite3_flock", got)
	}
}
