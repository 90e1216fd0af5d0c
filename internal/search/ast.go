package search

import (
	"slices"
	"strconv"
	"strings"
)

type nodeKind int

const (
	kPhrase nodeKind = iota // words in a row
	kNear                   // phrases near each other
	kColumn                 // a filter on columns of its one kid
	kAnd                    // all kids
	kOr                     // any kid
	kNot                    // the first kid but not the second
	kExcept                 // everything but its one kid
)

// node is a part of a parsed query.
type node struct {
	kind    nodeKind
	words   []string // of a phrase
	prefix  bool     // phrase*
	initial bool     // ^phrase
	dist    int      // of a NEAR group, -1 for FTS5's default
	cols    []string // of a column filter, as the reader named them
	negCols bool     // -col: every column but these
	kids    []*node
}

// fts writes n in FTS5's syntax, every word quoted, columns named as cols
// names them.
func (n *node) fts(cols Columns) string {
	switch n.kind {
	case kPhrase:
		s := `"` + strings.ReplaceAll(strings.Join(n.words, " "), `"`, `""`) + `"`
		if n.initial {
			s = "^ " + s
		}
		if n.prefix {
			s += " *"
		}
		return s
	case kNear:
		parts := make([]string, len(n.kids))
		for i, k := range n.kids {
			parts[i] = k.fts(cols)
		}
		s := "NEAR(" + strings.Join(parts, " ")
		if n.dist >= 0 {
			s += ", " + strconv.Itoa(n.dist)
		}
		return s + ")"
	case kColumn:
		var names []string
		for _, c := range n.cols {
			if name := cols[c]; !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
		s := "{" + strings.Join(names, " ") + "} : (" + n.kids[0].fts(cols) + ")"
		if n.negCols {
			s = "- " + s
		}
		return s
	}
	op := map[nodeKind]string{kAnd: " AND ", kOr: " OR ", kNot: " NOT "}[n.kind]
	parts := make([]string, len(n.kids))
	for i, k := range n.kids {
		parts[i] = k.fts(cols)
	}
	return "(" + strings.Join(parts, op) + ")"
}
