package search_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"blog/content"
	"blog/internal/importer"
	"blog/internal/repo"
	"blog/internal/search"
	"blog/internal/sqlite"
	"blog/internal/sqlite/sqlitetest"
)

func TestParseQuery(t *testing.T) {
	cases := []struct {
		in, match string
	}{
		{"litefs primary", `("litefs" AND "primary")`},
		{"litefs AND primary", `("litefs" AND "primary")`},
		{"litefs && primary", `("litefs" AND "primary")`},
		{"litefs OR primary", `("litefs" OR "primary")`},
		{"litefs || primary", `("litefs" OR "primary")`},
		{"litefs | primary", `("litefs" OR "primary")`},
		{"litefs NOT primary", `("litefs") NOT ("primary")`},
		{"litefs !primary", `("litefs") NOT ("primary")`},
		{"litefs !primary !replica sqlite", `("litefs" AND "sqlite") NOT ("primary" OR "replica")`},
		{"(litefs || sqlite) !fly", `(("litefs" OR "sqlite")) NOT ("fly")`},
		{"a (b || c)", `("a" AND ("b" OR "c"))`},
		{"a || b c", `("a" OR ("b" AND "c"))`},
		{`"write chain" primary`, `("write chain" AND "primary")`},
		{`"write chain"* x`, `("write chain"* AND "x")`},
		{"repl*", `"repl"*`},
		{"repl *", `"repl"`},
		{"and or not", `("and" AND "or" AND "not")`},
		// Malformed parts fall back to plain words.
		{"!primary", `"primary"`},
		{"NOT", ``},
		{"litefs OR", `"litefs"`},
		{"OR litefs", `"litefs"`},
		{"a AND OR b", `("a" OR "b")`},
		{"a || || b", `("a" OR "b")`},
		{"(a b", `("a" AND "b")`},
		{"a) b(", `("a" AND "b")`},
		{"()", ``},
		{"(!)", ``},
		{"a || !b", `("a" OR "b")`},
		{`"unterminated`, `"unterminated"`},
		{`NEAR(a b) OR *`, `("NEAR" AND ("a" AND "b"))`},
		{`title:replica`, `("title" AND "replica")`},
		{`-primary ^start col:"x y"`, `("primary" AND "start" AND "col" AND "x y")`},
		{`()*:^`, ``},
		{``, ``},
		{"   \t\n", ``},
		{"café naïve 東京", `("café" AND "naïve" AND "東京")`},
		{"it's", `("it" AND "s")`},
		{"\x00\xff\xfe", ``},
		{"a\x00b", `("a" AND "b")`},
	}
	for _, tc := range cases {
		if got := search.ParseQuery(tc.in).Match; got != tc.match {
			t.Errorf("ParseQuery(%q) = %s, want %s", tc.in, got, tc.match)
		}
	}
	long := search.ParseQuery(strings.Repeat("word", 100) + " " + strings.Repeat("a b ", 100))
	if len(long.Terms) > search.MaxTerms {
		t.Errorf("%d terms, want at most %d", len(long.Terms), search.MaxTerms)
	}
	for _, term := range long.Terms {
		if utf8.RuneCountInString(term) > search.MaxTerm {
			t.Errorf("term %q is longer than %d", term, search.MaxTerm)
		}
	}
}

