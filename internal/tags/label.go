package tags

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/unicode/runenames"

	"blog"
)

// MaxLabel is the longest label allowed, in characters.
const MaxLabel = 64

// MaxMarks is how many nonspacing or enclosing marks one character may
// carry: UTS #39's bound.
const MaxMarks = 4

// freeform is PRECIS's FreeformClass, normalising to NFC.
var freeform = precis.NewFreeform(precis.Norm(norm.NFC))

// NormalizeLabel trims surrounding white space, checks the label's rules
// and returns it in NFC, the form it is stored in, so that "café" typed
// with a combining accent is the same label as with a precomposed é. A
// refusal is an invalid error on the field "label" that names the
// character at fault and why.
//
// A label is shown on pages, in lists and in links beside other labels,
// so it must look like what it is and like no other label. The rules are
// Unicode's and the IETF's own definitions, each for what it guards
// against:
//
//   - Which characters: PRECIS's FreeformClass (RFC 8264, safe free-form
//     text such as nicknames), which allows letters, marks, numbers,
//     punctuation, symbols and spaces of every script and disallows
//     controls, unassigned and private-use code points, default-ignorable
//     ones, old Hangul jamo, and the characters RFC 5892 allows only in
//     context (a middle dot only in Catalan "l·l", a katakana middle dot
//     only with Japanese). Its IdentifierClass would refuse spaces,
//     symbols and emoji ("c++", "🦀 rust").
//   - Nothing that renders as nothing: no Default_Ignorable_Code_Point at
//     all, not even the joiners PRECIS allows after a virama, and neither
//     of the two graphic characters whose glyph is blank, U+2800 BRAILLE
//     PATTERN BLANK and U+1D159 MUSICAL SYMBOL NULL NOTEHEAD. Every other
//     character known to show nothing (the Hangul fillers U+115F, U+1160,
//     U+3164 and U+FFA0, U+034F, U+180E, U+2060–U+206F, tag characters,
//     variation selectors) is default-ignorable or a format character. Two
//     white-space characters never follow each other, since a page shows
//     them as one.
//   - Marks: a label does not begin with a combining mark, which would sit
//     on whatever precedes the label on the page (so a label of marks
//     alone is refused too), and, as UTS #39 (section 5.4) advises for
//     identifiers, no character carries more than MaxMarks nonspacing or
//     enclosing marks, counted in NFD, nor the same mark twice in a row.
//     Vietnamese needs 2 on a letter, Tibetan stacks and pointed Hebrew 3
//     or 4; a taller tower draws over the lines around it.
//   - One script: UTS #39's "Highly Restrictive" level. Characters of the
//     scripts Common and Inherited (digits, punctuation, emoji, most
//     accents) go with any script; otherwise a label keeps to one script,
//     except that Han goes with Hiragana and Katakana, with Hangul or with
//     Bopomofo, and any of those with Latin, as Japanese, Korean and
//     Chinese are written ("Go言語", "日本語のタグ"). So "gо" with a
//     Cyrillic о cannot pass for Latin "go".
//
// Labels already stored are read as they are; only writes are checked.
func NormalizeLabel(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", blog.FieldErrorf("label", "Label must be valid UTF-8 text.")
	}
	s = norm.NFC.String(strings.TrimSpace(s))
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		return "", blog.FieldErrorf("label", "Label is required.")
	case n > MaxLabel:
		return "", blog.FieldErrorf("label", "Label must be at most %d characters (this one has %d).", MaxLabel, n)
	}
	for _, check := range []func(string) error{checkMarks, checkCharacters, checkPRECIS, checkSpaces, checkScripts} {
		if err := check(s); err != nil {
			return "", err
		}
	}
	return s, nil
}

// labelKey is what two labels are compared by: the same key, the same
// label. It is the compatibility form (NFKC), fully case-folded, so
// "Kelvin" with the Kelvin sign, "ſ" and "s", and a full-width "ｇｏ" and
// "go" are one label each, whichever was written first.
func labelKey(label string) string {
	return norm.NFKC.String(cases.Fold().String(norm.NFKC.String(label)))
}

// named writes r as U+XXXX and its Unicode name.
func named(r rune) string {
	if name := runenames.Name(r); name != "" {
		return fmt.Sprintf("U+%04X %s", r, name)
	}
	return fmt.Sprintf("U+%04X", r)
}

func refuse(format string, args ...any) error {
	return blog.FieldErrorf("label", format, args...)
}

// checkCharacters refuses the first character no label may hold, saying
// why.
func checkCharacters(s string) error {
	for _, r := range s {
		if why := refusal(r); why != "" {
			return refuse("Label must not contain %s: %s.", named(r), why)
		}
	}
	return nil
}

// refusal says why r may not be in a label, or "" when it may.
func refusal(r rune) string {
	switch {
	case unicode.Is(unicode.Cc, r):
		return "control characters are not text"
	case unicode.In(r, unicode.Zl, unicode.Zp):
		return "it is a line break"
	case defaultIgnorable(r):
		return "it renders as nothing (a format, filler, joiner or variation character)"
	case r == 0x2800 || r == 0x1D159:
		return "it renders as a blank"
	case unicode.Is(unicode.Co, r):
		return "it is a private-use character, which means nothing outside one font"
	case unicode.Is(unicode.Cn, r):
		return fmt.Sprintf("it is not a character of Unicode %s", unicode.Version)
	case !freeform.Allowed().Contains(r) && contexts[r] == "":
		return "PRECIS (RFC 8264) does not allow it in text"
	}
	return ""
}

