package deploy_test

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"strings"
	"testing"

	"blog/deploy"
)

// dockerIgnore is a parsed .dockerignore.
type dockerIgnore struct {
	rules []ignoreRule
}

type ignoreRule struct {
	pattern []string // path segments; "**" matches any number of them
	keep    bool     // a "!" exception
}

// parseDockerIgnore reads the text of a .dockerignore.
func parseDockerIgnore(text []byte) (*dockerIgnore, error) {
	var d dockerIgnore
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r := ignoreRule{}
		if strings.HasPrefix(line, "!") {
			r.keep = true
			line = strings.TrimSpace(line[1:])
		}
		line = path.Clean(strings.TrimPrefix(line, "/"))
		for _, seg := range strings.Split(line, "/") {
			if _, err := path.Match(seg, ""); err != nil {
				return nil, fmt.Errorf("%s: pattern %q: %w", deploy.DockerIgnoreFile, line, err)
			}
		}
		r.pattern = strings.Split(line, "/")
		d.rules = append(d.rules, r)
	}
	return &d, sc.Err()
}

// excluded reports whether the file at name, a slash-separated path relative
// to the build context, is left out of the context: the last pattern that
// matches it or one of its parent folders decides.
func (d *dockerIgnore) excluded(name string) bool {
	segs := strings.Split(path.Clean(name), "/")
	excluded := false
	for _, r := range d.rules {
		// A pattern matching a folder takes everything inside it along.
		for n := 1; n <= len(segs); n++ {
			if matchSegments(r.pattern, segs[:n]) {
				excluded = !r.keep
				break
			}
		}
	}
	return excluded
}

func matchSegments(pattern, name []string) bool {
	if len(pattern) == 0 {
		return len(name) == 0
	}
	if pattern[0] == "**" {
		for i := 0; i <= len(name); i++ {
			if matchSegments(pattern[1:], name[i:]) {
				return true
			}
		}
		return false
	}
	if len(name) == 0 {
		return false
	}
	ok, _ := path.Match(pattern[0], name[0])
	return ok && matchSegments(pattern[1:], name[1:])
}

func TestDockerIgnore(t *testing.T) {
	ig, err := parseDockerIgnore([]byte("# comment\n.git\n/data\n**/*.db\ndocs\n!docs/keep.md\n*.md\n"))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]bool{
		".git":             true,
		".git/objects/ab":  true,
		"data/blog.db":     true,
		"blog.db":          true,
		"a/b/c.db":         true,
		"a/b/c.db-wal":     false,
		"docs/DEPLOY.md":   true,
		"README.md":        true,
		"content/x.md":     false, // *.md is for the root only
		"cmd/blog/main.go": false,
		"go.mod":           false,
	}
	for name, want := range cases {
		if got := ig.excluded(name); got != want {
			t.Errorf("Excluded(%q) = %v, want %v", name, got, want)
		}
	}
	// A later exception wins over an earlier pattern, and is undone by a
	// later pattern again.
	ig, _ = parseDockerIgnore([]byte("*\n!go.mod\n!internal\ninternal/secret\n"))
	for name, want := range map[string]bool{"go.mod": false, "internal/x.go": false, "internal/secret/k": true, "web/a.go": true} {
		if got := ig.excluded(name); got != want {
			t.Errorf("with exceptions: Excluded(%q) = %v, want %v", name, got, want)
		}
	}
}
