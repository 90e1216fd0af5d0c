package sqlite_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"blog/internal/sqlite"
	"blog/internal/sqlite/sqlitetest"
)

// TestWALGuardKeepsTheShellFromDeletingTheWAL runs the operator's count
// with the sqlite3 shell while the blog holds the database, and checks that
// the blog's write-ahead log survives and the blog goes on writing.
func TestWALGuardKeepsTheShellFromDeletingTheWAL(t *testing.T) {
	shell, err := exec.LookPath("sqlite3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("sqlite3 is not installed; scripts/test installs it")
		}
		t.Skip("sqlite3 is not installed")
	}
	// Without the guard the shell deletes the WAL, and the blog's next
	// write goes to a file no other reader sees: the second count says 1.
	path := filepath.Join(t.TempDir(), "blog.db")
	db := sqlitetest.OpenAt(t, path)
	g, err := sqlite.GuardWAL(context.Background(), db, path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	// Keep a connection reading, as a running blog does.
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := db.Exec(`INSERT INTO tags (label, created_at, updated_at) VALUES ('x', '', '')`); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(shell, path, "SELECT COUNT(*) FROM tags WHERE label='x'").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "1" {
		t.Fatalf("the shell's count: %v %q", err, out)
	}
	_, walErr := os.Stat(path + "-wal")
	if walErr != nil {
		t.Fatalf("the shell removed the blog's WAL: %v", walErr)
	}
	if _, err := db.Exec(`INSERT INTO tags (label, created_at, updated_at) VALUES ('y', '', '')`); err != nil {
		t.Fatalf("write after the shell's count: %v", err)
	}
	out, _ = exec.Command(shell, "-readonly", path, "SELECT COUNT(*) FROM tags").CombinedOutput()
	if strings.TrimSpace(string(out)) != "2" {
		t.Fatalf("after the write the shell counts %q", out)
	}
}

// TestWALGuardOnAFreshDatabase: the first start of the blog creates the
// database, which has no WAL-index file until it is first read; the guard
// must be taken all the same, without a warning.
func TestWALGuardOnAFreshDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "blog.db")
	db, err := sqlite.Open(path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g, err := sqlite.GuardWAL(context.Background(), db, path)
	if err != nil {
		t.Fatalf("guard on a fresh database: %v", err)
	}
	defer g.Close()
	if _, err := os.Stat(path + "-shm"); err != nil {
		t.Fatalf("the guard holds no lock on the WAL-index: %v", err)
	}
}

// The last connection to close copies the WAL into the database file and
// removes it, unless the WAL is another program's (LiteFS's): then it is
// left as it is.
func TestKeepWALOnClose(t *testing.T) {
	for _, keep := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "blog.db")
		db, err := sqlite.Open(path, sqlite.Options{KeepWALOnClose: keep})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`CREATE TABLE notes (text TEXT)`); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		_, err = os.Stat(path + "-wal")
		if kept := err == nil; kept != keep {
			t.Errorf("KeepWALOnClose %v: the WAL is there after the close: %v", keep, kept)
		}
	}
}
