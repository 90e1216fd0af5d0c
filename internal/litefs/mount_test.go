package litefs

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"blog"
	"blog/internal/repo"
	"blog/internal/sqlite/sqlitetest"
)

// mount fakes the folder LiteFS mounts: .lag marks it, .primary names the
// primary on a replica, blog.db-pos holds the replication position.
type mount struct {
	t   *testing.T
	dir string
	db  string // path of the database file
}

func newMount(t *testing.T, role Role, primary string) *mount {
	t.Helper()
	dir := t.TempDir()
	m := &mount{t: t, dir: dir, db: filepath.Join(dir, "blog.db")}
	m.setRole(role, primary)
	return m
}

func (m *mount) setRole(role Role, primary string) {
	m.t.Helper()
	lag, prim := filepath.Join(m.dir, ".lag"), filepath.Join(m.dir, ".primary")
	switch role {
	case Standalone:
		m.remove(lag)
		m.remove(prim)
	case Primary:
		m.write(lag, "0\n")
		m.remove(prim)
	case Replica:
		m.write(lag, "0\n")
		m.write(prim, primary)
	}
}

func (m *mount) setPos(txid uint64) {
	m.t.Helper()
	m.write(m.db+"-pos", Pos{TXID: txid, PostApplyChecksum: 0xdeadbeef}.String()+"\n")
}

func (m *mount) write(path, text string) {
	m.t.Helper()
	// Write then rename, as LiteFS's files never show half-written text.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		m.t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		m.t.Fatal(err)
	}
}

func (m *mount) remove(path string) {
	m.t.Helper()
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		m.t.Fatal(err)
	}
}

// store is a real SQLite database with the blog's schema and a repo whose
// "test.insert" operation adds a tag.
type store struct {
	db    *sql.DB
	repo  *repo.Repo
	execs atomic.Int32 // executions of test.insert on this node
}

type insertArgs struct {
	Label string `json:"label"`
}

type insertValue struct {
	ID    int64  `json:"id"`
	Label string `json:"label"`
}

func newStore(t *testing.T, path string) *store {
	t.Helper()
	db := sqlitetest.OpenAt(t, path)
	s := &store{db: db, repo: repo.New(db)}
	s.repo.Handle("test.insert", func(ctx context.Context, tx *sql.Tx, raw json.RawMessage) (any, error) {
		s.execs.Add(1)
		var args insertArgs
		if err := json.Unmarshal(raw, &args); err != nil {
			return nil, blog.Errorf(blog.EBADREQUEST, "bad arguments: %v", err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM tags WHERE label = ? COLLATE NOCASE`, args.Label).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			return nil, &blog.Error{Code: blog.ECONFLICT, Field: "label", Message: fmt.Sprintf("A tag %q exists already.", args.Label)}
		}
		now := time.Now().UTC().Format(blog.TimeFormat)
		r, err := tx.ExecContext(ctx, `INSERT INTO tags (label, created_at, updated_at) VALUES (?, ?, ?)`, args.Label, now, now)
		if err != nil {
			return nil, err
		}
		id, err := r.LastInsertId()
		return insertValue{ID: id, Label: args.Label}, err
	})
	return s
}

// count returns how many tags labelled label the database holds.
func (s *store) count(t *testing.T, label string) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM tags WHERE label = ?`, label).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func insertOp(label string) repo.Op {
	return repo.Op{Name: "test.insert", Args: json.RawMessage(fmt.Sprintf(`{"label":%q}`, label))}
}

func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}
