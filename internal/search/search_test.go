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
		in, match, without string
	}{
		{"litefs primary", `("litefs" AND "primary")`, ``},
		{"litefs AND primary", `("litefs" AND "primary")`, ``},
		{"litefs && primary", `("litefs" AND "primary")`, ``},
		{"litefs OR primary", `("litefs" OR "primary")`, ``},
		{"litefs || primary", `("litefs" OR "primary")`, ``},
		{"litefs | primary", `("litefs" OR "primary")`, ``},
		{"litefs NOT primary", `("litefs" NOT "primary")`, ``},
		{"litefs !primary", `("litefs" NOT "primary")`, ``},
		{"litefs !primary !replica sqlite", `((("litefs" NOT "primary") NOT "replica") AND "sqlite")`, ``},
		{"!primary litefs", `("litefs" NOT "primary")`, ``},
		{"(litefs || sqlite) !fly", `(("litefs" OR "sqlite") NOT "fly")`, ``},
		{"a (b || c)", `("a" AND ("b" OR "c"))`, ``},
		{"a || b c", `("a" OR ("b" AND "c"))`, ``},
		{`"write chain" primary`, `("write chain" AND "primary")`, ``},
		{`"write chain"* x`, `("write chain" * AND "x")`, ``},
		{`"say ""hi"""`, `"say hi"`, ``},
		{"repl*", `"repl" *`, ``},
		{"repl *", `"repl" *`, ``},
		{"^sqlite", `^ "sqlite"`, ``},
		{"and or not", `("and" AND "or" AND "not")`, ``},
		{"read-your-writes", `"read your writes"`, ``},
		{"it's", `"it s"`, ``},
		{"a - b", `("a" AND "b")`, ``},
		{"café naïve 東京", `("café" AND "naïve" AND "東京")`, ``},
		{"a\x00b", `("a" AND "b")`, ``},
		// Column filters, in the original's names and ours.
		{"title:replica", `{title} : ("replica")`, ``},
		{"TITLE : replica", `{title} : ("replica")`, ``},
		{"name:replica", `{title} : ("replica")`, ``},
		{"raw_body:replica", `{body} : ("replica")`, ``},
		{"excerpt:replica", `{description} : ("replica")`, ``},
		{"tags:(litefs OR sqlite)", `{tags} : (("litefs" OR "sqlite"))`, ``},
		{"{title tags}:litefs", `{title tags} : ("litefs")`, ``},
		{"-body:litefs", `- {body} : ("litefs")`, ``},
		{"-{body description}:litefs", `- {body description} : ("litefs")`, ``},
		{"title:^how", `{title} : (^ "how")`, ``},
		// NEAR groups.
		{"NEAR(write primary)", `NEAR("write" "primary")`, ``},
		{"NEAR(write primary, 3)", `NEAR("write" "primary", 3)`, ``},
		{`NEAR("write chain" prim*, 0)`, `NEAR("write chain" "prim" *, 0)`, ``},
		{"title:NEAR(write primary)", `{title} : (NEAR("write" "primary"))`, ``},
		{"near(a b)", `("near" AND ("a" AND "b"))`, ``},
		{"NEAR", `"NEAR"`, ``},
		// A NOT with nothing to take away from takes away from everything.
		{"!primary", ``, `"primary"`},
		{"NOT primary", ``, `"primary"`},
		{"!primary !replica", ``, `("primary" OR "replica")`},
		{"!(primary || replica)", ``, `("primary" OR "replica")`},
		{"(!primary)", ``, `"primary"`},
		{"!title:primary", ``, `{title} : ("primary")`},
		// Nothing to search for, and nothing wrong.
		{``, ``, ``},
		{"   \t\n", ``, ``},
		{"\x00", ``, ``},
	}
	for _, tc := range cases {
		q := search.ParseQuery(tc.in)
		match, without := q.For(search.PostColumns)
		if match != tc.match || without != tc.without || q.Problem != "" {
			t.Errorf("ParseQuery(%q) = %s, without %s, problem %q; want %s, without %s", tc.in, match, without, q.Problem, tc.match, tc.without)
		}
	}

	// A project's name is its title and its description its body.
	match, _ := search.ParseQuery("title:a body:b tags:c").For(search.ProjectColumns)
	if want := `({name} : ("a") AND {description} : ("b") AND {tags} : ("c"))`; match != want {
		t.Errorf("for projects: %s, want %s", match, want)
	}
}

