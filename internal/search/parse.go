package search

import (
	"fmt"
	"strconv"
	"strings"
)

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
