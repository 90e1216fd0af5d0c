package tags

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"blog"
)

// Dedupe normalizes labels and drops repeats, compared as labels are
// (labelKey), keeping the first spelling and the order.
func Dedupe(list []string) ([]string, error) {
	out := make([]string, 0, len(list))
	seen := map[string]bool{}
	for _, l := range list {
		l, err := NormalizeLabel(l)
		if err != nil {
			return nil, err
		}
		if k := labelKey(l); !seen[k] {
			seen[k] = true
			out = append(out, l)
		}
	}
	return out, nil
}

// Ensure returns the id of the tag for each label, creating the tags that
// do not exist yet, marked as the import's (Prune removes them once nothing
// uses them). It runs inside another operation's transaction, so that
// content filed under new tags is written in one step.
func Ensure(ctx context.Context, tx *sql.Tx, list []string, now time.Time) ([]int64, error) {
	ids := make([]int64, 0, len(list))
	ts := now.UTC().Format(blog.TimeFormat)
	var known map[string]int64 // by labelKey, read once for the whole list
	for _, label := range list {
		label, err := NormalizeLabel(label)
		if err != nil {
			return nil, err
		}
		if known == nil {
			if known, err = labelIDs(ctx, tx); err != nil {
				return nil, err
			}
		}
		key := labelKey(label)
		id, ok := known[key]
		if !ok {
			err = tx.QueryRowContext(ctx,
				`INSERT INTO tags (label, created_at, updated_at, imported) VALUES (?, ?, ?, 1) RETURNING id`,
				label, ts, ts).Scan(&id)
			if err != nil {
				return nil, fmt.Errorf("create tag %q: %w", label, err)
			}
			known[key] = id
		}
		ids = append(ids, id)
	}
	return ids, nil
}
