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

// CheckBuild returns ErrNoFlock when the database at path is on a LiteFS
// mount and this binary cannot lock it there. Commands call it before
// anything else, so that a binary that must be rebuilt says so first.
func CheckBuild(path string) error {
	if OnLiteFS(path) && !flockBuilt {
		return ErrNoFlock
	}
	return nil
}

// Options change how Open opens the database.
type Options struct {
	// Replica opens a database that another node writes, as on a LiteFS
	// replica: it must exist already, and its journal mode is left to the
	// primary, which set it (switching it is a write).
	Replica bool
	// KeepWALOnClose stops SQLite from copying the WAL into the database
	// file and removing it when the last connection closes, for a WAL that
	// another program manages: LiteFS's.
	KeepWALOnClose bool
}

// Open opens the database file at path, creating its folder when needed.
// Every connection gets FTS5, WAL, foreign keys and a busy timeout, and
// write transactions begin IMMEDIATE so two writers never deadlock on upgrade.
func Open(path string, opts Options) (*sql.DB, error) {
	if err := CheckBuild(path); err != nil {
		return nil, err
	}
	if opts.Replica {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("open replicated database: %w", err)
		}
	} else {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
	}

	q := url.Values{}
	q.Set("_txlock", "immediate")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(on)")
	q.Add("_pragma", "synchronous(normal)")
	dsn := (&url.URL{Scheme: "file", OmitHost: true, Path: path, RawQuery: q.Encode()}).String()

	db, err := driver.Open(dsn, func(c *sqlite3.Conn) error {
		if opts.KeepWALOnClose {
			if _, err := c.Config(sqlite3.DBCONFIG_NO_CKPT_ON_CLOSE, true); err != nil {
				return err
			}
		}
		return fts5.Register(c)
	})
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// Keep connections open between requests: opening one means loading
	// SQLite and the schema again.
	db.SetMaxIdleConns(8)
	if err := db.PingContext(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if !opts.Replica {
		// WAL lets readers go on while a write commits, and LiteFS
		// replicates it. The mode is kept in the file, so once is enough.
		var mode string
		if err := db.QueryRow(`PRAGMA journal_mode = wal`).Scan(&mode); err != nil || mode != "wal" {
			db.Close()
			return nil, fmt.Errorf("switch %s to WAL (journal mode %q): %v", path, mode, err)
		}
	}
	return db, nil
}
