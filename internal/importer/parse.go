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
	"blog/internal/projects"
	"blog/internal/tags"
)

// FileError is a problem with one content file, at one line.
type FileError struct {
	File string
	Line int
	Msg  string
}

func (e *FileError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// PostFile is a post file, parsed, checked and rendered.
type PostFile struct {
	Post  posts.Upsert
	Draft bool
	// lines of the front matter fields, for errors found across files
	slugLine       int
	permalinkLines map[string]int
	images         []imageRef
}

// imageRef is an image a post shows, and the line that shows it.
type imageRef struct {
	src  string
	line int
}

// lineOf returns the 0-based line of s where sub first appears, or 0.
func lineOf(s, sub string) int {
	if i := strings.Index(s, sub); i >= 0 {
		return strings.Count(s[:i], "\n")
	}
	return 0
}

// postFields are what a post file may say about itself: the original
// Blog's front matter, key for key.
var postFields = []string{"title", "slug", "published_at", "is_draft", "reading_time_minutes",
	"tags", "permalinks", "description"}

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
	src = bytes.TrimPrefix(src, []byte("\ufeff"))
	src = bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
	if !utf8.Valid(src) {
		return nil, &FileError{name, 1, "the file is not valid UTF-8 text"}
	}
	fail := func(line int, format string, args ...any) (*PostFile, error) {
		return nil, &FileError{name, line, fmt.Sprintf(format, args...)}
	}

	lines := strings.SplitAfter(string(src), "\n")
	if len(lines) == 0 || strings.TrimRight(lines[0], " \t\n") != "---" {
		return fail(1, "the file must begin with front matter: a line ---, fields such as title: …, and a closing line ---")
	}
	end := -1
	for i := 1; i < len(lines); i++ {
		if l := strings.TrimRight(lines[i], " \t\n"); l == "---" || l == "..." {
			end = i
			break
		}
	}
	if end < 0 {
		return fail(1, "the front matter opened on line 1 is never closed by a line ---")
	}
	fm := strings.Join(lines[1:end], "")
	body := strings.Join(lines[end+1:], "")

	// Line n of the front matter is line n+1 of the file.
	const offset = 1
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(fm), &doc); err != nil {
		line, msg := yamlErrorLine(err)
		return fail(line+offset, "front matter: %s", msg)
	}
	if len(doc.Content) == 0 {
		return fail(1, "the front matter is empty; a post needs at least a title")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return fail(root.Line+offset, "the front matter must be fields such as title: …, not a %s", kindName(root))
	}

	pf := &PostFile{permalinkLines: map[string]int{}}
	u := &pf.Post
	u.Source = name
	base := strings.TrimSuffix(path.Base(name), path.Ext(name))
	var stamp time.Time
	if m := filePrefix.FindStringSubmatch(base); m != nil {
		stamp, _ = time.Parse("20060102150405", m[1])
		base = base[len(m[0]):]
	}
	u.Slug = posts.NormalizeSlug(base)
	pf.slugLine = 1
	readingMinutes := 0
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		line := k.Line + offset
		if k.Kind != yaml.ScalarNode {
			return fail(line, "front matter keys must be plain words")
		}
		if prev, dup := seen[k.Value]; dup {
			return fail(line, "%s is given twice (first on line %d)", k.Value, prev)
		}
		seen[k.Value] = line
		vline := v.Line + offset
		switch k.Value {
		case "title":
			s, err := scalar(v)
			if err != nil || strings.TrimSpace(s) == "" {
				return fail(vline, "title must be a line of text")
			}
			if n := utf8.RuneCountInString(s); n > 200 {
				return fail(vline, "title is %d characters long; at most 200 fit", n)
			}
			u.Title = strings.TrimSpace(s)
		case "slug":
			s, err := scalar(v)
			if err != nil || !slugWritten.MatchString(s) || !posts.SlugPattern.MatchString(posts.NormalizeSlug(s)) || len(s) > posts.MaxSlug {
				return fail(vline, "slug %q must be lower-case letters and digits joined by dashes or underscores, such as my-first-post", v.Value)
			}
			u.Slug, pf.slugLine = posts.NormalizeSlug(s), vline
		case "published_at":
			s, err := scalar(v)
			if err != nil {
				return fail(vline, "published_at must be a date such as 2025-03-14 09:30:00Z")
			}
			t, ok := parseDate(s)
			if !ok {
				return fail(vline, "published_at %q is not a date such as 2025-03-14 09:30:00Z", s)
			}
			u.PublishedAt = t
		case "tags":
			list, err := stringList(v)
			if err != nil {
				return fail(vline, "tags must be a list of labels, such as [go, sqlite]")
			}
			var tline int
			if u.Tags, tline, err = tagList(v, list); err != nil {
				return fail(tline+offset, "%v", err)
			}
		case "description":
			if v.Tag == "!!null" {
				break
			}
			s, err := scalar(v)
			if err != nil {
				return fail(vline, "description must be text (Markdown)")
			}
			d, err := markdown.Render([]byte(s))
			if err != nil {
				return fail(vline, "description: %v", err)
			}
			if strings.TrimSpace(d.Text) != "" {
				u.DescriptionHTML = d.HTML
				u.Description = strings.Join(strings.Fields(d.Text), " ")
			}
		case "is_draft":
			if v.Tag == "!!null" {
				break
			}
			if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
				return fail(vline, "is_draft must be true or false, not %q", v.Value)
			}
			_ = v.Decode(&pf.Draft)
		case "reading_time_minutes":
			if v.Tag == "!!null" {
				break // empty: worked out from the text
			}
			n, err := strconv.Atoi(v.Value)
			if v.Kind != yaml.ScalarNode || v.Tag != "!!int" || err != nil || n < 1 || n > 1000 {
				return fail(vline, "reading_time_minutes must be empty or a whole number of minutes from 1 to 1000, not %q", v.Value)
			}
			readingMinutes = n
		case "permalinks":
			list, err := stringList(v)
			if err != nil {
				return fail(vline, "permalinks must be a list of old addresses, such as [/2019/05/old-title]")
			}
			for j, p := range list {
				p = posts.NormalizePermalink(p)
				pline := vline
				if v.Kind == yaml.SequenceNode {
					pline = v.Content[j].Line + offset
				}
				if err := posts.CheckPermalink(p); err != nil {
					return fail(pline, "%v", err)
				}
				if prev, dup := pf.permalinkLines[p]; dup {
					return fail(pline, "permalink %s is listed twice (first on line %d)", p, prev)
				}
				pf.permalinkLines[p] = pline
				u.Permalinks = append(u.Permalinks, p)
			}
		default:
			return fail(line, "unknown field %q; a post may have %s", k.Value, strings.Join(postFields, ", "))
		}
	}
	if _, ok := seen["slug"]; !ok && (!posts.SlugPattern.MatchString(u.Slug) || len(u.Slug) > posts.MaxSlug) {
		return fail(1, "the file name %q gives no slug; add slug: with lower-case words joined by dashes", path.Base(name))
	}
	if u.Title == "" {
		return fail(1, "title is missing from the front matter")
	}
	if u.PublishedAt.IsZero() && !pf.Draft {
		return fail(1, "published_at is missing from the front matter (a draft, is_draft: true, may leave it out)")
	}
	if u.PublishedAt.IsZero() {
		// A draft is dated by its file name, as new-post names it.
		u.PublishedAt = stamp
		if stamp.IsZero() {
			u.PublishedAt = time.Unix(0, 0).UTC()
		}
	}
	u.Draft = pf.Draft

	rendered, err := markdown.Render([]byte(body))
	if err != nil {
		return fail(end+2, "%v", err)
	}
	u.HTML, u.ExcerptHTML, u.Text = rendered.HTML, rendered.Excerpt, rendered.Text
	u.TOC, u.Words, u.ReadingMinutes = rendered.TOC, rendered.Words, rendered.ReadingMinutes
	if readingMinutes > 0 {
		u.ReadingMinutes = readingMinutes
	}
	if u.Description == "" {
		u.Description = shorten(rendered.ExcerptText, MaxDescription)
	}
	for _, img := range rendered.Images {
		pf.images = append(pf.images, imageRef{src: img, line: end + 2 + lineOf(body, img)})
	}
	if u.Tags == nil {
		u.Tags = []string{}
	}
	if u.Permalinks == nil {
		u.Permalinks = []string{}
	}
	u.Hash = u.ComputeHash()
	return pf, nil
}

