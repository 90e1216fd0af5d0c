package tags

import (
	"context"
	"database/sql"
	"fmt"

	"blog"
)

// The executions below run inside the write's transaction on whichever node
// the chain runs them: they trust nothing about their arguments.

func (s *Service) execCreate(ctx context.Context, tx *sql.Tx, a createArgs) (any, error) {
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
	// imported is left to its default, 0: the tag is the admin's.
	err = tx.QueryRowContext(ctx,
		`INSERT INTO tags (label, created_at, updated_at) VALUES (?, ?, ?) RETURNING id`,
		label, now, now).Scan(&id)
	if err != nil {
		return nil, fmt.Errorf("insert tag: %w", err)
	}
	return get(ctx, tx, id)
}

func (s *Service) execRename(ctx context.Context, tx *sql.Tx, a renameArgs) (any, error) {
	label, err := NormalizeLabel(a.Label)
	if err != nil {
		return nil, err
	}
	t, err := get(ctx, tx, a.ID)
	if err != nil {
		return nil, err
	}
	// An admin who renames a tag takes it over from the import, which
	// then never removes it; so does one who saves it unchanged.
	if t.Label == label {
		if _, err := tx.ExecContext(ctx, `UPDATE tags SET imported = 0 WHERE id = ? AND imported = 1`, a.ID); err != nil {
			return nil, fmt.Errorf("rename tag: %w", err)
		}
		return t, nil
	}
	if id, err := findLabel(ctx, tx, label, a.ID); err != nil {
		return nil, err
	} else if id != 0 {
		return nil, conflict(label)
	}
	now := s.now().UTC().Format(blog.TimeFormat)
	if _, err := tx.ExecContext(ctx, `UPDATE tags SET label = ?, updated_at = ?, imported = 0 WHERE id = ?`, label, now, a.ID); err != nil {
		return nil, fmt.Errorf("rename tag: %w", err)
	}
	return get(ctx, tx, a.ID)
}

func (s *Service) execDelete(ctx context.Context, tx *sql.Tx, a deleteArgs) (any, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM tags WHERE id = ?`, a.ID)
	if err != nil {
		return nil, fmt.Errorf("delete tag: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, blog.Errorf(blog.ENOTFOUND, "Tag %d does not exist.", a.ID)
	}
	return nil, nil
}
