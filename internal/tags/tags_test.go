package tags_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"blog"
	"blog/internal/repo"
	"blog/internal/sqlite/sqlitetest"
	"blog/internal/tags"
)

func TestNormalizeLabel(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		ok             bool
	}{
		{"plain", "go", "go", true},
		{"trimmed", "  sqlite \t\n", "sqlite", true},
		{"unicode", "Überlegung", "Überlegung", true},
		{"markup kept as text", "<b>bold</b>", "<b>bold</b>", true},
		{"exactly 64", strings.Repeat("x", 64), strings.Repeat("x", 64), true},
		{"64 runes of 2 bytes", strings.Repeat("é", 64), strings.Repeat("é", 64), true},
		{"empty", "", "", false},
		{"blank", "   \t ", "", false},
		{"65", strings.Repeat("x", 65), "", false},
		{"newline inside", "a\nb", "", false},
		{"tab inside", "a\tb", "", false},
		{"NUL", "a\x00b", "", false},
		{"DEL", "a\x7fb", "", false},
		{"line separator", "a\u2028b", "", false},
		{"invalid UTF-8", "a\xffb", "", false},
		{"stored in NFC", "cafe\u0301", "caf\u00e9", true},
		{"Kelvin sign becomes K", "\u212Aelvin", "Kelvin", true},
		{"64 after NFC", strings.Repeat("e\u0301", 64), strings.Repeat("\u00e9", 64), true},
		{"zero-width space", "a\u200Bb", "", false},
		{"only a zero-width space", "\u200B", "", false},
		{"byte order mark", "\uFEFFgo", "", false},
		{"soft hyphen", "so\u00ADft", "", false},
		{"right-to-left override", "\u202Egnp.exe", "", false},
		{"left-to-right mark", "go\u200E", "", false},
		{"private use", "a\uE000", "", false},
		{"unassigned", "a\U000E0080", "", false},
		{"full-width letters are letters", "\uFF47\uFF4F", "\uFF47\uFF4F", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tags.NormalizeLabel(tc.in)
			if tc.ok {
				if err != nil || got != tc.want {
					t.Fatalf("NormalizeLabel(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
				}
				return
			}
			if blog.ErrorCode(err) != blog.EINVALID {
				t.Fatalf("NormalizeLabel(%q) = %q, %v; want an invalid error", tc.in, got, err)
			}
		})
	}
}

func newService(t *testing.T) *tags.Service {
	t.Helper()
	db := sqlitetest.Open(t)
	return tags.NewService(repo.New(db))
}

func TestService(t *testing.T) {
	ctx := context.Background()
	s := newService(t)

	goTag, err := s.Create(ctx, "  Go ")
	if err != nil || goTag.Label != "Go" || goTag.ID == 0 || goTag.CreatedAt.IsZero() {
		t.Fatalf("Create = %+v, %v", goTag, err)
	}
	for _, dup := range []string{"go", "GO", " gO "} {
		if _, err := s.Create(ctx, dup); blog.ErrorCode(err) != blog.ECONFLICT {
			t.Fatalf("Create(%q) = %v, want conflict", dup, err)
		}
	}
	if _, err := s.Create(ctx, "Ärger"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, "ärger"); blog.ErrorCode(err) != blog.ECONFLICT {
		t.Fatalf("non-ASCII case duplicate: %v, want conflict", err)
	}
	sqliteTag, err := s.Create(ctx, "sqlite")
	if err != nil {
		t.Fatal(err)
	}

	// Renaming to another tag's label conflicts; to its own, in other case, does not.
	if _, err := s.Rename(ctx, sqliteTag.ID, "GO"); blog.ErrorCode(err) != blog.ECONFLICT {
		t.Fatalf("rename onto another label: %v, want conflict", err)
	}
	renamed, err := s.Rename(ctx, sqliteTag.ID, "SQLite")
	if err != nil || renamed.Label != "SQLite" || renamed.ID != sqliteTag.ID {
		t.Fatalf("Rename = %+v, %v", renamed, err)
	}
	if _, err := s.Rename(ctx, 999, "x"); blog.ErrorCode(err) != blog.ENOTFOUND {
		t.Fatalf("rename unknown: %v", err)
	}
	if _, err := s.Rename(ctx, sqliteTag.ID, ""); blog.ErrorCode(err) != blog.EINVALID {
		t.Fatalf("rename to empty: %v", err)
	}

	list, err := s.List(ctx)
	if err != nil || len(list) != 3 {
		t.Fatalf("List = %v, %v", list, err)
	}
	if got, _ := s.Get(ctx, sqliteTag.ID); got.Label != "SQLite" {
		t.Fatalf("Get after rename = %+v", got)
	}

	if err := s.Delete(ctx, goTag.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, goTag.ID); blog.ErrorCode(err) != blog.ENOTFOUND {
		t.Fatalf("second delete: %v, want not_found", err)
	}
	if _, err := s.Get(ctx, goTag.ID); blog.ErrorCode(err) != blog.ENOTFOUND {
		t.Fatalf("get deleted: %v", err)
	}
	// The label is free again.
	if _, err := s.Create(ctx, "go"); err != nil {
		t.Fatal(err)
	}
}

