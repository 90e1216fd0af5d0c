package search

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
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

type tokKind int

const (
	tText   tokKind = iota // a word or a "quoted string"
	tOpen                  // (
	tClose                 // )
	tColon                 // :
	tLBrace                // {
	tRBrace                // }
	tStar                  // *
	tCaret                 // ^
	tComma                 // ,
	tMinus                 // - before a column filter
	tAnd                   // AND && &
	tOr                    // OR || |
	tNot                   // NOT !
)

type token struct {
	kind   tokKind
	text   string // what the reader wrote
	quoted bool   // a "quoted string", never an operator or a column
}

// syntax are the characters that are never part of a word.
const syntax = "\"():{}*^,!&|"

// tokenize splits input into words, strings and the characters of the
// syntax. A word runs up to white space or syntax; punctuation inside it
// ("read-your-writes", "v1.2") stays, and the tokenizer of the index reads
// the word as the phrase of its parts, as it would a quoted string.
func tokenize(s string) ([]token, string) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, " ")
	}
	var toks []token
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsSpace(r) || unicode.IsControl(r):
		case r == '"':
			var b strings.Builder
			j := i + 1
			for {
				k := strings.IndexByte(s[j:], '"')
				if k < 0 {
					return nil, "A quotation mark is never closed: end the phrase with another \"."
				}
				b.WriteString(s[j : j+k])
				j += k + 1
				if j < len(s) && s[j] == '"' { // "" is a quotation mark inside
					b.WriteByte('"')
					j++
					continue
				}
				break
			}
			toks = append(toks, token{kind: tText, text: b.String(), quoted: true})
			i = j
			continue
		case r == '(':
			toks = append(toks, token{kind: tOpen, text: "("})
		case r == ')':
			toks = append(toks, token{kind: tClose, text: ")"})
		case r == ':':
			toks = append(toks, token{kind: tColon, text: ":"})
		case r == '{':
			toks = append(toks, token{kind: tLBrace, text: "{"})
		case r == '}':
			toks = append(toks, token{kind: tRBrace, text: "}"})
		case r == '*':
			toks = append(toks, token{kind: tStar, text: "*"})
		case r == '^':
			toks = append(toks, token{kind: tCaret, text: "^"})
		case r == ',':
			toks = append(toks, token{kind: tComma, text: ","})
		case r == '!':
			toks = append(toks, token{kind: tNot, text: "!"})
		case r == '&' || r == '|':
			j := i
			for j < len(s) && s[j] == s[i] {
				j++
			}
			kind := tAnd
			if r == '|' {
				kind = tOr
			}
			toks = append(toks, token{kind: kind, text: s[i:j]})
			i = j
			continue
		case r == '-' && minusOfColumn(s[i+1:]):
			toks = append(toks, token{kind: tMinus, text: "-"})
		default:
			j := i
			for j < len(s) {
				r2, n := utf8.DecodeRuneInString(s[j:])
				if unicode.IsSpace(r2) || unicode.IsControl(r2) || strings.ContainsRune(syntax, r2) {
					break
				}
				j += n
			}
			w := s[i:j]
			t := token{kind: tText, text: w}
			switch w {
			case "AND":
				t.kind = tAnd
			case "OR":
				t.kind = tOr
			case "NOT":
				t.kind = tNot
			}
			toks = append(toks, t)
			i = j
			continue
		}
		i += size
	}
	return toks, ""
}

// minusOfColumn reports whether the text after a - is a column filter to
// negate: {…}: or name:.
func minusOfColumn(rest string) bool {
	if strings.HasPrefix(rest, "{") {
		return true
	}
	end := strings.IndexFunc(rest, func(r rune) bool { return !isWordRune(r) && r != '_' })
	if end <= 0 {
		return false
	}
	return strings.HasPrefix(strings.TrimLeft(rest[end:], " \t"), ":")
}

// words returns the words of a string as the index's tokenizer would cut
// them: runs of letters, digits and marks.
func words(s string) []string {
	ws := strings.FieldsFunc(s, func(r rune) bool { return !isWordRune(r) })
	for i, w := range ws {
		if utf8.RuneCountInString(w) > MaxTerm {
			ws[i] = string([]rune(w)[:MaxTerm])
		}
	}
	return ws
}

func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsNumber(r) || unicode.IsMark(r))
}

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

type parser struct {
	toks    []token
	pos     int
	terms   []string
	depth   int
	problem string
}

func (p *parser) peek() (token, bool) {
	if p.problem != "" || p.pos >= len(p.toks) {
		return token{}, false
	}
	return p.toks[p.pos], true
}

func (p *parser) fail(format string, args ...any) *node {
	if p.problem == "" {
		p.problem = fmt.Sprintf(format, args...)
	}
	return nil
}

// query reads the whole input. Only here may a NOT take away from
// everything.
func (p *parser) query() *node {
	n := p.or()
	if t, ok := p.peek(); ok {
		return p.fail("%s", unexpected(t))
	}
	if p.problem != "" {
		return nil
	}
	return n
}

// unexpected says what is wrong with a token found where it cannot be.
func unexpected(t token) string {
	switch t.kind {
	case tClose:
		return "A “)” closes no “(”."
	case tColon:
		return "A “:” must follow a column, as in title:replica; columns are " + columnNames + "."
	case tStar:
		return "A “*” must follow a word, as in replic* for every word that begins so."
	case tCaret:
		return "A “^” must come before a word, as in ^sqlite for a column that begins with it."
	case tComma:
		return "A “,” may only come in NEAR(a b, 5), before the distance."
	case tLBrace, tRBrace:
		return "Braces hold column names before a “:”, as in {title tags}:sqlite."
	case tAnd, tOr:
		return fmt.Sprintf("“%s” needs something to search for on both sides.", t.text)
	case tNot:
		return fmt.Sprintf("“%s” needs something to search for after it.", t.text)
	}
	return fmt.Sprintf("“%s” cannot be read here.", t.text)
}

// or reads alternatives.
func (p *parser) or() *node {
	var alts []*node
	for {
		a := p.and()
		if a == nil {
			return nil
		}
		alts = append(alts, a)
		t, ok := p.peek()
		if !ok || t.kind != tOr {
			break
		}
		p.pos++
		if next, ok := p.peek(); !ok || next.kind == tOr || next.kind == tAnd || next.kind == tClose {
			return p.fail("“%s” needs something to search for on both sides.", t.text)
		}
	}
	if len(alts) == 1 {
		return alts[0]
	}
	for _, a := range alts {
		if a.kind == kExcept {
			return p.fail("A NOT beside OR needs something to take away from, as in (a !b) OR c.")
		}
	}
	return &node{kind: kOr, kids: alts}
}

// and reads what must all match (AND, or nothing, between them), and what
// a NOT with nothing before it takes away from them.
func (p *parser) and() *node {
	var pos, neg []*node
	first := true
	for {
		t, ok := p.peek()
		if !ok || t.kind == tOr || t.kind == tClose {
			break
		}
		if t.kind == tAnd {
			if first {
				return p.fail("“%s” needs something to search for on both sides.", t.text)
			}
			p.pos++
			if t2, ok := p.peek(); !ok || t2.kind == tOr || t2.kind == tAnd || t2.kind == tClose {
				return p.fail("“%s” needs something to search for on both sides.", t.text)
			}
			continue
		}
		first = false
		if t.kind == tNot {
			// A NOT with nothing before it in this group: what follows is
			// taken away from the rest.
			p.pos++
			if next, ok := p.peek(); !ok || next.kind == tClose || next.kind == tOr || next.kind == tAnd || next.kind == tNot {
				return p.fail("“%s” needs something to search for after it.", t.text)
			}
			n := p.primary()
			if n == nil {
				return nil
			}
			if n.kind == kExcept { // !(!a): a, as double negation
				pos = append(pos, n.kids[0])
			} else {
				neg = append(neg, n)
			}
			continue
		}
		n := p.not()
		switch {
		case n == nil:
			return nil
		case n.kind == kExcept: // (!a): taken away from the rest
			neg = append(neg, n.kids[0])
		default:
			pos = append(pos, n)
		}
	}
	if p.problem != "" {
		return nil
	}
	switch {
	case len(pos) == 0 && len(neg) == 0:
		t, ok := p.peek()
		switch {
		case !ok && p.depth > 0:
			return p.fail("A “(” is never closed by a “)”.")
		case !ok:
			return p.fail("There is nothing to search for.")
		case t.kind == tClose && p.depth > 0:
			return p.fail("Parentheses must hold something to search for.")
		}
		return p.fail("%s", unexpected(t))
	case len(pos) == 0:
		return &node{kind: kExcept, kids: []*node{group(kOr, neg)}}
	case len(neg) == 0:
		return group(kAnd, pos)
	}
	return &node{kind: kNot, kids: []*node{group(kAnd, pos), group(kOr, neg)}}
}

