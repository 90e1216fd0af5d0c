// Package sqlite opens the blog's SQLite database with the settings every
// node needs (WAL, foreign keys, a busy timeout, immediate write
// transactions, FTS5) and applies the embedded migrations.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/driver"
	"github.com/ncruces/go-sqlite3/ext/fts5"
)

// ErrNoFlock is returned when a database on a LiteFS mount is opened by a
// binary built without the sqlite3_flock tag.
var ErrNoFlock = errors.New("this binary was built without -tags sqlite3_flock, " +
	"so it cannot lock a database on a LiteFS mount (LiteFS does not support the " +
	"OFD locks the default build takes); rebuild with: go build -tags sqlite3_flock ./cmd/blog")

// OnLiteFS reports whether the folder holding path is a LiteFS mount, which
// LiteFS marks with a .lag file at the mount's root.
func OnLiteFS(path string) bool {
	_, err := os.Stat(filepath.Join(filepath.Dir(path), ".lag"))
	return err == nil
}

// Options change how Open opens the database.
type Options struct {
	// ReadOnly opens the database without creating it and without switching
	// its journal mode, as a LiteFS replica must.
	ReadOnly bool
}

// Open opens the database file at path, creating its folder when needed.
// Every connection gets FTS5, WAL, foreign keys and a busy timeout, and
// write transactions begin IMMEDIATE so two writers never deadlock on upgrade.
func Open(path string, opts Options) (*sql.DB, error) {
	if OnLiteFS(path) && !flockBuilt {
		return nil, ErrNoFlock
	}
	if !opts.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
	}

	q := url.Values{}
	q.Set("_txlock", "immediate")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(on)")
	q.Add("_pragma", "synchronous(normal)")
	if opts.ReadOnly {
		q.Set("mode", "ro")
	} else {
		// WAL is persistent in the file; setting it is a no-op once done.
		q.Add("_pragma", "journal_mode(wal)")
	}
	dsn := (&url.URL{Scheme: "file", OmitHost: true, Path: path, RawQuery: q.Encode()}).String()

	db, err := driver.Open(dsn, func(c *sqlite3.Conn) error { return fts5.Register(c) })
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := db.PingContext(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return db, nil
}
