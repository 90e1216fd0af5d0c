package importer

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"blog"
	"blog/internal/markdown"
	"blog/internal/posts"
	"blog/internal/tags"
)

// PostFile is a post file, parsed, checked and rendered.
type PostFile struct {
	Post  posts.Upsert
	Draft bool
	// lines of the front matter fields, for errors found across files
	slugLine       int
	permalinkLines map[string]int
	images         []imageRef
	// stamp is the time in the file's name, which dates a draft
	stamp time.Time
	// readingMinutes is the reading time the front matter gives, 0 for
	// none: then it is worked out from the text
	readingMinutes int
}

// imageRef is an image a post shows, and the line that shows it.
type imageRef struct {
	src  string
	line int
}

// frontMatter is a post's front matter, field for field as the original
// Blog writes it (see yaml.go for why each field is a node).
type frontMatter struct {
	Title              yaml.Node `yaml:"title"`
	Slug               yaml.Node `yaml:"slug"`
	PublishedAt        yaml.Node `yaml:"published_at"`
	IsDraft            yaml.Node `yaml:"is_draft"`
	ReadingTimeMinutes yaml.Node `yaml:"reading_time_minutes"`
	Tags               yaml.Node `yaml:"tags"`
	Permalinks         yaml.Node `yaml:"permalinks"`
	Description        yaml.Node `yaml:"description"`
}

// postKeys says what is wrong with a key of the front matter.
var postKeys = keyWords{
	notWord: func(*yaml.Node) string { return "front matter keys must be plain words" },
	twice: func(key string, first int) string {
		return fmt.Sprintf("%s is given twice (first on line %d)", key, first)
	},
	unknown: func(key string) string {
		return fmt.Sprintf("unknown field %q; a post may have %s", key, fieldNames(frontMatter{}))
	},
}

// filePrefix is the timestamp the original Blog puts before a post's
// name: posts/20240720140600_hello_world.md.
var filePrefix = regexp.MustCompile(`^(\d{14})_`)

// slugWritten is a slug as the original Blog accepts it.
var slugWritten = regexp.MustCompile(`^[a-z0-9_-]+$`)

// dateLayouts are the forms published_at may take; without a zone, UTC.
var dateLayouts = []string{
	"2006-01-02",
	time.RFC3339,
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
}

// MaxDescription is how long a description made from the excerpt may get.
const MaxDescription = 200

// ParsePost reads a post file: YAML front matter between two --- lines,
// then Markdown. name is the file's path, used in errors and for the
// default slug.
func ParsePost(name string, src []byte) (*PostFile, error) {
	front, body, bodyLine, err := splitPost(name, src)
	if err != nil {
		return nil, err
	}
	var found firstProblem
	m, err := readFrontMatter(name, front, &found)
	if err != nil {
		return nil, err
	}
	pf := newPostFile(name)
	for _, f := range []struct {
		node  *yaml.Node
		check func(*yaml.Node) *problem
	}{
		{&m.Title, pf.title}, {&m.Slug, pf.slug}, {&m.PublishedAt, pf.publishedAt},
		{&m.IsDraft, pf.isDraft}, {&m.ReadingTimeMinutes, pf.readingTime}, {&m.Tags, pf.tags},
		{&m.Permalinks, pf.permalinks}, {&m.Description, pf.description},
	} {
		if f.node.Kind == 0 {
			continue // left out
		}
		if p := f.check(f.node); p != nil {
			found.note(p.line, "%s", p.msg)
		}
	}
	if err := found.err(name); err != nil {
		return nil, err
	}
	if err := pf.complete(name, m.Slug.Kind != 0); err != nil {
		return nil, err
	}
	if err := pf.render(name, body, bodyLine); err != nil {
		return nil, err
	}
	return pf, nil
}

// splitPost splits a post file into its front matter, as YAML whose line
// numbers are the file's (the opening line left blank), and its body,
// which begins on bodyLine.
func splitPost(name string, src []byte) (front []byte, body string, bodyLine int, err error) {
	src = bytes.TrimPrefix(src, []byte("\ufeff"))
	src = bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
	if !utf8.Valid(src) {
		return nil, "", 0, &FileError{name, 1, "the file is not valid UTF-8 text"}
	}
	lines := strings.SplitAfter(string(src), "\n")
	if len(lines) == 0 || strings.TrimRight(lines[0], " \t\n") != "---" {
		return nil, "", 0, &FileError{name, 1, "the file must begin with front matter: a line ---, fields such as title: …, and a closing line ---"}
	}
	for end := 1; end < len(lines); end++ {
		if l := strings.TrimRight(lines[end], " \t\n"); l == "---" || l == "..." {
			front = []byte("\n" + strings.Join(lines[1:end], ""))
			return front, strings.Join(lines[end+1:], ""), end + 2, nil
		}
	}
	return nil, "", 0, &FileError{name, 1, "the front matter opened on line 1 is never closed by a line ---"}
}

// readFrontMatter decodes a post's front matter, noting in found what is
// wrong with its keys. A front matter that is no set of fields is an
// error.
func readFrontMatter(name string, front []byte, found *firstProblem) (*frontMatter, error) {
	fail := func(line int, format string, args ...any) (*frontMatter, error) {
		return nil, &FileError{name, line, fmt.Sprintf(format, args...)}
	}
	root, p := readTree(front, 2)
	if p != nil {
		// yaml.v3 names the line a broken construct began on, unless that
		// is the text's first: then the line it broke on. The front matter
		// is a mapping that begins on its first line, so read on its own
		// it is named where it broke; read after the blank line, where its
		// first field is. Its line n is the file's n+1.
		if _, own := readTree(front[1:], 1); own != nil {
			p = &problem{own.line + 1, own.msg}
		}
		return fail(p.line, "front matter: %s", p.msg)
	}
	switch {
	case root == nil:
		return fail(1, "the front matter is empty; a post needs at least a title")
	case root.Kind != yaml.MappingNode:
		return fail(root.Line, "the front matter must be fields such as title: …, not a %s", kindName(root))
	}
	// What checkKeys finds yaml.v3 finds too, in words of its own, on the
	// same line: noted first, the front matter's words are kept.
	if _, merge := checkKeys(root, postKeys, found); merge {
		return nil, found.err(name)
	}
	var m frontMatter
	for _, p := range decodeFields(front, &m, postKeys, 2) {
		found.note(p.line, "%s", p.msg)
	}
	return &m, nil
}

// newPostFile starts the post of the file called name, with the slug and
// the date its name gives.
func newPostFile(name string) *PostFile {
	pf := &PostFile{permalinkLines: map[string]int{}, slugLine: 1}
	pf.Post.Source = name
	base := strings.TrimSuffix(path.Base(name), path.Ext(name))
	if m := filePrefix.FindStringSubmatch(base); m != nil {
		pf.stamp, _ = time.Parse("20060102150405", m[1])
		base = base[len(m[0]):]
	}
	pf.Post.Slug = posts.NormalizeSlug(base)
	return pf
}

func at(line int, format string, args ...any) *problem {
	return &problem{line, fmt.Sprintf(format, args...)}
}

func (pf *PostFile) title(n *yaml.Node) *problem {
	s, err := scalar(n)
	if err != nil || strings.TrimSpace(s) == "" {
		return at(n.Line, "title must be a line of text")
	}
	if c := utf8.RuneCountInString(s); c > 200 {
		return at(n.Line, "title is %d characters long; at most 200 fit", c)
	}
	pf.Post.Title = strings.TrimSpace(s)
	return nil
}

func (pf *PostFile) slug(n *yaml.Node) *problem {
	s, err := scalar(n)
	if err != nil || !slugWritten.MatchString(s) || !posts.SlugPattern.MatchString(posts.NormalizeSlug(s)) || len(s) > posts.MaxSlug {
		return at(n.Line, "slug %q must be lower-case letters and digits joined by dashes or underscores, such as my-first-post", n.Value)
	}
	pf.Post.Slug, pf.slugLine = posts.NormalizeSlug(s), n.Line
	return nil
}

func (pf *PostFile) publishedAt(n *yaml.Node) *problem {
	if n.Tag == "!!null" {
		return nil // empty, as the original Blog writes a draft's: undated
	}
	s, err := scalar(n)
	if err != nil {
		return at(n.Line, "published_at must be a date such as 2025-03-14 09:30:00Z")
	}
	t, ok := parseDate(s)
	if !ok {
		return at(n.Line, "published_at %q is not a date such as 2025-03-14 09:30:00Z", s)
	}
	pf.Post.PublishedAt = t
	return nil
}

func (pf *PostFile) isDraft(n *yaml.Node) *problem {
	if n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		return at(n.Line, "is_draft must be true or false, not %q", n.Value)
	}
	_ = n.Decode(&pf.Draft)
	return nil
}

func (pf *PostFile) readingTime(n *yaml.Node) *problem {
	if n.Tag == "!!null" {
		return nil // empty: worked out from the text
	}
	c, err := strconv.Atoi(n.Value)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || err != nil || c < 1 || c > 1000 {
		return at(n.Line, "reading_time_minutes must be empty or a whole number of minutes from 1 to 1000, not %q", n.Value)
	}
	pf.readingMinutes = c
	return nil
}

func (pf *PostFile) tags(n *yaml.Node) *problem {
	list, err := stringList(n)
	if err != nil {
		return at(n.Line, "tags must be a list of labels, such as [go, sqlite]")
	}
	var p *problem
	pf.Post.Tags, p = tagList(n, list)
	return p
}

func (pf *PostFile) permalinks(n *yaml.Node) *problem {
	list, err := stringList(n)
	if err != nil {
		return at(n.Line, "permalinks must be a list of old addresses, such as [/2019/05/old-title]")
	}
	for i, p := range list {
		p = posts.NormalizePermalink(p)
		line := lineOfItem(n, i)
		if err := posts.CheckPermalink(p); err != nil {
			return at(line, "%v", err)
		}
		if prev, dup := pf.permalinkLines[p]; dup {
			return at(line, "permalink %s is listed twice (first on line %d)", p, prev)
		}
		pf.permalinkLines[p] = line
		pf.Post.Permalinks = append(pf.Post.Permalinks, p)
	}
	return nil
}

func (pf *PostFile) description(n *yaml.Node) *problem {
	if n.Tag == "!!null" {
		return nil
	}
	s, err := scalar(n)
	if err != nil {
		return at(n.Line, "description must be text (Markdown)")
	}
	d, err := markdown.Render([]byte(s))
	if err != nil {
		return at(n.Line, "description: %v", err)
	}
	if strings.TrimSpace(d.Text) != "" {
		pf.Post.DescriptionHTML = d.HTML
		pf.Post.Description = strings.Join(strings.Fields(d.Text), " ")
	}
	return nil
}

// complete checks what the post needs whatever its fields, and dates a
// draft. slugGiven says whether the front matter has a slug.
func (pf *PostFile) complete(name string, slugGiven bool) error {
	u := &pf.Post
	fail := func(format string, args ...any) error {
		return &FileError{name, 1, fmt.Sprintf(format, args...)}
	}
	if !slugGiven && (!posts.SlugPattern.MatchString(u.Slug) || len(u.Slug) > posts.MaxSlug) {
		return fail("the file name %q gives no slug; add slug: with lower-case words joined by dashes", path.Base(name))
	}
	if u.Title == "" {
		return fail("title is missing from the front matter")
	}
	if u.PublishedAt.IsZero() {
		// Undated, as the original Blog allows (a draft, or a post of a
		// title and a slug): dated by the file's name, as new-post names
		// it; a name without a timestamp leaves the post without a date,
		// shown undated and listed after the dated ones.
		u.PublishedAt = pf.stamp
	}
	u.Draft = pf.Draft
	return nil
}

// render renders the post's body, which begins on line bodyLine of the
// file, and hashes the post.
func (pf *PostFile) render(name, body string, bodyLine int) error {
	u := &pf.Post
	// The page gives the slug to the title: no heading may have it.
	rendered, err := markdown.Render([]byte(body), u.Slug)
	if err != nil {
		return &FileError{name, bodyLine, err.Error()}
	}
	u.HTML, u.ExcerptHTML, u.Text = rendered.HTML, rendered.Excerpt, rendered.Text
	u.TOC, u.Words, u.ReadingMinutes = rendered.TOC, rendered.Words, rendered.ReadingMinutes
	if pf.readingMinutes > 0 {
		u.ReadingMinutes = pf.readingMinutes
	}
	if u.Description == "" {
		u.Description = shorten(rendered.ExcerptText, MaxDescription)
	}
	for _, img := range rendered.Images {
		pf.images = append(pf.images, imageRef{src: img, line: bodyLine + lineOf(body, img)})
	}
	if u.Tags == nil {
		u.Tags = []string{}
	}
	if u.Permalinks == nil {
		u.Permalinks = []string{}
	}
	u.Hash = u.ComputeHash()
	return nil
}

// tagList checks each label of a tags field by the tag rules and drops
// repeats. A problem is put on the line of the label at fault.
func tagList(n *yaml.Node, list []string) ([]string, *problem) {
	for i, l := range list {
		if _, err := tags.NormalizeLabel(l); err != nil {
			return nil, at(lineOfItem(n, i), "tag %q: %s", l, blog.ErrorMessage(err))
		}
	}
	list, err := tags.Dedupe(list)
	if err != nil {
		return nil, at(n.Line, "%v", err)
	}
	return list, nil
}

// lineOf returns the 0-based line of s where sub first appears, or 0.
func lineOf(s, sub string) int {
	if i := strings.Index(s, sub); i >= 0 {
		return strings.Count(s[:i], "\n")
	}
	return 0
}

func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// shorten cuts s at a word boundary to at most n characters.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:.") + "…"
}
