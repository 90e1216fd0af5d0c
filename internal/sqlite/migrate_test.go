package sqlite_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/pressly/goose/v3"

	"blog/internal/sqlite"
	"blog/migrations"
)

// TestTagsRebuiltWithAutoincrement brings a database with tags, posts and
// projects from before the rebuild of tags up to date, and checks that
// every row, link, index and trigger survived, and that a deleted tag's id
// is no longer given to the next tag.
func TestTagsRebuiltWithAutoincrement(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "blog.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 3); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO tags (id, label, created_at, updated_at) VALUES (1, 'go', 'c1', 'u1'), (2, 'sqlite', 'c2', 'u2'), (5, 'fuse', 'c5', 'u5')`)
	exec(`INSERT INTO posts (id, slug, title, description, published_at, html, excerpt_html, body_text, toc, words, reading_minutes, source, hash, created_at, updated_at)
		VALUES (7, 'on-locks', 'On locks', 'd', '2024-01-01T00:00:00Z', '<p>b</p>', '', 'body', '[]', 1, 1, 's', 'h', 'c', 'u')`)
	exec(`INSERT INTO post_tags (post_id, tag_id) VALUES (7, 1), (7, 2)`)
	exec(`INSERT INTO projects (id, name, url, description, position, hash, created_at, updated_at) VALUES (3, 'litefs', 'https://example.org', 'd', 0, 'h', 'c', 'u')`)
	exec(`INSERT INTO project_tags (project_id, tag_id) VALUES (3, 5)`)

	if err := sqlite.Migrate(ctx, db, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}

	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	if n := count(`SELECT COUNT(*) FROM tags WHERE (id, label, created_at, updated_at) IN (VALUES (1, 'go', 'c1', 'u1'), (2, 'sqlite', 'c2', 'u2'), (5, 'fuse', 'c5', 'u5'))`); n != 3 {
		t.Fatalf("%d of 3 tags kept as they were", n)
	}
	// Nothing says the import made them: they are the admin's, never
	// removed by an import.
	if n := count(`SELECT COUNT(*) FROM tags WHERE imported = 0`); n != 3 {
		t.Fatalf("%d of 3 tags from before the migrations counted as the admin's", n)
	}
	if n := count(`SELECT COUNT(*) FROM post_tags`) + count(`SELECT COUNT(*) FROM project_tags`); n != 3 {
		t.Fatalf("%d of 3 links between tags and content kept", n)
	}
	if n := count(`SELECT COUNT(*) FROM pragma_foreign_key_check`); n != 0 {
		t.Fatalf("%d rows break a foreign key", n)
	}
	// The pool's connections, the migration's among them, still enforce
	// foreign keys.
	var conns []interface{ Close() error }
	for range 4 {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var on int
		if err := c.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&on); err != nil || on != 1 {
			t.Fatalf("a connection has foreign_keys = %d (%v)", on, err)
		}
		var legacy int
		if err := c.QueryRowContext(ctx, `PRAGMA legacy_alter_table`).Scan(&legacy); err != nil || legacy != 0 {
			t.Fatalf("a connection has legacy_alter_table = %d (%v)", legacy, err)
		}
	}
	for _, c := range conns {
		c.Close()
	}

	// The unique index, case-insensitive.
	if _, err := db.ExecContext(ctx, `INSERT INTO tags (label, created_at, updated_at) VALUES ('GO', '', '')`); err == nil {
		t.Fatal("a second tag 'GO' was accepted next to 'go'")
	}
	// The triggers: search follows a rename, and every write moves the version.
	version := func() int { return count(`SELECT version FROM content_changes`) }
	before := version()
	exec(`UPDATE tags SET label = 'database' WHERE id = 2`)
	if n := count(`SELECT COUNT(*) FROM posts_fts WHERE posts_fts MATCH 'tags:database'`); n != 1 {
		t.Fatalf("search for the renamed tag finds %d posts", n)
	}
	if version() == before {
		t.Fatal("renaming a tag did not move the content version")
	}
	// Cascades still run: deleting a tag removes its links.
	exec(`DELETE FROM tags WHERE id = 5`)
	if n := count(`SELECT COUNT(*) FROM project_tags`); n != 0 {
		t.Fatalf("deleting a tag left %d links", n)
	}
	// The id of the deleted highest tag, 5, is never given again.
	exec(`INSERT INTO tags (label, created_at, updated_at) VALUES ('new', '', '')`)
	if id := count(`SELECT id FROM tags WHERE label = 'new'`); id <= 5 {
		t.Fatalf("the next tag got id %d, the id of a deleted tag or lower", id)
	}
	// A post still inserts, its FTS trigger naming the rebuilt tags.
	exec(`INSERT INTO posts (id, slug, title, description, published_at, html, excerpt_html, body_text, toc, words, reading_minutes, source, hash, created_at, updated_at)
		VALUES (8, 'second', 'Second', 'd', '2024-01-02T00:00:00Z', '<p>b</p>', '', 'body', '[]', 1, 1, 's2', 'h', 'c', 'u')`)
	exec(`INSERT INTO post_tags (post_id, tag_id) VALUES (8, 1)`)
	if n := count(`SELECT COUNT(*) FROM posts_fts WHERE posts_fts MATCH 'tags:go'`); n != 2 {
		t.Fatalf("search for tag go finds %d posts, want 2", n)
	}

	// Down and up again keep the rows too.
	if _, err := p.Down(ctx); err != nil {
		t.Fatalf("down: %v", err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if n := count(`SELECT COUNT(*) FROM tags`); n != 3 {
		t.Fatalf("%d tags after down and up, want 3", n)
	}
}