// Input that cannot be read as a search says what is wrong with it, and
// nothing is searched: never a guess that finds something else.
func TestParseQueryProblems(t *testing.T) {
	cases := []struct{ in, problem string }{
		{`"unterminated`, "quotation mark is never closed"},
		{"(a b", "“(” is never closed"},
		{"(", "“(” is never closed"},
		{"a) b", "“)” closes no “(”"},
		{"()", "Parentheses must hold something"},
		{"(!)", "“!” needs something to search for after it"},
		{"litefs OR", "“OR” needs something to search for on both sides"},
		{"OR litefs", "“OR” needs something to search for on both sides"},
		{"a AND OR b", "“AND” needs something to search for on both sides"},
		{"a || || b", "“||” needs something"},
		{"NOT", "“NOT” needs something to search for after it"},
		{"a NOT", "“NOT” needs something to search for after it"},
		{"a !", "“!” needs something to search for after it"},
		{"a || !b", "NOT beside OR needs something to take away from"},
		{"rowid:1", "no column “rowid”"},
		{"author:me", "no column “author” to search; the columns are title, description, body and tags"},
		{"title:", "title: needs something to search for after it"},
		{":a", "“:” must follow a column"},
		{"{title", "“{” is never closed"},
		{"{}:a", "at least one column"},
		{"*", "“*” must follow a word"},
		{"^", "“^” must come before a word"},
		{"NEAR(", "NEAR( is never closed"},
		{"NEAR(a b,", "distance in NEAR"},
		{"NEAR(a b, far)", "distance in NEAR"},
		{"NEAR(a b, 1000)", "distance in NEAR"},
		{"NEAR()", "NEAR(…) needs the words"},
		{"NEAR(title:a)", "NEAR(…) holds only words and phrases"},
		{"-", "has no letters or digits"},
		{strings.Repeat("(", 20) + "a" + strings.Repeat(")", 20), "at most 8 deep"},
		{strings.Repeat("a ", 13), "at most 12 words"},
		{strings.Repeat("x", 300), "at most 256 characters"},
	}
	for _, tc := range cases {
		q := search.ParseQuery(tc.in)
		match, without := q.For(search.PostColumns)
		if !q.Empty() || match != "" || without != "" || !strings.Contains(q.Problem, tc.problem) {
			t.Errorf("ParseQuery(%q) = %q, without %q, problem %q; want nothing searched and a problem with %q", tc.in, match, without, q.Problem, tc.problem)
		}
	}
	for _, in := range []string{"a b", `"x"`, "title:a"} {
		if q := search.ParseQuery(in); q.Problem != "" {
			t.Errorf("ParseQuery(%q): problem %q", in, q.Problem)
		}
	}
	long := search.ParseQuery(strings.Repeat("w", 100))
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
	if len(res.Hits) != 0 || res.Problem == "" {
		t.Errorf("unreadable query: %+v", res)
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
	operators = regexp.MustCompile(`^(?:[()* ^:,]|-|AND|OR|NOT|NEAR\(|\{(?:title|description|body|tags)(?: (?:title|description|body|tags))*\}|[0-9]+|Q)*$`)
)

// FuzzQuery runs whatever ParseQuery makes of any input against a real FTS5
// table with the blog's tokenizer and columns: it must never be an FTS5
// error, and is nothing but quoted words, FTS5's operators, the table's
// columns and NEAR's distances.
func FuzzQuery(f *testing.F) {
	for _, in := range hostile {
		f.Add(in)
	}
	for _, in := range []string{"litefs primary", "a || b", "a !b", "(a || b) && !c", `"a b"* OR c*`,
		"NOT a", "a NOT", "((a) || (!b))", "a & b | c ! d", "|| && !", `"(" ")"`, "a*b*c", "*a", `"a"*"b"`,
		"title:a", "-{title tags}:(a OR b*)", "NEAR(a b, 2) c", "title:NEAR(a ^b)", "!title:a", "^a b:c", "tags : ^a"} {
		f.Add(in)
	}
	db, err := sqlite.Open(filepath.Join(f.TempDir(), "fuzz.db"), sqlite.Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE VIRTUAL TABLE t USING fts5 (title, description, body, tags, tokenize = 'porter unicode61')`); err != nil {
		f.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO t (title, description, body, tags) VALUES
		('How a write finds the primary', 'Forwarding', 'The replica reads .primary and forwards.', 'litefs'),
		('Café naïve', 'Unicode', 'Unicode 東京 text with marks a\u0301 and emoji 🙂', 'text')`); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in string) {
		q := search.ParseQuery(in)
		match, without := q.For(search.PostColumns)
		if q.Empty() != (match == "" && without == "") {
			t.Fatalf("ParseQuery(%q): Empty %v with %q, %q", in, q.Empty(), match, without)
		}
		for _, expr := range []string{match, without} {
			if expr == "" {
				continue
			}
			if rest := quoted.ReplaceAllString(expr, "Q"); !operators.MatchString(rest) {
				t.Fatalf("ParseQuery(%q) = %q has more than quoted words, operators, columns and parentheses", in, expr)
			}
			var n int
			if err := db.QueryRow(`SELECT COUNT(*) FROM t WHERE t MATCH ?`, expr).Scan(&n); err != nil {
				t.Fatalf("MATCH %q (from %q): %v", expr, in, err)
			}
			if err := db.QueryRow(`SELECT COUNT(*) FROM (SELECT snippet(t, -1, char(2), char(3), '…', 8), bm25(t) FROM t WHERE t MATCH ?)`, expr).Scan(&n); err != nil {
				t.Fatalf("snippet for %q (from %q): %v", expr, in, err)
			}
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
		{"!apple", "Five Four Three"},          // everything but (applesauce is no apple)
		{"!apple !durian", "Three"},            // neither
		{"NOT (apple || banana)", "Five Four"}, // neither, in parentheses
		{"title:two", "Two"},                   // the title only
		{"title:(one || two)", "One Two"},      // a query in a column
		{"-title:two two", ""},                 // "two" in any column but the title
		{"NEAR(ripe durian, 0)", "Four"},       // next to each other
		{"NEAR(durian ripe, 2)", "Five Four"},
		{"^apple", "One Two"}, // the first word of a column
		{"apple ||", ""},      // cannot be read: nothing searched
		{"((apple", ""},
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
			match, without := res.Query.For(search.PostColumns)
			t.Errorf("%s: found %q, want %q (FTS5: %s, without %s, problem %q)", tc.q, strings.Join(got, " "), tc.want, match, without, res.Problem)
		}
	}
}
