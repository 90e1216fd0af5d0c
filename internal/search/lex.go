package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

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

// singles are the tokens of one character of the syntax.
var singles = map[rune]tokKind{
	'(': tOpen, ')': tClose, ':': tColon, '{': tLBrace, '}': tRBrace,
	'*': tStar, '^': tCaret, ',': tComma, '!': tNot,
}

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
		var t token
		next := i + size
		switch kind, single := singles[r]; {
		case unicode.IsSpace(r) || unicode.IsControl(r):
			i = next
			continue
		case r == '"':
			var problem string
			if t, next, problem = quoted(s, i); problem != "" {
				return nil, problem
			}
		case single:
			t = token{kind: kind, text: string(r)}
		case r == '&' || r == '|':
			t, next = doubled(s, i)
		case r == '-' && minusOfColumn(s[next:]):
			t = token{kind: tMinus, text: "-"}
		default:
			t, next = word(s, i)
		}
		toks = append(toks, t)
		i = next
	}
	return toks, ""
}

// quoted reads the "quoted string" that starts at s[i], where "" stands
// for a quotation mark inside it, and returns it and where it ends.
func quoted(s string, i int) (token, int, string) {
	var b strings.Builder
	j := i + 1
	for {
		k := strings.IndexByte(s[j:], '"')
		if k < 0 {
			return token{}, 0, "A quotation mark is never closed: end the phrase with another \"."
		}
		b.WriteString(s[j : j+k])
		j += k + 1
		if j < len(s) && s[j] == '"' {
			b.WriteByte('"')
			j++
			continue
		}
		return token{kind: tText, text: b.String(), quoted: true}, j, ""
	}
}

// doubled reads a run of & or | at s[i], as the original Blog writes AND
// and OR (&& and ||), one or more.
func doubled(s string, i int) (token, int) {
	j := i
	for j < len(s) && s[j] == s[i] {
		j++
	}
	kind := tAnd
	if s[i] == '|' {
		kind = tOr
	}
	return token{kind: kind, text: s[i:j]}, j
}

// word reads the word at s[i], up to white space or syntax: an operator
// when it is AND, OR or NOT written in capitals.
func word(s string, i int) (token, int) {
	j := i
	for j < len(s) {
		r, n := utf8.DecodeRuneInString(s[j:])
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(syntax, r) {
			break
		}
		j += n
	}
	t := token{kind: tText, text: s[i:j]}
	switch t.text {
	case "AND":
		t.kind = tAnd
	case "OR":
		t.kind = tOr
	case "NOT":
		t.kind = tNot
	}
	return t, j
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
