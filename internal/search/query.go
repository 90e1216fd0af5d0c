package search

import (
	"fmt"
	"strings"
)

// Limits on what a query may ask of the index.
const (
	MaxInput = 256 // bytes of input
	MaxTerms = 12  // words and phrases
	MaxTerm  = 64  // characters in one word
	maxDepth = 8   // nested parentheses and column filters
	maxNear  = 100 // the largest distance a NEAR group may ask for
)

// Query is a reader's input read as a search: the words to show, and the
// FTS5 query to run on a table (For), rebuilt with every word quoted so
// that nothing the reader types reaches FTS5 as syntax of its own.
type Query struct {
	Terms []string // the words and phrases searched for, for showing
	// Problem says, in words for the reader, why the input cannot be read
	// as a search; then nothing is searched. "" when it can be read.
	Problem string
	root    *node
}

// Empty reports whether there is nothing to search for: no input, or
// input that could not be read.
func (q Query) Empty() bool { return q.root == nil }

// Columns maps the column names a reader may write before a colon to a
// table's FTS5 columns: the original Blog's names and this blog's, so a
// filter written for either works.
type Columns map[string]string

// PostColumns are posts_fts's columns.
var PostColumns = Columns{
	"title": "title", "name": "title",
	"description": "description", "excerpt": "description",
	"body": "body", "raw_body": "body", "content": "body",
	"tags": "tags", "tag": "tags",
}

// ProjectColumns are projects_fts's columns. A project's description is
// its body and its name its title, so one filter reads the same over
// posts and projects (/search runs one query on both).
var ProjectColumns = Columns{
	"name": "name", "title": "name",
	"description": "description", "excerpt": "description",
	"body": "description", "raw_body": "description", "content": "description",
	"tags": "tags", "tag": "tags",
}

// columnNames are the names the problem of an unknown column lists.
const columnNames = "title, description, body and tags"

// For returns the FTS5 query that finds what q asks for in the table whose
// columns are cols. without is set instead of match when q only takes
// away ("!draft"): the rows it matches are the ones left out.
func (q Query) For(cols Columns) (match, without string) {
	switch {
	case q.root == nil:
		return "", ""
	case q.root.kind == kExcept:
		return "", q.root.kids[0].fts(cols)
	}
	return q.root.fts(cols), ""
}

// ParseQuery reads a search as FTS5 reads it, with the original Blog's
// shorthands: words (all of them required), "quoted phrases", word* for
// every word beginning so, ^word for a word that opens a column, AND, OR
// and NOT in capitals or &&, || and !, parentheses, column filters
// (title:word, {title tags}:word, -body:word, title:(a OR b)) and
// NEAR(a b, 5). NOT binds tightest, then AND, then OR. A NOT with nothing
// before it ("!draft", "a OR !b" excepted) takes its words away from
// everything.
//
// Input that cannot be read (an unclosed quote or parenthesis, an
// operator with nothing on one side, an unknown column) is not guessed at:
// Problem says what is wrong and nothing is searched.
func ParseQuery(input string) Query {
	if len(input) > MaxInput {
		return Query{Problem: fmt.Sprintf("A search may be at most %d characters long.", MaxInput)}
	}
	toks, problem := tokenize(input)
	if problem != "" {
		return Query{Problem: problem}
	}
	if len(toks) == 0 {
		return Query{} // blank: no search, and nothing wrong
	}
	p := &parser{toks: toks}
	root := p.query()
	if p.problem != "" {
		return Query{Problem: p.problem}
	}
	q := Query{root: root}
	seen := map[string]bool{}
	for _, t := range p.terms {
		if k := strings.ToLower(t); !seen[k] {
			seen[k] = true
			q.Terms = append(q.Terms, t)
		}
	}
	return q
}
