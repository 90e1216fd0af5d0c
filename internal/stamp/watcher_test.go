package stamp_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"blog/internal/repo"
	"blog/internal/sqlite/sqlitetest"
	"blog/internal/stamp"
	"blog/internal/tags"
)

// changes is a stamp.Changes moved on by hand, as LiteFS's event stream
// moves on at each transaction.
type changes struct {
	mu      sync.Mutex
	v       uint64
	ok      bool
	changed chan struct{}
}

func newChanges(ok bool) *changes { return &changes{ok: ok, changed: make(chan struct{})} }

func (c *changes) Version() (uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.v, c.ok
}

func (c *changes) Changed() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.changed
}

// tell moves the version on, as a tx event does.
func (c *changes) tell() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.v++
	close(c.changed)
	c.changed = make(chan struct{})
}

// env is a database with the schema, a chain with the tag operations, and
// a second connection that writes behind the chain's back, as replication
// or another process does.
type env struct {
	t     *testing.T
	repo  *repo.Repo
	tags  *tags.Service
	other *sql.DB
}

func newEnv(t *testing.T) *env {
	path := filepath.Join(t.TempDir(), "blog.db")
	db := sqlitetest.OpenAt(t, path)
	r := repo.New(db)
	return &env{t: t, repo: r, tags: tags.NewService(r), other: sqlitetest.OpenAt(t, path)}
}

// writeBehind changes a tag's label without the chain, which moves the
// stamp as any write to the tags does.
func (e *env) writeBehind(label string) {
	e.t.Helper()
	if _, err := e.other.Exec(`INSERT INTO tags (label, created_at, updated_at) VALUES (?, 'x', 'x')`, label); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) current(w *stamp.Watcher) int64 {
	e.t.Helper()
	st, err := w.Current(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return st.Version
}

// Off LiteFS nothing tells of writes by another process, so every read of
// the stamp is fresh.
func TestCurrentWithoutChangesReadsEveryTime(t *testing.T) {
	e := newEnv(t)
	w := stamp.NewWatcher(e.repo.DB(), nil, nil)
	before := e.current(w)
	e.writeBehind("behind")
	if after := e.current(w); after <= before {
		t.Fatalf("stamp %d after a write by another connection, was %d", after, before)
	}
}

// With Changes, the stamp is read again only when they, or this node's
// chain, tell of a write; while they cannot tell, every time.
func TestCurrentReadsOnlyWhenTold(t *testing.T) {
	e := newEnv(t)
	ch := newChanges(true)
	w := stamp.NewWatcher(e.repo.DB(), ch, nil)
	e.repo.Use(w.Middleware())
	first := e.current(w)
	e.writeBehind("untold")
	if got := e.current(w); got != first {
		t.Fatalf("the stamp was read again (%d, was %d) though nothing told of a write", got, first)
	}
	ch.tell()
	second := e.current(w)
	if second <= first {
		t.Fatalf("stamp %d after the change was told, was %d", second, first)
	}
	if _, err := e.tags.Create(context.Background(), "through the chain"); err != nil {
		t.Fatal(err)
	}
	third := e.current(w)
	if third <= second {
		t.Fatalf("stamp %d after a write through the chain, was %d", third, second)
	}
	ch.mu.Lock()
	ch.ok = false // the stream is down
	ch.mu.Unlock()
	e.writeBehind("while down")
	if got := e.current(w); got <= third {
		t.Fatalf("stamp %d while the stream is down, was %d", got, third)
	}
}

// follow runs Follow until the test ends and returns what it told.
func follow(t *testing.T, w *stamp.Watcher) <-chan int64 {
	ctx, cancel := context.WithCancel(context.Background())
	told := make(chan int64, 100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Follow(ctx, func(st stamp.Stamp) { told <- st.Version })
	}()
	t.Cleanup(func() { cancel(); <-done })
	return told
}

func waitTold(t *testing.T, told <-chan int64, above int64, what string) int64 {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case v := <-told:
			if v > above {
				return v
			}
		case <-timeout:
			t.Fatalf("not told of %s within 5 s", what)
		}
	}
}

// Follow is told of every write the chain commits and every change the
// stream tells, with nothing to poll.
func TestFollowIsToldOfChanges(t *testing.T) {
	e := newEnv(t)
	ch := newChanges(true)
	w := stamp.NewWatcher(e.repo.DB(), ch, nil)
	e.repo.Use(w.Middleware())
	told := follow(t, w)
	start := waitTold(t, told, -1, "the first stamp")
	if _, err := e.tags.Create(context.Background(), "local"); err != nil {
		t.Fatal(err)
	}
	local := waitTold(t, told, start, "a write through the chain")
	e.writeBehind("replicated")
	ch.tell()
	waitTold(t, told, local, "a change the stream told")
}

// While the stream cannot tell, replicated writes are still noticed, by
// reading the stamp every second.
func TestFollowReadsWhileChangesAreDown(t *testing.T) {
	e := newEnv(t)
	ch := newChanges(false)
	w := stamp.NewWatcher(e.repo.DB(), ch, nil)
	told := follow(t, w)
	start := waitTold(t, told, -1, "the first stamp")
	e.writeBehind("replicated while down")
	waitTold(t, told, start, "a write while the stream is down")
}
