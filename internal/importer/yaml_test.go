package importer_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"blog"
	"blog/internal/importer"
	"blog/internal/repo"
	"blog/internal/tags"
)

// A YAML syntax error names the line it is on, not the one before it.
func TestYAMLErrorsNameTheirLine(t *testing.T) {
	const pj = "projects/projects.yaml"
	cases := []struct {
		name, file, data, want string
	}{
		{"unclosed list in a project", pj,
			"projects:\n  - name: A\n    url: https://a\n    tags: [x]\n  - name: B\n    url: https://b\n    tags: [y\n",
			pj + ":7: did not find expected ',' or ']'"},
		{"unclosed fields in a project", pj,
			"projects:\n  - name: A\n    url: https://a\n    description: {a: 1\n  - name: B\n",
			pj + ":4: did not find expected ',' or '}'"},
		{"unclosed list in a post", "posts/bad.md",
			"---\ntitle: ok\npublished_at: 2026-01-01\ntags: [a, b\nslug: x\n---\nbody\n",
			"posts/bad.md:4: front matter: did not find expected ',' or ']'"},
		{"list item out of line in a post", "posts/bad.md",
			"---\ntitle: ok\npublished_at: 2026-01-01\ntags:\n  - a\n - b\n---\nbody\n",
			"posts/bad.md:6: front matter: did not find expected key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fsys := sampleFS()
			fsys[tc.file] = &fstest.MapFile{Data: []byte(tc.data)}
			_, err := importer.Load(fsys)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want %q", err, tc.want)
			}
		})
	}
}

// The files' fields are read as the original Blog reads them, with the
// same messages: a merge key (<<) is a field like any other and unknown,
// never merged, whatever sits beside it; a field given twice is named
// with the line of the first.
func TestContentKeys(t *testing.T) {
	const pj = "projects/projects.yaml"
	const postFields = "a post may have title, slug, published_at, is_draft, reading_time_minutes, tags, permalinks, description"
	cases := []struct {
		name, file, data, want string
	}{
		{"merge in a post", "posts/bad.md",
			"---\ntitle: ok\npublished_at: 2026-01-01\n<<: {is_draft: true}\n[k]: v\n---\n",
			`posts/bad.md:4: unknown field "<<"; ` + postFields},
		{"merge in a project", pj,
			"projects:\n  - name: A\n    url: https://a\n  - name: B\n    <<: {url: https://b}\n    [k]: v\n",
			pj + `:5: unknown field "<<"; a project may have name, url, description, tags`},
		{"unknown key in a post", "posts/bad.md",
			"---\ntitle: ok\npublished_at: 2026-01-01\nauthor: me\n---\n",
			`posts/bad.md:4: unknown field "author"; ` + postFields},
		{"empty key in a post", "posts/bad.md",
			"---\ntitle: ok\n~: 1\npublished_at: 2026-01-01\n---\n",
			`posts/bad.md:3: unknown field "~"; ` + postFields},
		{"key that is a list", "posts/bad.md",
			"---\ntitle: ok\n[a, b]: 1\npublished_at: 2026-01-01\n---\n",
			`posts/bad.md:3: front matter keys must be plain words`},
		{"field twice in a post", "posts/bad.md",
			"---\ntitle: ok\npublished_at: 2026-01-01\ntitle: again\n---\n",
			`posts/bad.md:4: title is given twice (first on line 2)`},
		{"field twice in a project", pj,
			"projects:\n  - name: A\n    url: https://a\n    name: B\n",
			pj + `:4: name is given twice in this project (first on line 2)`},
		{"projects twice", pj,
			"projects:\n  - name: A\n    url: https://a\nprojects: []\n",
			pj + `:4: projects is given twice (first on line 1)`},
		{"first problem in the file", "posts/bad.md",
			"---\ntitle: ok\nis_draft: maybe\nauthor: me\n---\n",
			`posts/bad.md:3: is_draft must be true or false, not "maybe"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fsys := sampleFS()
			fsys[tc.file] = &fstest.MapFile{Data: []byte(tc.data)}
			_, err := importer.Load(fsys)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want %q", err, tc.want)
			}
		})
	}
}

// Every write operation of the content refuses arguments that do not
// decode, with one answer.
func TestMalformedArguments(t *testing.T) {
	r, writes := openRepo(t)
	tags.NewService(r)
	for _, name := range r.Names() {
		res := r.Do(context.Background(), repo.Op{Name: name, Args: []byte(`[1]`)})
		if blog.ErrorCode(res.Err) != blog.EBADREQUEST || !strings.HasPrefix(blog.ErrorMessage(res.Err), "Malformed arguments: ") {
			t.Errorf("%s: err = %v, want bad_request about malformed arguments", name, res.Err)
		}
	}
	if *writes != len(r.Names()) || len(r.Names()) != 10 {
		t.Errorf("%d writes of %d operations, want the 10 of posts, projects, images and tags", *writes, len(r.Names()))
	}
}
