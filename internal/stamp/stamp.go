// Package stamp owns the content stamp: the one row of content_changes,
// whose version every write to what the pages show (posts, projects, tags
// and the tables linking them) moves on, in that write's own transaction
// (migrations/00003). A page rendered at one stamp is good until the stamp
// moves; the page cache and the open pages' live streams follow it through
// a Watcher.
package stamp

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Stamp names one state of the content.
type Stamp struct {
	Version   int64
	ChangedAt time.Time // when the write that set Version committed
}

// query reads the stamp. changed_at is written by the triggers of
// migrations/00003 with strftime('%Y-%m-%dT%H:%M:%fZ'): timeLayout.
const (
	query      = `SELECT version, changed_at FROM content_changes WHERE id = 1`
	timeLayout = "2006-01-02T15:04:05.000Z"
)

// Read reads the stamp from db.
func Read(ctx context.Context, db *sql.DB) (Stamp, error) {
	return scan(db.QueryRowContext(ctx, query))
}

func scan(row *sql.Row) (Stamp, error) {
	var st Stamp
	var changed string
	if err := row.Scan(&st.Version, &changed); err != nil {
		return st, fmt.Errorf("read the content stamp: %w", err)
	}
	t, err := time.Parse(timeLayout, changed)
	if err != nil {
		return st, fmt.Errorf("read the content stamp: changed_at %q: %w", changed, err)
	}
	st.ChangedAt = t
	return st, nil
}
