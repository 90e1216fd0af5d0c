package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on what a query may ask of the index.
const (
	MaxInput = 256 // bytes of input looked at
	MaxTerms = 12  // words and phrases
	MaxTerm  = 64  // characters in one word
	maxDepth = 8   // nested parentheses; deeper ones are read as spaces
)

// Query is a reader's input made safe for FTS5.
type Query struct {
	Terms []string // the words and phrases searched for, for showing
	Match string   // the FTS5 query; "" when there is nothing to look for
}

// ParseQuery reads the search syntax of the original Blog: words (all of
// them required), AND, OR and NOT in capitals, && and || and ! for them,
// parentheses, "quoted phrases" and word* for every word beginning so.
// A word after NOT or ! is left out of what the rest finds: "a !b" finds
// what has a but not b. NOT binds tightest, then AND, then OR.
//
// Every input is safe. What FTS5 would reject falls back to plain words:
// an operator with nothing on one side is dropped, a NOT with nothing to
// take away from keeps its words, unbalanced parentheses are closed or
// ignored, and anything that is not a word, an operator or a parenthesis
// (FTS5's NEAR, ^, column filters, stray quotes) is only a space. Every
// word reaches FTS5 as a quoted string.
func ParseQuery(input string) Query {
	if len(input) > MaxInput {
		input = input[:MaxInput]
		for !utf8.ValidString(input) && len(input) > 0 {
			input = input[:len(input)-1]
		}
	}
	p := &parser{toks: tokenize(input)}
	tree := p.or(0)
	var q Query
	if tree != nil {
		q.Match = tree.fts()
	}
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
	tWord tokKind = iota
	tPhrase
	tAnd
	tOr
	tNot
	tOpen
	tClose
)

type token struct {
	kind   tokKind
	words  []string // of a word (one) or a phrase
	prefix bool     // word* or "phrase"*
}

// tokenize splits input into words, phrases, operators and parentheses.
func tokenize(s string) []token {
	var toks []token
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '"':
			end := strings.IndexByte(s[i+1:], '"')
			body := s[i+1:]
			next := len(s)
			if end >= 0 {
				body = s[i+1 : i+1+end]
				next = i + 1 + end + 1
			}
			t := token{kind: tPhrase, words: words(body)}
			if next < len(s) && s[next] == '*' {
				t.prefix = true
				next++
			}
			if len(t.words) == 1 {
				t.kind = tWord
			}
			if len(t.words) > 0 {
				toks = append(toks, t)
			}
			i = next
			continue
		case r == '(':
			toks = append(toks, token{kind: tOpen})
		case r == ')':
			toks = append(toks, token{kind: tClose})
		case r == '!':
			toks = append(toks, token{kind: tNot})
		case r == '&':
			for i+size < len(s) && s[i+size] == '&' {
				size++
			}
			toks = append(toks, token{kind: tAnd})
		case r == '|':
			for i+size < len(s) && s[i+size] == '|' {
				size++
			}
			toks = append(toks, token{kind: tOr})
		case isWordRune(r):
			j := i
			for j < len(s) {
				r2, n := utf8.DecodeRuneInString(s[j:])
				if !isWordRune(r2) {
					break
				}
				j += n
			}
			w := s[i:j]
			t := token{kind: tWord, words: []string{clip(w)}}
			switch w {
			case "AND":
				t = token{kind: tAnd}
			case "OR":
				t = token{kind: tOr}
			case "NOT":
				t = token{kind: tNot}
			}
			if t.kind == tWord && j < len(s) && s[j] == '*' {
				t.prefix = true
				j++
			}
			toks = append(toks, t)
			i = j
			continue
		}
		i += size
	}
	return toks
}

// words returns the words of a phrase.
func words(s string) []string {
	ws := strings.FieldsFunc(s, func(r rune) bool { return !isWordRune(r) })
	for i, w := range ws {
		ws[i] = clip(w)
	}
	return ws
}

func clip(w string) string {
	if utf8.RuneCountInString(w) > MaxTerm {
		return string([]rune(w)[:MaxTerm])
	}
	return w
}

func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsNumber(r) || unicode.IsMark(r))
}

// node is a part of a parsed query.
type node struct {
	words  []string // a word or a phrase, when a leaf
	prefix bool
	or     []*node // alternatives
	and    []*node // all required
	not    []*node // none allowed, with and
}

// fts writes n in FTS5's query syntax, every word quoted.
func (n *node) fts() string {
	switch {
	case n.words != nil:
		s := `"` + strings.ReplaceAll(strings.Join(n.words, " "), `"`, `""`) + `"`
		if n.prefix {
			s += "*"
		}
		return s
	case n.or != nil:
		return join(n.or, " OR ")
	}
	if len(n.not) == 0 {
		return join(n.and, " AND ")
	}
	return paren(n.and, " AND ") + " NOT " + paren(n.not, " OR ")
}

func join(list []*node, op string) string {
	if len(list) == 1 {
		return list[0].fts()
	}
	parts := make([]string, len(list))
	for i, n := range list {
		parts[i] = n.fts()
	}
	return "(" + strings.Join(parts, op) + ")"
}

// paren is join, in parentheses however many parts there are.
func paren(list []*node, op string) string {
	if len(list) == 1 {
		return "(" + list[0].fts() + ")"
	}
	return join(list, op)
}

type parser struct {
	toks  []token
	pos   int
	terms []string
}

func (p *parser) peek() (token, bool) {
	if p.pos >= len(p.toks) || len(p.terms) >= MaxTerms {
		return token{}, false
	}
	return p.toks[p.pos], true
}

// or reads alternatives up to the end or a closing parenthesis.
func (p *parser) or(depth int) *node {
	var alts []*node
	for {
		if g := p.and(depth); g != nil {
			alts = append(alts, g)
		}
		t, ok := p.peek()
		if !ok || t.kind != tOr {
			break
		}
		p.pos++
	}
	switch len(alts) {
	case 0:
		return nil
	case 1:
		return alts[0]
	}
	return &node{or: alts}
}

// and reads what must all match, and what NOT or ! takes away from it.
func (p *parser) and(depth int) *node {
	var pos, neg []*node
	negate := false
loop:
	for {
		t, ok := p.peek()
		if !ok {
			break
		}
		var item *node
		switch t.kind {
		case tOr:
			break loop
		case tClose:
			if depth > 0 {
				break loop
			}
			p.pos++ // a stray ) is a space
			continue
		case tAnd:
			p.pos++
			continue
		case tNot:
			p.pos++
			negate = true
			continue
		case tOpen:
			p.pos++
			if depth >= maxDepth {
				continue
			}
			item = p.or(depth + 1)
			if t, ok := p.peek(); ok && t.kind == tClose {
				p.pos++
			}
		default:
			p.pos++
			item = &node{words: t.words, prefix: t.prefix}
			p.terms = append(p.terms, strings.Join(t.words, " "))
		}
		if item == nil {
			negate = false
			continue
		}
		if negate {
			neg = append(neg, item)
		} else {
			pos = append(pos, item)
		}
		negate = false
	}
	if len(pos) == 0 {
		// Nothing to take the NOT part away from: search for its words.
		pos, neg = neg, nil
	}
	if len(pos) == 0 {
		return nil
	}
	if len(pos) == 1 && len(neg) == 0 {
		return pos[0]
	}
	return &node{and: pos, not: neg}
}
