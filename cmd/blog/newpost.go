package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"blog/internal/importer"
	"blog/internal/markdown"
	"blog/internal/posts"
)

// newPost writes a new post into the content folder in the original Blog's
// format, a draft unless --publish, and prints its path. The folder is
// created when it does not exist:
//
//	blog new-post "Title" [--slug s] [--publish]
func newPost(args []string, getenv func(string) string, stdout io.Writer, now time.Time) error {
	p, err := parseNewPost(args, getenv)
	if errors.Is(err, errHelp) {
		fmt.Fprint(stdout, usageText)
		return nil
	}
	if err != nil {
		return err
	}
	text := p.text(now)
	name := "posts/" + now.UTC().Format("20060102150405") + "_" + strings.ReplaceAll(p.slug, "-", "_") + ".md"
	if _, err := importer.ParsePost(name, []byte(text)); err != nil {
		return fmt.Errorf("the new post would not import: %w", err)
	}
	path, err := p.write(name, text)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, path)
	return nil
}

// newPostArgs is what new-post was asked to write, checked.
type newPostArgs struct {
	title   string // on one line
	slug    string // normalized
	dir     string // the content folder
	publish bool
}

// parseNewPost reads new-post's command line and BLOG_CONTENT, and checks
// that the post can be written: a title, a content folder (or none yet),
// a slug.
func parseNewPost(args []string, getenv func(string) string) (newPostArgs, error) {
	var p newPostArgs
	var slug string
	fs := newFlagSet("blog new-post")
	fs.StringVar(&slug, "slug", "", "")
	fs.BoolVar(&p.publish, "publish", false, "")
	fs.setting(&p.dir, "content", "")
	// The title may come before or after the flags.
	var title []string
	for {
		if err := fs.parse(args, getenv); err != nil {
			return p, err
		}
		if fs.NArg() == 0 {
			break
		}
		title = append(title, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(title) != 1 || strings.TrimSpace(title[0]) == "" {
		return p, usageError{`new-post needs the post's title, in quotes: blog new-post "My title"`}
	}
	p.title = strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, title[0])), " ")
	if p.dir == "" {
		return p, usageError{"new-post writes into the content folder: set BLOG_CONTENT or --content"}
	}
	// A folder that does not exist yet is created with the post: the
	// first post is how an author starts one.
	switch info, err := os.Stat(p.dir); {
	case err == nil && !info.IsDir():
		return p, fmt.Errorf("content folder %s: not a folder", p.dir)
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return p, fmt.Errorf("content folder: %w", err)
	}
	var err error
	p.slug, err = postSlug(slug, p.title)
	return p, err
}

// postSlug is the slug given, or else one made from the title, normalized.
func postSlug(given, title string) (string, error) {
	s := given
	if s == "" {
		s = markdown.Slugify(title, "-")
		if s == "" {
			return "", usageError{fmt.Sprintf("the title %q has no letters or digits to make a slug of; give one with --slug", title)}
		}
	}
	n := posts.NormalizeSlug(s)
	if !posts.SlugPattern.MatchString(n) || len(n) > posts.MaxSlug {
		return "", usageError{fmt.Sprintf("slug %q must be lower-case letters and digits joined by dashes or underscores", s)}
	}
	return n, nil
}

// text is the new post's file: front matter in the original's format and
// a line to replace.
func (p newPostArgs) text(now time.Time) string {
	// A YAML double-quoted string; the title has no control characters.
	quote := func(v string) string { return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"` }
	var b strings.Builder
	b.WriteString("---\n")
	b.WriteString("title: " + quote(p.title) + "\n")
	b.WriteString("slug: " + quote(p.slug) + "\n")
	if p.publish {
		b.WriteString("published_at: " + now.UTC().Format("2006-01-02 15:04:05Z") + "\n")
	}
	fmt.Fprintf(&b, "is_draft: %v\n", !p.publish)
	b.WriteString("reading_time_minutes:\ntags: []\ndescription:\n---\n\nWrite the post here, in Markdown.\n")
	return b.String()
}

// write creates the post's file, name under the content folder, unless
// another post has its slug or the file exists, and returns its path.
func (p newPostArgs) write(name, text string) (string, error) {
	path := filepath.Join(p.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	if taken, err := slugTaken(os.DirFS(p.dir), p.slug); err != nil {
		return "", err
	} else if taken != "" {
		return "", fmt.Errorf("slug %q is already used by %s; choose another with --slug", p.slug, taken)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", fmt.Errorf("write the new post: %w", err)
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}

// slugTaken returns the file of the post that has slug, or "". Files that
// do not parse are skipped: the import reports them.
func slugTaken(fsys fs.FS, slug string) (string, error) {
	names, err := fs.Glob(fsys, "posts/*.md")
	if err != nil {
		return "", err
	}
	for _, n := range names {
		src, err := fs.ReadFile(fsys, n)
		if err != nil {
			continue
		}
		if pf, err := importer.ParsePost(n, src); err == nil && pf.Post.Slug == slug {
			return n, nil
		}
	}
	return "", nil
}
