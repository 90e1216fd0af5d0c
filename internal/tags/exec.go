package tags

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"blog"
)

// The executions below run inside the write's transaction on whichever node
// the chain runs them: they trust nothing about their arguments.

func (s *Service) execCreate(ctx context.Context, tx *sql.Tx, raw json.RawMessage) (any, error) {
	var a createArgs
	if err := decode(raw, &a); err != nil {
		return nil, err
	}
	label, err := NormalizeLabel(a.Label)
	if err != nil {
		return nil, err
	}
	if id, err := findLabel(ctx, tx, label, 0); err != nil {
		return nil, err
	} else if id != 0 {
		return nil, conflict(label)
	}
	now := s.now().UTC().Format(blog.TimeFormat)
	var id int64
	err = tx.QueryRowContext(ctx,
		`INSERT INTO tags (label, created_at, updated_at) VALUES (?, ?, ?) RETURNING id`,
		label, now, now).Scan(&id)
	if err != nil {
		return nil, fmt.Errorf("insert tag: %w", err)
	}
	return get(ctx, tx, id)
}

func (s *Service) execRename(ctx context.Context, tx *sql.Tx, raw json.RawMessage) (any, error) {
	var a renameArgs
	if err := decode(raw, &a); err != nil {
		return nil, err
	}
	label, err := NormalizeLabel(a.Label)
	if err != nil {
		return nil, err
	}
	t, err := get(ctx, tx, a.ID)
	if err != nil {
		return nil, err
	}
	if t.Label == label {
		return t, nil
	}
	if id, err := findLabel(ctx, tx, label, a.ID); err != nil {
		return nil, err
	} else if id != 0 {
		return nil, conflict(label)
	}
	now := s.now().UTC().Format(blog.TimeFormat)
	if _, err := tx.ExecContext(ctx, `UPDATE tags SET label = ?, updated_at = ? WHERE id = ?`, label, now, a.ID); err != nil {
		return nil, fmt.Errorf("rename tag: %w", err)
	}
	return get(ctx, tx, a.ID)
}

func (s *Service) execDelete(ctx context.Context, tx *sql.Tx, raw json.RawMessage) (any, error) {
	var a deleteArgs
	if err := decode(raw, &a); err != nil {
		return nil, err
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM tags WHERE id = ?`, a.ID)
	if err != nil {
		return nil, fmt.Errorf("delete tag: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, blog.Errorf(blog.ENOTFOUND, "Tag %d does not exist.", a.ID)
	}
	return nil, nil
}
