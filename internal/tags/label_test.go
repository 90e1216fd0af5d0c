package tags_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"blog"
	"blog/internal/repo"
	"blog/internal/sqlite/sqlitetest"
	"blog/internal/tags"
)

// marks returns n different combining marks from U+0300 on.
func marks(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteRune(rune(0x0300 + i))
	}
	return b.String()
}

func asError(err error, e **blog.Error) bool { return errors.As(err, e) }

func nfc(s string) string { return norm.NFC.String(s) }

// Labels that render as nothing or as another label are refused, each
// with a message that names the character and the reason.
func TestLabelsThatHideOrImitateAreRefused(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		says     []string // what the message must hold
	}{
		{"Hangul filler", "\u3164", []string{"U+3164 HANGUL FILLER", "renders as nothing"}},
		{"go and a Hangul filler", "go\u3164", []string{"U+3164", "renders as nothing"}},
		{"half-width Hangul filler", "\uFFA0go", []string{"U+FFA0", "renders as nothing"}},
		{"Hangul choseong and jungseong fillers", "\u115F\u1160", []string{"U+115F", "renders as nothing"}},
		{"braille blank", "\u2800", []string{"U+2800 BRAILLE PATTERN BLANK", "blank"}},
		{"go and a braille blank", "go\u2800", []string{"U+2800", "blank"}},
		{"null notehead", "go\U0001D159", []string{"U+1D159", "blank"}},
		{"combining grapheme joiner", "a\u034Fb", []string{"U+034F", "renders as nothing"}},
		{"zero-width non-joiner", "go\u200C", []string{"U+200C", "renders as nothing"}},
		{"zero-width joiner after a virama", "\u0915\u094D\u200D\u0937", []string{"U+200D", "renders as nothing"}},
		{"variation selector", "\u2764\uFE0F", []string{"U+FE0F", "renders as nothing"}},
		{"Mongolian vowel separator", "go\u180E", []string{"U+180E", "renders as nothing"}},
		{"invisible times", "a\u2062b", []string{"U+2062", "renders as nothing"}},
		{"tag character", "go\U000E0067", []string{"U+E0067", "renders as nothing"}},
		{"two spaces show as one", "go  lang", []string{"two spaces"}},
		{"a space and an ideographic space", "go \u3000lang", []string{"two spaces"}},
		{"Cyrillic o beside a Latin g", "g\u043E", []string{"U+043E CYRILLIC SMALL LETTER O", "Cyrillic", "Latin"}},
		{"Cyrillic a in a Latin word", "p\u0430ypal", []string{"U+0430", "Cyrillic", "Latin"}},
		{"Latin in a Cyrillic word", "\u0441\u0440p", []string{"U+0070", "Latin", "Cyrillic"}},
		{"Greek capital alpha before Latin", "\u0391lpha", []string{"U+006C", "Latin", "Greek"}},
		{"Arabic and Latin", "go \u0639\u0631\u0628\u064A", []string{"U+0639", "Arabic", "Latin"}},
		{"Hangul and Hiragana", "\uD55C\u3072", []string{"U+3072", "Hiragana", "Hangul"}},
		{"Hangul and Katakana", "\u30BF\uD55C", []string{"U+D55C", "Hangul", "Katakana"}},
		{"a combining mark alone", "\u0301", []string{"U+0301", "begin"}},
		{"marks alone", "\u0301\u0302\u0303", []string{"U+0301", "begin"}},
		{"a spacing mark first", "\u093F\u0915", []string{"U+093F", "begin"}},
		{"a mark after the trimmed space", " \u0301go", []string{"U+0301", "begin"}},
		{"32 stacked marks", "a" + marks(32), []string{"more than 4", "one too many"}},
		{"5 stacked marks", "a" + marks(5), []string{"more than 4"}},
		{"32 times the same mark", "a" + strings.Repeat("\u0301", 32), []string{"U+0301", "twice"}},
		{"an accent twice", "e\u0301\u0301", []string{"U+0301", "twice"}},
		{"a precomposed é and its accent again", "\u00E9\u0301", []string{"U+0301", "twice"}},
		{"middle dot outside l·l", "a\u00B7b", []string{"U+00B7", "Catalan"}},
		{"katakana middle dot without Japanese", "go\u30FBlang", []string{"U+30FB", "Katakana"}},
		{"both kinds of Arabic digits", "\u0661\u06F2", []string{"U+0661", "Extended"}},
		{"old Hangul jamo alone", "\u1100", []string{"U+1100", "PRECIS"}},
		{"Arabic tatweel", "\u0628\u0640\u0628", []string{"U+0640", "PRECIS"}},
		{"private use", "a\uE000", []string{"U+E000", "private-use"}},
		{"unassigned", "a\U0003FFFD", []string{"U+3FFFD", "not a character"}},
		{"NUL", "a\x00b", []string{"U+0000", "control"}},
		{"paragraph separator", "a\u2029b", []string{"U+2029", "line break"}},
		{"right-to-left override", "\u202Egnp.exe", []string{"U+202E", "renders as nothing"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tags.NormalizeLabel(tc.in)
			var e *blog.Error
			if blog.ErrorCode(err) != blog.EINVALID || !asError(err, &e) || e.Field != "label" {
				t.Fatalf("NormalizeLabel(%+q) = %+q, %v; want an invalid error on label", tc.in, got, err)
			}
			for _, s := range tc.says {
				if !strings.Contains(e.Message, s) {
					t.Errorf("message %q does not say %q", e.Message, s)
				}
			}
		})
	}
}

