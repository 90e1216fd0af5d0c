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
}