var projectFields = []string{"name", "url", "description", "tags"}

// projectEntry is a project from the projects file and the line of its name.
type projectEntry struct {
	Project  projects.Upsert
	nameLine int
}

// ParseProjects reads the projects file as the original Blog writes it: a
// YAML mapping whose one key, projects:, holds the list of entries with
// name, url, description and tags.
func ParseProjects(name string, src []byte) ([]projectEntry, error) {
	fail := func(line int, format string, args ...any) ([]projectEntry, error) {
		return nil, &FileError{name, line, fmt.Sprintf(format, args...)}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		line, msg := yamlErrorLine(err)
		return fail(line, "%s", msg)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return fail(top.Line, "the projects file must start with projects: and list the entries under it, each starting with - name: …")
	}
	var root *yaml.Node
	for i := 0; i+1 < len(top.Content); i += 2 {
		if k := top.Content[i]; k.Value != "projects" {
			return fail(k.Line, "unknown field %q; the projects file has one field, projects:", k.Value)
		}
		root = top.Content[i+1]
	}
	if root == nil || root.Tag == "!!null" {
		return nil, nil
	}
	if root.Kind != yaml.SequenceNode {
		return fail(root.Line, "projects: must be a list of entries, each starting with - name: …")
	}
	var out []projectEntry
	seen := map[string]int{}
	for i, item := range root.Content {
		if item.Kind != yaml.MappingNode {
			return fail(item.Line, "each project must be fields such as name: and url:, not a %s", kindName(item))
		}
		e := projectEntry{Project: projects.Upsert{Position: i, Tags: []string{}}, nameLine: item.Line}
		p := &e.Project
		fields := map[string]int{}
		for j := 0; j+1 < len(item.Content); j += 2 {
			k, v := item.Content[j], item.Content[j+1]
			if prev, dup := fields[k.Value]; dup {
				return fail(k.Line, "%s is given twice in this project (first on line %d)", k.Value, prev)
			}
			fields[k.Value] = k.Line
			switch k.Value {
			case "name":
				s, err := scalar(v)
				s = strings.TrimSpace(s)
				if err != nil || s == "" {
					return fail(v.Line, "name must be a line of text")
				}
				if n := utf8.RuneCountInString(s); n > projects.MaxName {
					return fail(v.Line, "name is %d characters long; at most %d fit", n, projects.MaxName)
				}
				p.Name, e.nameLine = s, v.Line
			case "url":
				s, err := scalar(v)
				if err == nil {
					err = projects.CheckURL(strings.TrimSpace(s))
				}
				if err != nil {
					return fail(v.Line, "url %q must be an absolute http or https address", v.Value)
				}
				p.URL = strings.TrimSpace(s)
			case "description":
				s, err := scalar(v)
				if err != nil {
					return fail(v.Line, "description must be text")
				}
				p.Description = strings.Join(strings.Fields(s), " ")
			case "tags":
				list, err := stringList(v)
				if err != nil {
					return fail(v.Line, "tags must be a list of labels, such as [go, sqlite]")
				}
				var tline int
				if p.Tags, tline, err = tagList(v, list); err != nil {
					return fail(tline, "%v", err)
				}
			default:
				return fail(k.Line, "unknown field %q; a project may have %s", k.Value, strings.Join(projectFields, ", "))
			}
		}
		if p.Name == "" {
			return fail(item.Line, "this project has no name")
		}
		if p.URL == "" {
			return fail(item.Line, "project %q has no url", p.Name)
		}
		if prev, dup := seen[strings.ToLower(p.Name)]; dup {
			return fail(e.nameLine, "project %q is listed twice (first on line %d)", p.Name, prev)
		}
		seen[strings.ToLower(p.Name)] = e.nameLine
		p.Hash = p.ComputeHash()
		out = append(out, e)
	}
	return out, nil
}

