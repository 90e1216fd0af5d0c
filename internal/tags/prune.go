package tags

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"blog/internal/repo"
)

// OpPrune removes the tags the import made that nothing files any more.
// Only the import runs it, on the node that imports; it is not
// forwardable.
const OpPrune = "tags.prune"

// RegisterPrune adds OpPrune to r. The import registers it (importer.Register).
func RegisterPrune(r *repo.Repo) {
	r.Handle(OpPrune, repo.Typed(execPrune))
}

// Prune removes, through r's chain, the tags the import made (Ensure)
// that no post or project is filed under any more, and returns how many.
// A tag an admin made or renamed is never removed. It writes only when
// there is a tag to remove, so an import that changed nothing writes
// nothing.
func Prune(ctx context.Context, r *repo.Repo) (int, error) {
	unused, err := unusedImported(ctx, r.DB())
	if err != nil {
		return 0, err
	}
	var n int
	if err := r.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM tags WHERE `+unused).Scan(&n); err != nil {
		return 0, fmt.Errorf("count unused tags: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	removed, err := repo.Call[[]string](ctx, r, OpPrune, struct{}{})
	return len(removed), err
}

// execPrune deletes the unused tags the import made, inside the write's
// transaction, and returns their labels.
func execPrune(ctx context.Context, tx *sql.Tx, _ struct{}) (any, error) {
	unused, err := unusedImported(ctx, tx)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `DELETE FROM tags WHERE `+unused+` RETURNING label`)
	if err != nil {
		return nil, fmt.Errorf("remove unused tags: %w", err)
	}
	defer rows.Close()
	removed := []string{}
	for rows.Next() {
		var label string
		if err := rows.Scan(&label); err != nil {
			return nil, err
		}
		removed = append(removed, label)
	}
	return removed, rows.Err()
}

// unusedImported is the SQL condition on tags that holds for a tag the
// import made that no row refers to. The rows that refer to tags are
// found in the schema, by their foreign keys (post_tags.tag_id,
// project_tags.tag_id), so that a table that files something under tags
// later keeps its tags without a change here.
func unusedImported(ctx context.Context, q querier) (string, error) {
	rows, err := q.QueryContext(ctx, `SELECT m.name, f."from" FROM sqlite_schema m, pragma_foreign_key_list(m.name) f
		WHERE m.type = 'table' AND f."table" = 'tags' ORDER BY m.name`)
	if err != nil {
		return "", fmt.Errorf("find what refers to tags: %w", err)
	}
	defer rows.Close()
	cond := []string{"imported = 1"}
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			return "", err
		}
		cond = append(cond, "id NOT IN (SELECT "+ident(column)+" FROM "+ident(table)+" WHERE "+ident(column)+" IS NOT NULL)")
	}
	return strings.Join(cond, " AND "), rows.Err()
}

// ident quotes a name from the schema as an SQL identifier.
func ident(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }
