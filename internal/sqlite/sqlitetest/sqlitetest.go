// Package sqlitetest gives tests a real, migrated SQLite database of their
// own, opened the way the blog opens its database.
package sqlitetest

import (
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"testing"

	"blog/internal/sqlite"
)

// Open returns a migrated database in a temporary folder, closed when the
// test ends.
func Open(t testing.TB) *sql.DB {
	t.Helper()
	return OpenAt(t, filepath.Join(t.TempDir(), "blog.db"))
}

// OpenAt is Open for the database file at path.
func OpenAt(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sqlite.Open(path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := sqlite.Migrate(context.Background(), db, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	return db
}
