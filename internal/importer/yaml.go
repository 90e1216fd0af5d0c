package importer

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The content's YAML (a post's front matter, the projects file) is read in
// two passes. The first reads the text as a tree of nodes and checks its
// shape: that it is YAML at all, that it holds fields where the format
// wants fields, and that every key is a plain word given once, in the
// file's words (yaml.v3 says some of it too, in its own). The second decodes the text into a struct of the fields the format has,
// with yaml.v3 refusing any other key (KnownFields). The struct keeps each
// field's YAML node: its line is what a message about the field names, and
// its tag says what YAML made of it, since the original Blog is stricter
// than a decode into Go values would be (is_draft: yes is no bool to it).
// A field left out is the zero Node; a field written empty, a !!null one.

// problem is something wrong with a content file, at a line of it.
type problem struct {
	line int
	msg  string
}

// firstProblem keeps, of the problems found in a file, the one on the
// earliest line, or of two on one line the one noted first: the one a
// reader meets first, whichever check found it.
type firstProblem struct{ p *problem }

func (f *firstProblem) note(line int, format string, args ...any) {
	if f.p == nil || line < f.p.line {
		f.p = &problem{line, fmt.Sprintf(format, args...)}
	}
}

// err returns the problem kept as a FileError about file, or nil.
func (f *firstProblem) err(file string) error {
	if f.p == nil {
		return nil
	}
	return &FileError{file, f.p.line, f.p.msg}
}

// readTree parses src and returns its root node, nil when src holds no
// YAML at all. A syntax error comes back as a problem; one that names no
// line is put on firstLine, where the YAML begins.
func readTree(src []byte, firstLine int) (*yaml.Node, *problem) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		line, msg := yamlErrorLine(err, firstLine)
		return nil, &problem{line, msg}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

var yamlLine = regexp.MustCompile(`(?s)^yaml: line (\d+): (.*)$`)

// parserProblems are the messages of yaml.v3's parser, as opposed to its
// scanner. The parser counts the line it names from 0, the scanner from 1
// (yaml.v3 decode.go, parser.fail), so a parser's line is one early.
var parserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// yamlErrorLine splits a YAML error into its line, counted from 1, and
// its message. An error that names no line is put on firstLine.
func yamlErrorLine(err error, firstLine int) (int, string) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		if parserProblems[m[2]] {
			n++
		}
		return n, m[2]
	}
	return firstLine, strings.TrimPrefix(msg, "yaml: ")
}

// keyWords says, in a file's own words, what is wrong with a key.
type keyWords struct {
	notWord func(key *yaml.Node) string        // a key that is not a plain word
	twice   func(key string, first int) string // a key given again
	unknown func(key string) string            // a key the format does not have
}

// checkKeys notes a problem for each key of the mapping m that is not a
// plain word or that was given before in m. It reports what changes how
// yaml.v3 decodes m: a repeated key, for which it decodes none of m's
// fields, and a merge key (<<), which the original Blog does not read and
// on which yaml.v3 can crash (a merge beside a key that is a list panics
// in decode.go, merge): a mapping with one must not be decoded.
func checkKeys(m *yaml.Node, words keyWords, found *firstProblem) (repeated, merge bool) {
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		switch first, dup := seen[k.Value]; {
		case k.Kind != yaml.ScalarNode:
			found.note(k.Line, "%s", words.notWord(k))
		case k.Tag == "!!null":
			// yaml.v3 skips a key that reads as nothing (~, null).
			found.note(k.Line, "%s", words.unknown(k.Value))
		case k.Tag == "!!merge":
			found.note(k.Line, "%s", words.unknown(k.Value))
			merge = true
		case dup:
			found.note(k.Line, "%s", words.twice(k.Value, first))
			repeated = true
		default:
			seen[k.Value] = k.Line
		}
	}
	return repeated, merge
}

var unknownField = regexp.MustCompile(`(?s)^line (\d+): field (.*) not found in type \S+$`)

// decodeFields decodes src into v, a pointer to a struct of yaml.Node
// fields, and returns, by line, a problem for every key v lacks and for
// anything else yaml.v3 reports (which checkKeys and the checks of shape
// have found before, in the file's words).
func decodeFields(src []byte, v any, words keyWords, firstLine int) []problem {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		line, msg := yamlErrorLine(err, firstLine)
		return []problem{{line, msg}}
	}
	var list []problem
	for _, e := range te.Errors {
		if m := unknownField.FindStringSubmatch(e); m != nil {
			n, _ := strconv.Atoi(m[1])
			list = append(list, problem{n, words.unknown(m[2])})
		} else {
			n, msg := yamlErrorLine(errors.New("yaml: "+e), firstLine)
			list = append(list, problem{n, msg})
		}
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].line < list[j].line })
	return list
}

// fieldNames lists the YAML names of the fields of the struct v, in order:
// the fields a file may have, for messages.
func fieldNames(v any) string {
	t := reflect.TypeOf(v)
	names := make([]string, t.NumField())
	for i := range names {
		names[i], _, _ = strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
	}
	return strings.Join(names, ", ")
}

// scalar returns the text of a single value, or an error for a list, a
// set of fields or an empty value.
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

// lineOfItem is the line of the ith item of the list n, or of n itself
// when it is no list.
func lineOfItem(n *yaml.Node, i int) int {
	if n.Kind == yaml.SequenceNode {
		return n.Content[i].Line
	}
	return n.Line
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
