package main

import (
	"errors"
	"flag"
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
// format, a draft unless --publish, and prints its path:
//
//	blog new-post "Title" [--slug s] [--publish]
func newPost(args []string, getenv func(string) string, stdout io.Writer, now time.Time) error {
	fset := flag.NewFlagSet("blog new-post", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	slug := fset.String("slug", "", "the post's slug (default: made from the title)")
	publish := fset.Bool("publish", false, "publish now instead of writing a draft")
	dir := fset.String("content", getenv("BLOG_CONTENT"), "content folder")
	// The title may come before or after the flags.
	var title []string
	for {
		if err := fset.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(stdout, usageText)
				return nil
			}
			return usageError{err.Error()}
		}
		if fset.NArg() == 0 {
			break
		}
		title = append(title, fset.Arg(0))
		args = fset.Args()[1:]
	}
	if len(title) != 1 || strings.TrimSpace(title[0]) == "" {
		return usageError{`new-post needs the post's title, in quotes: blog new-post "My title"`}
	}
	t := strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, title[0])), " ")
	if *dir == "" {
		return usageError{"new-post writes into the content folder: set BLOG_CONTENT or --content"}
	}
	if info, err := os.Stat(*dir); err != nil || !info.IsDir() {
		return fmt.Errorf("content folder %s: not a folder", *dir)
	}
	s := *slug
	if s == "" {
		s = markdown.Slugify(t, "-")
		if s == "" {
			return usageError{fmt.Sprintf("the title %q has no letters or digits to make a slug of; give one with --slug", t)}
		}
	}
	n := posts.NormalizeSlug(s)
	if !posts.SlugPattern.MatchString(n) || len(n) > posts.MaxSlug {
		return usageError{fmt.Sprintf("slug %q must be lower-case letters and digits joined by dashes or underscores", s)}
	}
	s = n

	// A YAML double-quoted string; the title has no control characters.
	quote := func(v string) string { return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"` }
	var b strings.Builder
	b.WriteString("---\n")
	b.WriteString("title: " + quote(t) + "\n")
	b.WriteString("slug: " + quote(s) + "\n")
	if *publish {
		b.WriteString("published_at: " + now.UTC().Format("2006-01-02 15:04:05Z") + "\n")
	}
	fmt.Fprintf(&b, "is_draft: %v\n", !*publish)
	b.WriteString("reading_time_minutes:\ntags: []\ndescription:\n---\n\nWrite the post here, in Markdown.\n")

	name := "posts/" + now.UTC().Format("20060102150405") + "_" + strings.ReplaceAll(s, "-", "_") + ".md"
	if _, err := importer.ParsePost(name, []byte(b.String())); err != nil {
		return fmt.Errorf("the new post would not import: %w", err)
	}
	path := filepath.Join(*dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if taken, err := slugTaken(os.DirFS(*dir), s); err != nil {
		return err
	} else if taken != "" {
		return fmt.Errorf("slug %q is already used by %s; choose another with --slug", s, taken)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("write the new post: %w", err)
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, path)
	return nil
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