func openContent(t testing.TB) *sql.DB {
	t.Helper()
	db := sqlitetest.Open(t)
	ctx := context.Background()
	r := repo.New(db)
	importer.Register(r)
	if _, err := importer.Run(ctx, r, content.FS); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestRun(t *testing.T) {
	db := openContent(t)
	ctx := context.Background()

	res, err := search.Run(ctx, db, "idempotency ledger", 20)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) == 0 || res.Hits[0].URL != "/posts/exactly-once-and-read-your-writes" {
		t.Fatalf("hits = %+v", res.Hits)
	}
	if res.Hint != "" {
		t.Errorf("hint %q with results", res.Hint)
	}
	matched := false
	for _, s := range res.Hits[0].Snippet {
		matched = matched || s.Match
		if strings.ContainsAny(s.Text, "\x02\x03") {
			t.Errorf("snippet keeps a marker: %q", s.Text)
		}
	}
	if !matched {
		t.Errorf("snippet has no highlighted match: %+v", res.Hits[0].Snippet)
	}

	// The porter stemmer: "replicas" finds "replica".
	res, _ = search.Run(ctx, db, "replicas", 20)
	if len(res.Hits) < 3 {
		t.Errorf("replicas: %d hits", len(res.Hits))
	}

	// Projects are found too, and link to their entry.
	res, _ = search.Run(ctx, db, "goldmark", 20)
	found := false
	for _, h := range res.Hits {
		found = found || (h.Kind == "project" && h.URL == "/projects#project-goldmark")
	}
	if !found {
		t.Errorf("goldmark project not found: %+v", res.Hits)
	}

	res, _ = search.Run(ctx, db, "()*", 20)
	if len(res.Hits) != 0 || res.Hint == "" {
		t.Errorf("unusable query: %+v", res)
	}
	res, _ = search.Run(ctx, db, "xyzzyplugh", 20)
	if len(res.Hits) != 0 || res.Hint == "" {
		t.Errorf("no match: %+v", res)
	}
	res, _ = search.Run(ctx, db, "", 20)
	if len(res.Hits) != 0 || res.Hint != "" {
		t.Errorf("empty query: %+v", res)
	}
}

// hostile holds inputs that are FTS5 syntax, or worse.
var hostile = []string{
	`"`, `""`, `"""`, `'`, `*`, `a*`, `*a`, `^`, `^a`, `a:`, `:a`, `title:`, `{title body}:x`,
	`AND`, `OR`, `NOT`, `a AND`, `AND a`, `NOT NOT`, `NEAR`, `NEAR(`, `NEAR(a b, 2)`, `NEAR(a,`,
	`(`, `)`, `(a`, `a)`, `((((`, `-a`, `+a`, `a - b`, `a + b`, `"a" "b`, `col:"x`,
	"\x00", "a\x00b", "\xff\xfe", "\u0301", "a\u0301", "\u200b", "\ufeff", "🙂", "🙂a", "ǅ",
	"a\u2028b", `\"`, `\`, `%`, `_`, `'; DROP TABLE posts; --`, `rank:`, `rowid:1`,
	strings.Repeat("(", 1000), strings.Repeat(`"a" `, 500), strings.Repeat("x", 5000),
}

func TestHostileInput(t *testing.T) {
	db := openContent(t)
	for _, in := range hostile {
		if _, err := search.Run(context.Background(), db, in, 20); err != nil {
			t.Errorf("Run(%q): %v", in, err)
		}
	}
}

var (
	quoted    = regexp.MustCompile(`"(?:[^"]|"")*"`)
	operators = regexp.MustCompile(`^(?:[()* ]|AND|OR|NOT|Q)*$`)
)