// Labels in every script are accepted and stored in NFC, with their
// accents, vowel signs, digits and emoji.
func TestLabelsInEveryScriptAreAccepted(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"Latin with accents", "crème brûlée"},
		{"Vietnamese, two marks on a letter", "Tiếng Việt"},
		{"Vietnamese decomposed", "Tie\u0302\u0301ng"},
		{"German", "Überlegung"},
		{"Catalan middle dot", "col·lecció"},
		{"Cyrillic alone", "программирование"},
		{"Greek", "Ελληνικά"},
		{"Arabic", "العربية"},
		{"Arabic with its digits", "عربي ١٢٣"},
		{"Persian digits", "فارسی ۱۲۳"},
		{"Hebrew", "עברית"},
		{"pointed Hebrew", "שָׁלוֹם"},
		{"Devanagari with its marks", "हिन्दी"},
		{"Sanskrit conjuncts", "संस्कृतम्"},
		{"Thai with tone marks", "ภาษาไทย"},
		{"Tibetan stack", "བསྒྲུབས"},
		{"Japanese", "日本語のタグ"},
		{"Japanese with a long vowel and a middle dot", "データ・ベース"},
		{"Latin with Han", "Go言語"},
		{"Korean", "한국어"},
		{"Korean with Han", "한국語"},
		{"Chinese", "编程语言"},
		{"Han with Bopomofo", "注音ㄅㄆ"},
		{"emoji", "🦀 rust"},
		{"flag", "🇫🇷 français"},
		{"emoji with a skin tone", "👍🏽 ok"},
		{"c++", "c++"},
		{"c#", "c#"},
		{"node.js", "node.js"},
		{"digits and dashes", "2026-03"},
		{"symbols alone", "→ ★"},
		{"full-width Latin", "ｇｏ"},
		{"four marks on one letter", "a" + marks(4)},
		{"a mark on a space", "a \u0301b"},
		{"one ideographic space", "日本\u3000語"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tags.NormalizeLabel(tc.in)
			if err != nil {
				t.Fatalf("NormalizeLabel(%+q): %v", tc.in, err)
			}
			if want := nfc(tc.in); got != want {
				t.Fatalf("NormalizeLabel(%+q) = %+q, want %+q", tc.in, got, want)
			}
		})
	}
}

// The rules hold inside the write's transaction too, for an operation that
// arrives without passing NormalizeLabel (a forwarded write, say); and a
// tag stored before the rules stays readable and can be renamed.
func TestRulesHoldInTheTransactionAndOldLabelsStayReadable(t *testing.T) {
	ctx := context.Background()
	r := repo.New(sqlitetest.Open(t))
	s := tags.NewService(r)
	for _, label := range []string{"g\u043E", "go\u3164", "\u2800", "a" + marks(32)} {
		_, err := repo.Call[tags.Tag](ctx, r, tags.OpCreate, map[string]string{"label": label})
		if blog.ErrorCode(err) != blog.EINVALID {
			t.Errorf("tags.create %+q straight on the chain: %v, want invalid", label, err)
		}
	}
	if _, err := s.Create(ctx, "go"); err != nil {
		t.Fatal(err)
	}
	res, err := s.DB().Exec(`INSERT INTO tags (label, created_at, updated_at) VALUES (?, ?, ?)`,
		"go\u3164", "2020-01-01T00:00:00.000000Z", "2020-01-01T00:00:00.000000Z")
	if err != nil {
		t.Fatal(err)
	}
	old, _ := res.LastInsertId()
	if list, err := s.List(ctx); err != nil || len(list) != 2 {
		t.Fatalf("List with a label stored before the rules = %v, %v", list, err)
	}
	if got, err := s.Get(ctx, old); err != nil || got.Label != "go\u3164" {
		t.Fatalf("Get(%d) = %+v, %v", old, got, err)
	}
	if got, err := s.ByLabel(ctx, "go\u3164"); err != nil || got.ID != old {
		t.Fatalf("ByLabel of the old label = %+v, %v", got, err)
	}
	if _, err := s.Rename(ctx, old, "go\u3164"); blog.ErrorCode(err) != blog.EINVALID {
		t.Fatalf("writing the old label again: %v, want invalid", err)
	}
	if got, err := s.Rename(ctx, old, "golang"); err != nil || got.Label != "golang" {
		t.Fatalf("Rename of the old label = %+v, %v", got, err)
	}
}
