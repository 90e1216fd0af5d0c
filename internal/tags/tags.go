// Package tags owns the blog's tags: the Tag type, the rules a label must
// follow, reads as plain queries, and create/rename/delete as operations on
// the write chain, so they run wherever the chain sends them.
package tags

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"blog"
	"blog/internal/repo"
)

// Operation names on the write chain.
const (
	OpCreate = "tags.create"
	OpRename = "tags.rename"
	OpDelete = "tags.delete"
)

// Tag is a label posts and projects are filed under.
type Tag struct {
	ID        int64     `json:"id"`
	Label     string    `json:"label"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Ref is a tag as shown beside what it files: a post, a project, a list's
// tag bar.
type Ref struct {
	ID    int64  `json:"id"`
	Label string `json:"label"`
}

// Service reads tags from the database and writes them through the chain.
type Service struct {
	db   *sql.DB
	repo *repo.Repo
	now  func() time.Time
}

// NewService returns a Service and registers the tag operations on r.
func NewService(r *repo.Repo) *Service {
	s := &Service{db: r.DB(), repo: r, now: time.Now}
	r.Handle(OpCreate, repo.Typed(s.execCreate))
	r.Handle(OpRename, repo.Typed(s.execRename))
	r.Handle(OpDelete, repo.Typed(s.execDelete))
	return s
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

const columns = `id, label, created_at, updated_at`

func scan(row interface{ Scan(...any) error }) (Tag, error) {
	var t Tag
	var created, updated string
	if err := row.Scan(&t.ID, &t.Label, &created, &updated); err != nil {
		return t, err
	}
	t.CreatedAt, _ = time.Parse(blog.TimeFormat, created)
	t.UpdatedAt, _ = time.Parse(blog.TimeFormat, updated)
	return t, nil
}

// List returns every tag, ordered by label.
func (s *Service) List(ctx context.Context) ([]Tag, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+columns+` FROM tags ORDER BY label COLLATE NOCASE, id`)
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	defer rows.Close()
	list := []Tag{}
	for rows.Next() {
		t, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list tags: %w", err)
		}
		list = append(list, t)
	}
	return list, rows.Err()
}

// Get returns the tag with the id, or a not_found error.
func (s *Service) Get(ctx context.Context, id int64) (Tag, error) {
	return get(ctx, s.db, id)
}

func get(ctx context.Context, q querier, id int64) (Tag, error) {
	t, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM tags WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, blog.Errorf(blog.ENOTFOUND, "Tag %d does not exist.", id)
	}
	if err != nil {
		return t, fmt.Errorf("get tag %d: %w", id, err)
	}
	return t, nil
}

// ByLabel returns the tag whose label equals label ignoring case.
func (s *Service) ByLabel(ctx context.Context, label string) (Tag, error) {
	id, err := findLabel(ctx, s.db, label, 0)
	if err != nil {
		return Tag{}, err
	}
	if id == 0 {
		return Tag{}, blog.Errorf(blog.ENOTFOUND, "There is no tag %q.", label)
	}
	return s.Get(ctx, id)
}

// findLabel returns the id of a tag other than except whose label has the
// same labelKey as label, or 0. Every label is compared in Go, the stored
// ones as they are: SQLite folds ASCII only, and labels stored before
// these rules may not be in NFC. A blog has tens of tags.
func findLabel(ctx context.Context, q querier, label string, except int64) (int64, error) {
	key := labelKey(label)
	var found int64
	err := eachLabel(ctx, q, except, func(id int64, k string) bool {
		if k == key {
			found = id
			return false
		}
		return true
	})
	return found, err
}

// labelIDs returns the id of every tag by its labelKey, the first tag for
// a key as findLabel finds it.
func labelIDs(ctx context.Context, q querier) (map[string]int64, error) {
	ids := map[string]int64{}
	err := eachLabel(ctx, q, 0, func(id int64, k string) bool {
		if _, dup := ids[k]; !dup {
			ids[k] = id
		}
		return true
	})
	return ids, err
}

// eachLabel calls f with the id and labelKey of every tag but except, in
// the table's order, while f answers true.
func eachLabel(ctx context.Context, q querier, except int64, f func(id int64, key string) bool) error {
	rows, err := q.QueryContext(ctx, `SELECT id, label FROM tags WHERE id != ?`, except)
	if err != nil {
		return fmt.Errorf("look up label: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var label string
		if err := rows.Scan(&id, &label); err != nil {
			return err
		}
		if !f(id, labelKey(label)) {
			return nil
		}
	}
	return rows.Err()
}

type createArgs struct {
	Label string `json:"label"`
}

type renameArgs struct {
	ID    int64  `json:"id"`
	Label string `json:"label"`
}

type deleteArgs struct {
	ID int64 `json:"id"`
}

// Create adds a tag. The label is checked here first, so a bad one is
// refused without a trip to the primary, and again where it is executed.
func (s *Service) Create(ctx context.Context, label string) (Tag, error) {
	label, err := NormalizeLabel(label)
	if err != nil {
		return Tag{}, err
	}
	return repo.Call[Tag](ctx, s.repo, OpCreate, createArgs{Label: label})
}

// Rename changes a tag's label.
func (s *Service) Rename(ctx context.Context, id int64, label string) (Tag, error) {
	label, err := NormalizeLabel(label)
	if err != nil {
		return Tag{}, err
	}
	return repo.Call[Tag](ctx, s.repo, OpRename, renameArgs{ID: id, Label: label})
}

// Delete removes a tag; posts and projects filed under it lose the tag.
func (s *Service) Delete(ctx context.Context, id int64) error {
	_, err := repo.Call[json.RawMessage](ctx, s.repo, OpDelete, deleteArgs{ID: id})
	return err
}

func conflict(label string) error {
	return &blog.Error{Code: blog.ECONFLICT, Field: "label",
		Message: fmt.Sprintf("A tag labelled %q already exists.", label)}
}

// DB returns the database tags are read from.
func (s *Service) DB() *sql.DB { return s.db }

// Count counts the tags, inside the caller's transaction so that it agrees
// with the other tables counted there (the operator's check, `blog check`).
func Count(ctx context.Context, tx *sql.Tx) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM tags`).Scan(&n)
	return n, err
}