// Labels are one label when they are the same under NFKC and full case
// folding, whichever of them came first: the order of writes decides which
// spelling is kept, never whether the second is refused.
func TestLabelsCompareFolded(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, a, b string
	}{
		{"Kelvin sign", "\u212Aelvin", "kelvin"},
		{"long s", "\u017Fun", "sun"},
		{"sharp s", "stra\u00DFe", "STRASSE"},
		{"final sigma", "\u03BF\u03C2", "\u039F\u03A3"},
		{"composed and decomposed", "caf\u00E9", "cafe\u0301"},
		{"full-width twin", "\uFF27\uFF4F", "go"},
		{"ligature", "\uFB01le", "file"},
	} {
		for _, order := range [][2]string{{tc.a, tc.b}, {tc.b, tc.a}} {
			t.Run(tc.name, func(t *testing.T) {
				s := newService(t)
				first, err := s.Create(ctx, order[0])
				if err != nil {
					t.Fatalf("Create(%q): %v", order[0], err)
				}
				if _, err := s.Create(ctx, order[1]); blog.ErrorCode(err) != blog.ECONFLICT {
					t.Fatalf("Create(%q) after %q: %v, want conflict", order[1], order[0], err)
				}
				other, err := s.Create(ctx, "other")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := s.Rename(ctx, other.ID, order[1]); blog.ErrorCode(err) != blog.ECONFLICT {
					t.Fatalf("Rename to %q with %q present: %v, want conflict", order[1], order[0], err)
				}
				if got, err := s.ByLabel(ctx, order[1]); err != nil || got.ID != first.ID {
					t.Fatalf("ByLabel(%q) = %+v, %v; want the tag %q", order[1], got, err, order[0])
				}
				if list, _ := s.List(ctx); len(list) != 2 {
					t.Fatalf("%d tags, want 2", len(list))
				}
			})
		}
	}
}

func TestEnsure(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	existing, err := s.Create(ctx, "Go")
	if err != nil {
		t.Fatal(err)
	}
	list, err := tags.Dedupe([]string{" go ", "SQLite", "sqlite", "LiteFS"})
	if err != nil || strings.Join(list, ",") != "go,SQLite,LiteFS" {
		t.Fatalf("Dedupe = %v, %v", list, err)
	}
	if _, err := tags.Dedupe([]string{"ok", ""}); blog.ErrorCode(err) != blog.EINVALID {
		t.Fatalf("Dedupe with a blank label: %v", err)
	}
	db := s.DB()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := tags.Ensure(ctx, tx, list, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 3 || ids[0] != existing.ID || ids[1] == ids[2] {
		t.Fatalf("ids = %v, want the existing Go tag first and two new ones", ids)
	}
	all, _ := s.List(ctx)
	if len(all) != 3 {
		t.Fatalf("tags = %v, want 3", all)
	}
	// The import's tags are marked so; the admin's Go stays the admin's,
	// and an admin who saves one of the import's, even unchanged, takes it
	// over.
	imported := func() string {
		var labels string
		if err := db.QueryRow(`SELECT coalesce(group_concat(label, ','), '') FROM (SELECT label FROM tags WHERE imported = 1 ORDER BY id)`).Scan(&labels); err != nil {
			t.Fatal(err)
		}
		return labels
	}
	if got := imported(); got != "SQLite,LiteFS" {
		t.Fatalf("the import's tags: %q, want SQLite,LiteFS", got)
	}
	if _, err := s.Rename(ctx, ids[1], "SQLite"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rename(ctx, ids[2], "litefs"); err != nil {
		t.Fatal(err)
	}
	if got := imported(); got != "" {
		t.Fatalf("after the admin saved them, the import's tags: %q, want none", got)
	}
}