// group is the one node of list, or a node of kind holding them all.
func group(kind nodeKind, list []*node) *node {
	if len(list) == 1 {
		return list[0]
	}
	return &node{kind: kind, kids: list}
}

// not reads an operand and the NOTs after it: a NOT b NOT c.
func (p *parser) not() *node {
	n := p.primary()
	for n != nil {
		t, ok := p.peek()
		if !ok || t.kind != tNot {
			break
		}
		p.pos++
		m := p.primary()
		if m == nil {
			return p.fail("“%s” needs something to search for after it.", t.text)
		}
		switch {
		case m.kind == kExcept:
			return p.fail("“%s” cannot be followed by another NOT.", t.text)
		case n.kind == kExcept: // (!a) NOT b: neither a nor b
			n = &node{kind: kExcept, kids: []*node{{kind: kOr, kids: []*node{n.kids[0], m}}}}
		default:
			n = &node{kind: kNot, kids: []*node{n, m}}
		}
	}
	return n
}

// primary reads a phrase, a parenthesised query, a column filter or a
// NEAR group.
func (p *parser) primary() *node {
	t, ok := p.peek()
	if !ok {
		return nil
	}
	switch t.kind {
	case tOpen:
		p.pos++
		if !p.deeper() {
			return nil
		}
		n := p.or()
		p.depth--
		if n == nil {
			return nil
		}
		if t, ok := p.peek(); !ok || t.kind != tClose {
			if p.problem == "" {
				return p.fail("A “(” is never closed by a “)”.")
			}
			return nil
		}
		p.pos++
		return n
	case tMinus, tLBrace:
		return p.column()
	case tCaret:
		return p.phrase()
	case tText:
		if !t.quoted && p.pos+1 < len(p.toks) {
			next := p.toks[p.pos+1]
			if next.kind == tColon {
				return p.column()
			}
			if t.text == "NEAR" && next.kind == tOpen {
				return p.near()
			}
		}
		return p.phrase()
	}
	return p.fail("%s", unexpected(t))
}

func (p *parser) deeper() bool {
	p.depth++
	if p.depth > maxDepth {
		p.fail("A search may nest parentheses and columns at most %d deep.", maxDepth)
		return false
	}
	return true
}

