// Package blogtest builds the blog's binary for the tests that start it as
// a user does: cmd/blog's end-to-end tests and the LiteFS cluster rig. Each
// set of build tags is built once per test process, however many tests,
// running in parallel or not, ask for it.
package blogtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// BuildTags are the tags of every build that can meet LiteFS: its FUSE
// file system has no OFD locks, SQLite's default, so the blog must lock
// with flock(2). The Dockerfile, scripts/test and the tests build with
// exactly these (deploy/ checks that they agree).
const BuildTags = "sqlite3_flock"

// Binary returns the path of cmd/blog built as it ships, with BuildTags,
// and with extra tags besides (blogpprof, say).
func Binary(tb testing.TB, extra ...string) string {
	tb.Helper()
	return build(tb, append([]string{BuildTags}, extra...))
}

// BinaryWithoutFlock returns the path of cmd/blog built with no tags at
// all: the build that must refuse to run on LiteFS.
func BinaryWithoutFlock(tb testing.TB) string {
	tb.Helper()
	return build(tb, nil)
}

// RemoveBinaries removes every binary this process built. Call it from
// TestMain after m.Run.
func RemoveBinaries() {
	builds.Range(func(_, v any) bool {
		if b := v.(*result); b.dir != "" {
			os.RemoveAll(b.dir)
		}
		return true
	})
}

// builds holds one result per set of tags, so that tests asking for the
// same build wait for the one go build instead of starting their own.
var builds sync.Map // tags joined by commas → *result

type result struct {
	once sync.Once
	dir  string // the temporary folder holding the binary
	path string
	err  error
}

func build(tb testing.TB, tags []string) string {
	tb.Helper()
	tags = slices.Compact(slices.Sorted(slices.Values(tags)))
	key := strings.Join(tags, ",")
	v, _ := builds.LoadOrStore(key, &result{})
	b := v.(*result)
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", "blog-bin-"); b.err != nil {
			return
		}
		b.path = filepath.Join(b.dir, "blog")
		// By import path, so that it builds from any test's folder.
		args := []string{"build", "-o", b.path}
		if key != "" {
			args = append(args, "-tags", key)
		}
		args = append(args, "blog/cmd/blog")
		if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	})
	if b.err != nil {
		tb.Fatal(b.err)
	}
	return b.path
}
