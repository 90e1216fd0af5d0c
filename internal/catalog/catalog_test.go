package catalog_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"blog/internal/catalog"
	"blog/internal/repo"
	"blog/internal/sqlite/sqlitetest"
)

// notes is a content table of the test's own, shaped like posts: keyed by
// name, with a hash, hidden rows and a link table to the real tags.
var notes = catalog.Table{Name: "notes", Noun: "note", Key: "name",
	Links: "note_tags", LinkKey: "note_id", Shown: "hidden = 0"}

func openNotes(t *testing.T) *sql.DB {
	t.Helper()
	db := sqlitetest.Open(t)
	for _, q := range []string{
		`CREATE TABLE notes (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, hash TEXT NOT NULL, hidden INTEGER NOT NULL)`,
		`CREATE TABLE note_tags (
			note_id INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
			tag_id  INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
			PRIMARY KEY (note_id, tag_id))`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// write runs f in a transaction and commits it.
func write(t *testing.T, db *sql.DB, f func(tx *sql.Tx) error) {
	t.Helper()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func add(t *testing.T, db *sql.DB, name, hash string, hidden bool, labels ...string) int64 {
	t.Helper()
	var id int64
	write(t, db, func(tx *sql.Tx) error {
		if err := tx.QueryRow(`INSERT INTO notes (name, hash, hidden) VALUES (?, ?, ?) RETURNING id`, name, hash, hidden).Scan(&id); err != nil {
			return err
		}
		return notes.File(context.Background(), tx, id, name, labels, time.Now())
	})
	return id
}

// labelsOf lists the tags of the notes filed under any of ids, read the
// way posts.List reads them.
func labelsOf(t *testing.T, db *sql.DB, ids ...int64) map[string]string {
	t.Helper()
	under, args := notes.UnderAny("n", ids)
	rows, err := db.Query(`SELECT n.name, `+notes.TagsColumn("n")+` FROM notes n WHERE `+under, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var name, column string
		if err := rows.Scan(&name, &column); err != nil {
			t.Fatal(err)
		}
		list, err := notes.DecodeTags(column, name)
		if err != nil {
			t.Fatal(err)
		}
		got[name] = fmt.Sprint(list)
	}
	return got
}

func TestTable(t *testing.T) {
	db := openNotes(t)
	ctx := context.Background()
	first := add(t, db, "first", "h1", false, "go", "SQLite")
	add(t, db, "draft", "h2", true, "secret")

	hashes, err := notes.Hashes(ctx, db)
	if err != nil || len(hashes) != 2 || hashes["first"] != "h1" || hashes["draft"] != "h2" {
		t.Errorf("Hashes = %v, %v", hashes, err)
	}
	write(t, db, func(tx *sql.Tx) error {
		if id, hash, err := notes.Find(ctx, tx, "first"); err != nil || id != first || hash != "h1" {
			t.Errorf("Find(first) = %d, %q, %v", id, hash, err)
		}
		if id, _, err := notes.Find(ctx, tx, "nothing"); err != nil || id != 0 {
			t.Errorf("Find(nothing) = %d, %v; want 0", id, err)
		}
		return nil
	})

	inUse, err := notes.TagsInUse(ctx, db)
	if err != nil || fmt.Sprint(inUse) != "[{1 go} {2 SQLite}]" {
		t.Errorf("TagsInUse = %v, %v; want go and SQLite, not the hidden note's tag", inUse, err)
	}
	var goID int64 = 1
	if got := labelsOf(t, db, goID); len(got) != 1 || got["first"] != "[{1 go} {2 SQLite}]" {
		t.Errorf("notes under go = %v", got)
	}

	// Filing again replaces the tags; a tag filing nothing is kept.
	write(t, db, func(tx *sql.Tx) error {
		return notes.File(ctx, tx, first, "first", []string{"Go", "zebra"}, time.Now())
	})
	if got := labelsOf(t, db, goID); got["first"] != "[{1 go} {4 zebra}]" {
		t.Errorf("refiled note = %v; want the existing go and a new zebra", got)
	}

	for _, want := range []repo.Change{repo.Deleted, repo.Unchanged} {
		write(t, db, func(tx *sql.Tx) error {
			out, err := notes.Delete(ctx, tx, "first")
			if out.Change != want || (want == repo.Deleted && out.ID != first) {
				t.Errorf("Delete = %+v, want %s", out, want)
			}
			return err
		})
	}
	if inUse, _ := notes.TagsInUse(ctx, db); len(inUse) != 0 {
		t.Errorf("tags in use after the delete: %v", inUse)
	}
	var n int
	db.QueryRow(`SELECT COUNT(*) FROM tags`).Scan(&n)
	if n != 4 {
		t.Errorf("%d tags, want the 4 created, kept", n)
	}
}
