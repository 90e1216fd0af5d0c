package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/pressly/goose/v3"

	"blog/migrations"
)

func newProvider(db *sql.DB) (*goose.Provider, error) {
	p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.FS)
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return p, nil
}

// Migrate applies every pending migration and logs each one applied.
func Migrate(ctx context.Context, db *sql.DB, log *slog.Logger) error {
	p, err := newProvider(db)
	if err != nil {
		return err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, r := range results {
		log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	return nil
}

// SchemaStatus compares the database's schema with the binary's migrations.
type SchemaStatus struct {
	Current int64 // newest version applied to the database
	Latest  int64 // newest version this binary carries
}

// Behind reports whether the database lacks migrations this binary has.
func (s SchemaStatus) Behind() bool { return s.Current < s.Latest }

// Schema reads the database's schema version without changing anything, so
// it is safe on a read-only replica.
func Schema(ctx context.Context, db *sql.DB) (SchemaStatus, error) {
	var s SchemaStatus
	p, err := newProvider(db)
	if err != nil {
		return s, err
	}
	srcs := p.ListSources()
	if len(srcs) > 0 {
		s.Latest = srcs[len(srcs)-1].Version
	}
	// goose's own version query creates its table when missing; read it directly.
	var n int
	err = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name='goose_db_version'`).Scan(&n)
	if err != nil || n == 0 {
		return s, err
	}
	err = db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&s.Current)
	return s, err
}