// tagList checks each label of a tags field by the tag rules and drops
// repeats. An error comes with the YAML line of the label at fault.
func tagList(n *yaml.Node, list []string) ([]string, int, error) {
	for i, l := range list {
		if _, err := tags.NormalizeLabel(l); err != nil {
			line := n.Line
			if n.Kind == yaml.SequenceNode {
				line = n.Content[i].Line
			}
			return nil, line, fmt.Errorf("tag %q: %s", l, blog.ErrorMessage(err))
		}
	}
	list, err := tags.Dedupe(list)
	return list, n.Line, err
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlErrorLine splits a YAML error into its line and message.
func yamlErrorLine(err error) (int, string) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n, m[2]
	}
	return 1, strings.TrimPrefix(msg, "yaml: ")
}

func scalar(n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", fmt.Errorf("not text")
	}
	return n.Value, nil
}

// stringList accepts a YAML list of plain values; an empty value is an
// empty list.
func stringList(n *yaml.Node) ([]string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, nil
		}
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode || c.Tag == "!!null" {
				return nil, fmt.Errorf("not a list of text")
			}
			out = append(out, c.Value)
		}
		return out, nil
	}
	return nil, fmt.Errorf("not a list")
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.MappingNode:
		return "set of fields"
	default:
		return "single value"
	}
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
