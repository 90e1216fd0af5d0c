package importer

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"blog/internal/projects"
)

// projectsFile is the projects file as the original Blog writes it: one
// field, projects:, holding the list of entries.
type projectsFile struct {
	Projects []projectFields `yaml:"projects"`
}

// projectFields is one entry of the projects file (see yaml.go for why
// each field is a node).
type projectFields struct {
	Name        yaml.Node `yaml:"name"`
	URL         yaml.Node `yaml:"url"`
	Description yaml.Node `yaml:"description"`
	Tags        yaml.Node `yaml:"tags"`
}

// projectKeys says what is wrong with a key of a project.
var projectKeys = keyWords{
	notWord: func(k *yaml.Node) string { return unknownProjectField(k.Value) },
	twice: func(key string, first int) string {
		return fmt.Sprintf("%s is given twice in this project (first on line %d)", key, first)
	},
	unknown: unknownProjectField,
}

func unknownProjectField(key string) string {
	return fmt.Sprintf("unknown field %q; a project may have %s", key, fieldNames(projectFields{}))
}

// projectEntry is a project from the projects file and the line of its name.
type projectEntry struct {
	Project  projects.Upsert
	nameLine int
}

// ParseProjects reads the projects file as the original Blog writes it: a
// YAML mapping whose one key, projects:, holds the list of entries with
// name, url, description and tags. The entries are checked in order; of
// an entry's problems the one on its earliest line is reported, and what
// takes the whole entry (a name, a url, a name used before) after those.
func ParseProjects(name string, src []byte) ([]projectEntry, error) {
	items, err := projectItems(name, src)
	if items == nil || err != nil {
		return nil, err
	}
	for _, item := range items {
		var found firstProblem
		if item.Kind == yaml.MappingNode {
			if _, merge := checkKeys(item, projectKeys, &found); merge {
				return nil, found.err(name) // not to be decoded
			}
		}
	}
	var file projectsFile
	problems := decodeFields(src, &file, projectKeys, 1)
	var out []projectEntry
	seen := map[string]int{}
	for i, item := range items {
		end := math.MaxInt // the line of the next entry
		if i+1 < len(items) {
			end = items[i+1].Line
		}
		// What the checks of shape find yaml.v3 finds too, in words of its
		// own, on the same line: noted first, the file's words are kept.
		var found firstProblem
		decoded := item.Kind == yaml.MappingNode
		if decoded {
			repeated, _ := checkKeys(item, projectKeys, &found)
			decoded = !repeated
		} else {
			found.note(item.Line, "each project must be fields such as name: and url:, not a %s", kindName(item))
		}
		for len(problems) > 0 && problems[0].line < end {
			found.note(problems[0].line, "%s", problems[0].msg)
			problems = problems[1:]
		}
		// yaml.v3 leaves out of the list an entry it does not decode, and
		// every entry before this one was decoded: this one is in its place.
		if decoded && i >= len(file.Projects) {
			found.note(item.Line, "this project could not be read as fields such as name: and url:")
		}
		if decoded && i < len(file.Projects) {
			e := projectEntry{Project: projects.Upsert{Position: i, Tags: []string{}}, nameLine: item.Line}
			e.check(&file.Projects[i], &found)
			out = append(out, e)
		}
		if err := found.err(name); err != nil {
			return nil, err
		}
		if err := out[i].complete(name, item.Line, seen); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// projectItems checks the shape of the projects file and returns its
// entries' nodes; none for a file with no entries.
func projectItems(name string, src []byte) ([]*yaml.Node, error) {
	fail := func(line int, format string, args ...any) ([]*yaml.Node, error) {
		return nil, &FileError{name, line, fmt.Sprintf(format, args...)}
	}
	top, p := readTree(src, 1)
	switch {
	case p != nil:
		return fail(p.line, "%s", p.msg)
	case top == nil:
		return nil, nil
	case top.Kind != yaml.MappingNode:
		return fail(top.Line, "the projects file must start with projects: and list the entries under it, each starting with - name: …")
	}
	var list *yaml.Node
	for i := 0; i+1 < len(top.Content); i += 2 {
		k := top.Content[i]
		if k.Value != "projects" {
			return fail(k.Line, "unknown field %q; the projects file has one field, projects:", k.Value)
		}
		if list != nil {
			return fail(k.Line, "projects is given twice (first on line %d)", top.Content[i-2].Line)
		}
		list = top.Content[i+1]
	}
	if list == nil || list.Tag == "!!null" {
		return nil, nil
	}
	if list.Kind != yaml.SequenceNode {
		return fail(list.Line, "projects: must be a list of entries, each starting with - name: …")
	}
	return list.Content, nil
}

// check checks each field the entry has and sets it on e, noting what is
// wrong in found.
func (e *projectEntry) check(f *projectFields, found *firstProblem) {
	p := &e.Project
	if n := &f.Name; n.Kind != 0 {
		s, err := scalar(n)
		s = strings.TrimSpace(s)
		if c := utf8.RuneCountInString(s); err != nil || s == "" {
			found.note(n.Line, "name must be a line of text")
		} else if c > projects.MaxName {
			found.note(n.Line, "name is %d characters long; at most %d fit", c, projects.MaxName)
		} else {
			p.Name, e.nameLine = s, n.Line
		}
	}
	if n := &f.URL; n.Kind != 0 {
		s, err := scalar(n)
		if err == nil {
			err = projects.CheckURL(strings.TrimSpace(s))
		}
		if err != nil {
			found.note(n.Line, "url %q must be an absolute http or https address", n.Value)
		} else {
			p.URL = strings.TrimSpace(s)
		}
	}
	if n := &f.Description; n.Kind != 0 {
		s, err := scalar(n)
		if err != nil {
			found.note(n.Line, "description must be text")
		} else {
			p.Description = strings.Join(strings.Fields(s), " ")
		}
	}
	if n := &f.Tags; n.Kind != 0 {
		list, err := stringList(n)
		if err != nil {
			found.note(n.Line, "tags must be a list of labels, such as [go, sqlite]")
		} else if tagged, bad := tagList(n, list); bad != nil {
			found.note(bad.line, "%s", bad.msg)
		} else {
			p.Tags = tagged
		}
	}
}

// complete checks what the entry, which begins on line, needs whatever its
// fields, and that no entry before it has its name (seen, by lower-case
// name, holds their lines), and hashes it.
func (e *projectEntry) complete(name string, line int, seen map[string]int) error {
	p := &e.Project
	switch prev, dup := seen[strings.ToLower(p.Name)]; {
	case p.Name == "":
		return &FileError{name, line, "this project has no name"}
	case p.URL == "":
		return &FileError{name, line, fmt.Sprintf("project %q has no url", p.Name)}
	case dup:
		return &FileError{name, e.nameLine, fmt.Sprintf("project %q is listed twice (first on line %d)", p.Name, prev)}
	}
	seen[strings.ToLower(p.Name)] = e.nameLine
	p.Hash = p.ComputeHash()
	return nil
}
