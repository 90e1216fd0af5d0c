package stamp

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"blog/internal/repo"
)

// Changes tells when the database may have changed without reading it:
// Version moves on at every change and says ok false while it cannot
// tell; Changed is closed at the next change of either. On LiteFS the
// node's event stream (litefs.Events) is one; off LiteFS there is none.
type Changes interface {
	Version() (v uint64, ok bool)
	Changed() <-chan struct{}
}

// pollDown is how often Follow reads the stamp while Changes cannot tell
// of changes (the event stream is down): writes replicated meanwhile are
// then still noticed within a second or two.
const pollDown = time.Second

// Watcher reads the content stamp only when it may have moved, and tells
// who follows it when it has.
type Watcher struct {
	db      *sql.DB
	changes Changes // nil off LiteFS
	log     *slog.Logger

	// local counts the writes this node committed through its own chain;
	// localWake is closed and replaced at each of them.
	local     atomic.Uint64
	wakeMu    sync.Mutex
	localWake chan struct{}

	readMu sync.Mutex
	conn   *sql.Conn // the connection the stamp is read on, opened on first use
	stmt   *sql.Stmt // prepared on conn
	failed bool      // the last read failed (logged once until it works again)
	closed bool      // Close was called: conn is back in the pool for good

	known atomic.Pointer[known]
}

// known is the stamp last read and what Changes and the chain had told
// when it was read.
type known struct {
	version, local uint64
	stamp          Stamp
}

// NewWatcher returns a watcher of db's stamp; changes may be nil.
func NewWatcher(db *sql.DB, changes Changes, log *slog.Logger) *Watcher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Watcher{db: db, changes: changes, log: log, localWake: make(chan struct{})}
}

// Current returns the stamp: the one read last when neither Changes nor
// this node's chain has told of a write since, otherwise read afresh.
// Without Changes, or while they cannot tell, every call reads it, so that
// a write by another process is seen at once. What was told is taken
// before the read: a change told during it leads to another read.
func (w *Watcher) Current(ctx context.Context) (Stamp, error) {
	if w.changes == nil {
		return w.read(ctx)
	}
	v, ok := w.changes.Version()
	if !ok {
		w.known.Store(nil)
		return w.read(ctx)
	}
	l := w.local.Load()
	if k := w.known.Load(); k != nil && k.version == v && k.local == l {
		return k.stamp, nil
	}
	st, err := w.read(ctx)
	if err == nil {
		w.known.Store(&known{version: v, local: l, stamp: st})
	}
	return st, err
}

// Middleware returns an After-only middleware of the write chain that
// tells the watcher of every write this node commits itself (not of those
// it forwards: they arrive by replication, which Changes tells), so that
// the writer's next page shows the write even before LiteFS tells of it.
func (w *Watcher) Middleware() repo.Middleware {
	return repo.Middleware{
		Name: "stamp",
		After: func(_ context.Context, _ repo.Op, res *repo.Result) {
			if res.HaltedBy == "" && res.Err == nil {
				w.touch()
			}
		},
	}
}

func (w *Watcher) touch() {
	w.local.Add(1)
	w.wakeMu.Lock()
	close(w.localWake)
	w.localWake = make(chan struct{})
	w.wakeMu.Unlock()
}

func (w *Watcher) localChanged() <-chan struct{} {
	w.wakeMu.Lock()
	defer w.wakeMu.Unlock()
	return w.localWake
}

// Follow calls tell with the stamp whenever its version moves on, and
// once at the start, until ctx ends. It wakes at every write this node
// commits and every change Changes tells; only while Changes cannot tell
// (the event stream is down) does it read the stamp every pollDown.
func (w *Watcher) Follow(ctx context.Context, tell func(Stamp)) {
	last := int64(-1)
	poll := time.NewTicker(pollDown)
	defer poll.Stop()
	for {
		// Taken before the read, so a change during it is not missed.
		local := w.localChanged()
		var told <-chan struct{}
		var tick <-chan time.Time
		if w.changes != nil {
			told = w.changes.Changed()
			if _, ok := w.changes.Version(); !ok {
				tick = poll.C
			}
		}
		if st, err := w.Current(ctx); err == nil && st.Version != last {
			last = st.Version
			tell(st)
		}
		select {
		case <-ctx.Done():
			return
		case <-local:
		case <-told:
		case <-tick:
		}
	}
}

// read reads the stamp on a connection the watcher keeps, with the query
// prepared on it: without Changes the stamp is read for every page, and a
// connection taken from the pool for it would often be a new one, costlier
// to open than the page is to send. A failure, and the recovery after it,
// is logged once each.
func (w *Watcher) read(ctx context.Context) (Stamp, error) {
	w.readMu.Lock()
	defer w.readMu.Unlock()
	st, err := w.readOnConn(ctx)
	switch {
	case err != nil && ctx.Err() == nil && !w.closed && !w.failed:
		w.failed = true
		w.log.Warn("page cache off: the content stamp cannot be read, so pages are rendered for every request", "err", err)
	case err == nil && w.failed:
		w.failed = false
		w.log.Info("page cache on: the content stamp reads again")
	}
	return st, err
}

// errClosed is a read after Close.
var errClosed = errors.New("stamp: the watcher is closed")

// Close gives back the connection the watcher reads on, so that closing
// the database closes every connection: SQLite tidies the database's
// files (the WAL) only when its last connection closes. Reads after Close
// fail.
func (w *Watcher) Close() {
	w.readMu.Lock()
	defer w.readMu.Unlock()
	w.closed = true
	if w.stmt != nil {
		w.stmt.Close()
		w.conn.Close()
		w.conn, w.stmt = nil, nil
	}
}

func (w *Watcher) readOnConn(ctx context.Context) (Stamp, error) {
	if w.closed {
		return Stamp{}, errClosed
	}
	if w.stmt == nil {
		conn, err := w.db.Conn(ctx)
		if err != nil {
			return Stamp{}, err
		}
		stmt, err := conn.PrepareContext(ctx, query)
		if err != nil {
			conn.Close()
			return Stamp{}, err
		}
		w.conn, w.stmt = conn, stmt
	}
	st, err := scan(w.stmt.QueryRowContext(ctx))
	if err != nil {
		// Start again on a new connection at the next read.
		w.stmt.Close()
		w.conn.Close()
		w.conn, w.stmt = nil, nil
	}
	return st, err
}