// defaultIgnorable reports whether r renders as nothing unless a font
// gives it a meaning: the format characters and Unicode's
// Default_Ignorable_Code_Point, which Go's tables hold as its parts.
func defaultIgnorable(r rune) bool {
	return unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector)
}

// contexts are the characters RFC 5892 (appendix A) allows only beside
// certain others, and where; PRECIS checks them on the whole label.
var contexts = func() map[rune]string {
	m := map[rune]string{
		0x00B7: "only between two l's, as in Catalan l·l",
		0x0375: "only before a Greek letter",
		0x05F3: "only after a Hebrew letter",
		0x05F4: "only after a Hebrew letter",
		0x30FB: "only in a label with Hiragana, Katakana or Han",
	}
	for r := rune(0x0660); r <= 0x0669; r++ {
		m[r] = "only without Extended Arabic-Indic digits (U+06F0–U+06F9)"
		m[r+0x90] = "only without Arabic-Indic digits (U+0660–U+0669)"
	}
	return m
}()

// checkPRECIS runs PRECIS's enforcement on the whole label, which adds
// its contextual rules to the characters checkCharacters let through.
func checkPRECIS(s string) error {
	if _, err := freeform.String(s); err == nil {
		return nil
	}
	for _, r := range s {
		if where := contexts[r]; where != "" {
			return refuse("Label may hold %s %s.", named(r), where)
		}
	}
	return refuse("Label is not text PRECIS (RFC 8264) allows.")
}

// checkSpaces refuses two white-space characters in a row.
func checkSpaces(s string) error {
	prev := false
	for _, r := range s {
		space := unicode.IsSpace(r)
		if space && prev {
			return refuse("Label must not hold two spaces in a row: a page shows them as one.")
		}
		prev = space
	}
	return nil
}

// checkMarks refuses a leading combining mark, and a character carrying
// more than MaxMarks nonspacing marks or one mark twice. Marks are
// counted in NFD, where "ệ" is e and two marks.
func checkMarks(s string) error {
	if r, _ := utf8.DecodeRuneInString(s); unicode.Is(unicode.M, r) {
		return refuse("Label must not begin with %s: a combining mark needs a character before it to sit on.", named(r))
	}
	var stack []rune // the nonspacing marks on the current character
	for _, r := range norm.NFD.String(s) {
		if !unicode.In(r, unicode.Mn, unicode.Me) {
			stack = stack[:0]
			continue
		}
		if len(stack) > 0 && stack[len(stack)-1] == r {
			return refuse("Label must not put %s twice on one character: drawn twice in the same place it looks like once.", named(r))
		}
		if stack = append(stack, r); len(stack) > MaxMarks {
			return refuse("Label must not stack more than %d combining marks on one character (here %s is one too many).", MaxMarks, named(r))
		}
	}
	return nil
}

// scriptNames are the names of Go's script tables, sorted, for a stable
// lookup order.
var scriptNames = func() []string {
	names := make([]string, 0, len(unicode.Scripts))
	for name := range unicode.Scripts {
		if name != "Common" && name != "Inherited" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}()

// scriptOf returns r's script, "" for Common and Inherited, which go with
// any script.
func scriptOf(r rune) string {
	if unicode.In(r, unicode.Common, unicode.Inherited) {
		return ""
	}
	for _, name := range scriptNames {
		if unicode.Is(unicode.Scripts[name], r) {
			return name
		}
	}
	return ""
}

// scriptSets are the combinations of scripts UTS #39's Highly Restrictive
// level allows in one label beyond a single script.
var scriptSets = [][]string{
	{"Latin", "Han", "Hiragana", "Katakana"},
	{"Latin", "Han", "Hangul"},
	{"Latin", "Han", "Bopomofo"},
}

// mixable reports whether the scripts may share a label.
func mixable(scripts []string) bool {
	if len(scripts) <= 1 {
		return true
	}
	for _, set := range scriptSets {
		if !slices.ContainsFunc(scripts, func(s string) bool { return !slices.Contains(set, s) }) {
			return true
		}
	}
	return false
}

// checkScripts refuses a label that mixes scripts beyond scriptSets,
// naming the first character of a script too many.
func checkScripts(s string) error {
	var scripts []string
	for _, r := range s {
		script := scriptOf(r)
		if script == "" || slices.Contains(scripts, script) {
			continue
		}
		if !mixable(append(scripts, script)) {
			return refuse("Label must keep to one script, so that it cannot pass for another: %s is %s, the characters before it %s. "+
				"Only Japanese (Han, Hiragana, Katakana), Korean (Han, Hangul) and Chinese (Han, Bopomofo) mix scripts, each also with Latin.",
				named(r), script, strings.Join(scripts, " and "))
		}
		scripts = append(scripts, script)
	}
	return nil
}