// FuzzQuery runs whatever ParseQuery makes of any input against a real FTS5
// table with the blog's tokenizer: it must never be an FTS5 error.
func FuzzQuery(f *testing.F) {
	for _, in := range hostile {
		f.Add(in)
	}
	for _, in := range []string{"litefs primary", "a || b", "a !b", "(a || b) && !c", `"a b"* OR c*`,
		"NOT a", "a NOT", "((a) || (!b))", "a & b | c ! d", "|| && !", `"(" ")"`, "a*b*c", "*a", `"a"*"b"`} {
		f.Add(in)
	}
	db, err := sqlite.Open(filepath.Join(f.TempDir(), "fuzz.db"), sqlite.Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE VIRTUAL TABLE t USING fts5 (title, body, tokenize = 'porter unicode61')`); err != nil {
		f.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO t (title, body) VALUES
		('How a write finds the primary', 'The replica reads .primary and forwards.'),
		('Café naïve', 'Unicode 東京 text with marks a\u0301 and emoji 🙂')`); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in string) {
		q := search.ParseQuery(in)
		if rest := quoted.ReplaceAllString(q.Match, "Q"); !operators.MatchString(rest) {
			t.Fatalf("ParseQuery(%q).Match = %q has more than quoted words, operators and parentheses", in, q.Match)
		}
		if q.Match == "" {
			return
		}
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM t WHERE t MATCH ?`, q.Match).Scan(&n); err != nil {
			t.Fatalf("MATCH %q (from %q): %v", q.Match, in, err)
		}
		if err := db.QueryRow(`SELECT COUNT(*) FROM (SELECT snippet(t, -1, char(2), char(3), '…', 8), bm25(t) FROM t WHERE t MATCH ?)`, q.Match).Scan(&n); err != nil {
			t.Fatalf("snippet for %q (from %q): %v", q.Match, in, err)
		}
	})
}

func TestSegmentsSeparateBlocks(t *testing.T) {
	got := search.Segments("…the ledger.\n\nExactly once\nThe problem with \x02retries\x03 is…")
	var text strings.Builder
	for _, s := range got {
		text.WriteString(s.Text)
	}
	if want := "…the ledger. · Exactly once · The problem with retries is…"; text.String() != want {
		t.Fatalf("snippet text %q, want %q", text.String(), want)
	}
	if len(got) != 3 || !got[1].Match || got[1].Text != "retries" {
		t.Fatalf("segments %+v", got)
	}
}

// Each operator of the original Blog's syntax, against posts whose words
// are known.
func TestOperators(t *testing.T) {
	post := func(title, body string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("---\ntitle: " + title + "\npublished_at: 2026-01-01 00:00:00Z\n---\n" + body + "\n")}
	}
	fsys := fstest.MapFS{
		"posts/20260101000000_one.md":   post("One", "Apple and banana on the table."),
		"posts/20260101000001_two.md":   post("Two", "Apple and cherry in a bowl."),
		"posts/20260101000002_three.md": post("Three", "Banana and cherry, no fruit from trees here."),
		"posts/20260101000003_four.md":  post("Four", "A ripe durian, and applesauce on the side."),
		"posts/20260101000004_five.md":  post("Five", "The durian was ripe long before anyone ate it."),
	}
	db := sqlitetest.Open(t)
	r := repo.New(db)
	importer.Register(r)
	if _, err := importer.Run(context.Background(), r, fsys); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ q, want string }{
		{"apple banana", "One"},
		{"apple AND banana", "One"},
		{"apple && banana", "One"},
		{"apple || cherry", "One Three Two"}, // the union
		{"apple OR durian", "Five Four One Two"},
		{"apple !banana", "Two"}, // the difference
		{"apple NOT banana", "Two"},
		{"cherry !apple", "Three"},
		{"(apple || banana) !cherry", "One"},
		{"(apple || banana) && cherry", "Three Two"},
		{`"ripe durian"`, "Four"},
		{"ripe durian", "Five Four"},
		{"apple*", "Four One Two"}, // applesauce too
		{"app", ""},                // a word, not a beginning, without the *
		{"app*", "Four One Two"},
		{"!apple", "One Two"}, // nothing to take away from: the word itself
		{"apple ||", "One Two"},
		{"((apple", "One Two"},
		{"banana) cherry(", "Three"},
	}
	for _, tc := range cases {
		res, err := search.Run(context.Background(), db, tc.q, 20)
		if err != nil {
			t.Errorf("Run(%q): %v", tc.q, err)
			continue
		}
		var got []string
		for _, h := range res.Hits {
			got = append(got, h.Title)
		}
		sort.Strings(got)
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s: found %q, want %q (FTS5: %s)", tc.q, strings.Join(got, " "), tc.want, res.Query.Match)
		}
	}
}
