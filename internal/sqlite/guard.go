package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Lock bytes of SQLite's unix VFS, which the sqlite3 shell uses.
const (
	pendingByte = 0x40000000
	sharedFirst = pendingByte + 2
	sharedSize  = 510
	shmDMS      = 120 + 8 // the WAL-index's "dead man switch" byte
)

// WALGuard keeps other programs from removing the blog's write-ahead log.
//
// The blog locks its database with flock(2) (the sqlite3_flock build, which
// LiteFS needs), and the sqlite3 shell with fcntl(2); neither sees the
// other's locks. A shell that closes its connection while the blog runs
// would think itself the last user, checkpoint and delete the WAL under the
// blog's feet, which LiteFS answers by failing the next commit. The guard
// holds fcntl read locks, as one more reader would, on the database's SHARED
// range and on the WAL-index's DMS byte: the shell then sees the blog, never
// resets the WAL-index and never gets the exclusive lock it needs to delete
// the WAL. Read locks never stop a reader, a writer, or LiteFS.
type WALGuard struct {
	files []*os.File
}

// GuardWAL takes the guard's locks on the database at path, which db has
// open. A fresh database has no WAL-index (the -shm file) until its first
// read in WAL mode, so GuardWAL reads through db first; the pool keeps that
// connection open, and with it the files. A database not in WAL mode has no
// WAL to guard: GuardWAL then returns a guard that holds nothing.
func GuardWAL(ctx context.Context, db *sql.DB, path string) (*WALGuard, error) {
	g := &WALGuard{}
	var mode string
	if err := db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return nil, fmt.Errorf("guard the WAL: read the journal mode: %w", err)
	}
	if mode != "wal" {
		return g, nil
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_schema`).Scan(&n); err != nil {
		return nil, fmt.Errorf("guard the WAL: read the schema: %w", err)
	}
	for _, lock := range []struct {
		file         string
		start, count int64
	}{
		{path, sharedFirst, sharedSize},
		{path + "-shm", shmDMS, 1},
	} {
		f, err := os.Open(lock.file)
		if err != nil {
			g.Close()
			return nil, fmt.Errorf("guard the WAL: %w", err)
		}
		g.files = append(g.files, f)
		// An open file description's lock (OFD) survives the blog's other
		// descriptors of the same file being closed, unlike a POSIX lock.
		flock := unix.Flock_t{Type: unix.F_RDLCK, Whence: 0, Start: lock.start, Len: lock.count}
		if err := unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &flock); err != nil {
			g.Close()
			return nil, fmt.Errorf("guard the WAL: read-lock %s: %w", lock.file, err)
		}
	}
	return g, nil
}

// Close releases the locks.
func (g *WALGuard) Close() error {
	var errs []error
	for _, f := range g.files {
		errs = append(errs, f.Close())
	}
	g.files = nil
	return errors.Join(errs...)
}
