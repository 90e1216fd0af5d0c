// Package catalog holds what the blog's content tables have in common, so
// that posts and projects write it once: a row is named by a key the
// content gives it (a post's slug, a project's name), carries a hash of
// its content so that an import that changed nothing writes nothing, and
// is filed under tags through a link table. A Table describes one such
// table; its methods are the shared reads and the shared steps of writes.
package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"blog/internal/repo"
	"blog/internal/tags"
)

// Table is a content table and the table that files its rows under tags.
// The names are the schema's (migrations/), never a caller's input: they
// are written into the SQL as they are.
type Table struct {
	Name    string // the table: posts
	Noun    string // one of its rows, in messages: post
	Key     string // the column the content names a row by: slug
	Links   string // the table filing rows under tags: post_tags
	LinkKey string // the column of Links naming the row: post_id
	// Shown is the SQL condition on the table's columns that the rows
	// readers see meet (is_draft = 0); empty when readers see every row.
	Shown string
}

// Hashes returns the content hash of every row by key, so an import can
// skip the rows that did not change.
func (t Table) Hashes(ctx context.Context, db *sql.DB) (map[string]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT `+t.Key+`, hash FROM `+t.Name)
	if err != nil {
		return nil, fmt.Errorf("read %s hashes: %w", t.Noun, err)
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var key, hash string
		if err := rows.Scan(&key, &hash); err != nil {
			return nil, err
		}
		m[key] = hash
	}
	return m, rows.Err()
}

// Find returns the id and the content hash of the row named key, or id 0
// when there is none, inside a write's transaction.
func (t Table) Find(ctx context.Context, tx *sql.Tx, key string) (id int64, hash string, err error) {
	err = tx.QueryRowContext(ctx, `SELECT id, hash FROM `+t.Name+` WHERE `+t.Key+` = ?`, key).Scan(&id, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("look up %s %q: %w", t.Noun, key, err)
	}
	return id, hash, nil
}

// Delete removes the row named key, and with it (the schema cascades) its
// filing under tags. Removing a row that is not there is not an error: the
// outcome says it is unchanged.
func (t Table) Delete(ctx context.Context, tx *sql.Tx, key string) (repo.Outcome, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `DELETE FROM `+t.Name+` WHERE `+t.Key+` = ? RETURNING id`, key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return repo.Outcome{Change: repo.Unchanged}, nil
	}
	if err != nil {
		return repo.Outcome{}, fmt.Errorf("delete %s %q: %w", t.Noun, key, err)
	}
	return repo.Outcome{ID: id, Change: repo.Deleted}, nil
}

// File files the row id, named key, under the tags labelled labels and no
// others, creating the tags that do not exist yet, inside the write's
// transaction so that the row and its tags change in one step.
func (t Table) File(ctx context.Context, tx *sql.Tx, id int64, key string, labels []string, now time.Time) error {
	ids, err := tags.Ensure(ctx, tx, labels, now)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+t.Links+` WHERE `+t.LinkKey+` = ?`, id); err != nil {
		return fmt.Errorf("file %s %q: %w", t.Noun, key, err)
	}
	for _, tagID := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO `+t.Links+` (`+t.LinkKey+`, tag_id) VALUES (?, ?)`, id, tagID); err != nil {
			return fmt.Errorf("file %s %q: %w", t.Noun, key, err)
		}
	}
	return nil
}

// TagsInUse returns the tags that file at least one row readers see, by
// label: the tags a list of the table's rows can be narrowed to.
func (t Table) TagsInUse(ctx context.Context, db *sql.DB) ([]tags.Ref, error) {
	filed := `SELECT tag_id FROM ` + t.Links
	if t.Shown != "" {
		filed += ` WHERE ` + t.LinkKey + ` IN (SELECT id FROM ` + t.Name + ` WHERE ` + t.Shown + `)`
	}
	rows, err := db.QueryContext(ctx, `SELECT id, label FROM tags WHERE id IN (`+filed+`) ORDER BY label COLLATE NOCASE`)
	if err != nil {
		return nil, fmt.Errorf("list tags of %s: %w", t.Name, err)
	}
	defer rows.Close()
	list := []tags.Ref{}
	for rows.Next() {
		var r tags.Ref
		if err := rows.Scan(&r.ID, &r.Label); err != nil {
			return nil, err
		}
		list = append(list, r)
	}
	return list, rows.Err()
}

// TagsColumn is an SQL expression for a query in which the table is called
// alias: the row's tags as a JSON array of {"id", "label"}, by label. Read
// it with DecodeTags.
func (t Table) TagsColumn(alias string) string {
	return `(SELECT json_group_array(json_object('id', t.id, 'label', t.label))
	 FROM (SELECT t.id, t.label FROM ` + t.Links + ` l JOIN tags t ON t.id = l.tag_id
	       WHERE l.` + t.LinkKey + ` = ` + alias + `.id ORDER BY t.label COLLATE NOCASE) t)`
}

// DecodeTags reads the TagsColumn of the row named key.
func (t Table) DecodeTags(column, key string) ([]tags.Ref, error) {
	var list []tags.Ref
	if err := json.Unmarshal([]byte(column), &list); err != nil {
		return nil, fmt.Errorf("decode tags of %s %q: %w", t.Noun, key, err)
	}
	return list, nil
}

// UnderAny is an SQL condition, and its arguments, that keeps the rows of
// a query in which the table is called alias that are filed under any of
// the tags ids.
func (t Table) UnderAny(alias string, ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	marks := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
	return alias + `.id IN (SELECT ` + t.LinkKey + ` FROM ` + t.Links + ` WHERE tag_id IN (` + marks + `))`, args
}