// column reads a column filter: [-] name or {names}, a colon, and the
// phrase, parenthesised query or NEAR group it applies to.
func (p *parser) column() *node {
	n := &node{kind: kColumn}
	if t, _ := p.peek(); t.kind == tMinus {
		n.negCols = true
		p.pos++
	}
	t, ok := p.peek()
	switch {
	case ok && t.kind == tLBrace:
		p.pos++
		for {
			t, ok := p.peek()
			if !ok {
				return p.fail("A “{” is never closed by a “}”.")
			}
			p.pos++
			if t.kind == tRBrace {
				break
			}
			if t.kind != tText || t.quoted {
				return p.fail("Braces hold column names only, as in {title tags}:sqlite.")
			}
			n.cols = append(n.cols, t.text)
		}
		if len(n.cols) == 0 {
			return p.fail("Braces must name at least one column, as in {title tags}:sqlite.")
		}
	case ok && t.kind == tText && !t.quoted:
		p.pos++
		n.cols = []string{t.text}
	default:
		return p.fail("A “-” before a column filter must be followed by a column, as in -body:draft.")
	}
	for _, c := range n.cols {
		if _, known := PostColumns[strings.ToLower(c)]; !known {
			return p.fail("There is no column “%s” to search; the columns are %s.", c, columnNames)
		}
	}
	for i, c := range n.cols {
		n.cols[i] = strings.ToLower(c)
	}
	if t, ok := p.peek(); !ok || t.kind != tColon {
		return p.fail("Column names in braces must be followed by a “:”, as in {title tags}:sqlite.")
	}
	p.pos++
	if !p.deeper() {
		return nil
	}
	defer func() { p.depth-- }()
	t, ok = p.peek()
	if !ok || t.kind == tOr || t.kind == tAnd || t.kind == tNot || t.kind == tClose {
		return p.fail("%s: needs something to search for after it, as in %s:sqlite.", strings.Join(n.cols, " "), n.cols[0])
	}
	kid := p.primary()
	if kid == nil {
		return nil
	}
	if kid.kind == kExcept {
		return p.fail("A column filter cannot hold only a NOT.")
	}
	n.kids = []*node{kid}
	return n
}

// near reads NEAR(phrase phrase… [, distance]).
func (p *parser) near() *node {
	p.pos += 2 // NEAR (
	n := &node{kind: kNear, dist: -1}
	for {
		t, ok := p.peek()
		if !ok {
			return p.fail("NEAR( is never closed by a “)”.")
		}
		if t.kind == tClose || t.kind == tComma {
			break
		}
		if t.kind != tText && t.kind != tCaret {
			return p.fail("NEAR(…) holds only words and phrases, then a distance: NEAR(write primary, 5).")
		}
		ph := p.phrase()
		if ph == nil {
			return nil
		}
		if ph.initial {
			return p.fail("A “^” cannot be used inside NEAR(…).")
		}
		n.kids = append(n.kids, ph)
	}
	if len(n.kids) == 0 {
		return p.fail("NEAR(…) needs the words that should be near each other: NEAR(write primary, 5).")
	}
	if t, _ := p.peek(); t.kind == tComma {
		p.pos++
		t, ok := p.peek()
		d, err := strconv.Atoi(t.text)
		if !ok || t.kind != tText || t.quoted || err != nil || d < 0 || d > maxNear {
			return p.fail("The distance in NEAR(…, N) must be a whole number from 0 to %d.", maxNear)
		}
		n.dist = d
		p.pos++
	}
	if t, ok := p.peek(); !ok || t.kind != tClose {
		return p.fail("NEAR( is never closed by a “)”.")
	}
	p.pos++
	return n
}

// phrase reads [^] word-or-string [*]. A word of punctuation alone (a
// dash) is no phrase: it is skipped, as the index skips it.
func (p *parser) phrase() *node {
	n := &node{kind: kPhrase}
	if t, _ := p.peek(); t.kind == tCaret {
		n.initial = true
		p.pos++
	}
	t, ok := p.peek()
	if !ok || t.kind != tText {
		return p.fail("A “^” must come before a word, as in ^sqlite for a column that begins with it.")
	}
	p.pos++
	n.words = words(t.text)
	if t, ok := p.peek(); ok && t.kind == tStar {
		n.prefix = true
		p.pos++
	}
	if len(n.words) == 0 {
		if t.quoted {
			return p.fail("A quoted phrase must hold a word.")
		}
		// Punctuation alone: read the next operand instead, if any.
		if t, ok := p.peek(); ok && (t.kind == tText || t.kind == tOpen || t.kind == tCaret || t.kind == tMinus || t.kind == tLBrace) {
			return p.primary()
		}
		return p.fail("“%s” has no letters or digits to search for.", t.text)
	}
	if len(p.terms) == MaxTerms {
		return p.fail("A search may have at most %d words and phrases.", MaxTerms)
	}
	p.terms = append(p.terms, strings.Join(n.words, " "))
	return n
}
