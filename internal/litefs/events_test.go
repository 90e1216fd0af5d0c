package litefs

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"blog"
)

// fakeAPI is LiteFS's HTTP API as far as the event stream goes: each
// GET /events gets the init event from lease, then whatever the test sends.
type fakeAPI struct {
	t   *testing.T
	srv *httptest.Server

	mu      sync.Mutex
	lease   string            // the init event's data
	streams []chan string     // one per open stream: lines to send, closed to end it cleanly
	cuts    []chan struct{}   // closed to cut a stream without ending it
	opened  chan struct{}     // receives once per stream opened
	refuse  bool              // answer 503 instead of a stream
	conns   map[net.Conn]bool // every connection
}

func newFakeAPI(t *testing.T, isPrimary bool, hostname string) *fakeAPI {
	t.Helper()
	a := &fakeAPI{t: t, opened: make(chan struct{}, 16), conns: map[net.Conn]bool{}}
	a.lease = fmt.Sprintf(`{"isPrimary":%v,"hostname":%q}`, isPrimary, hostname)
	a.srv = httptest.NewUnstartedServer(http.HandlerFunc(a.serve))
	a.srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		a.mu.Lock()
		defer a.mu.Unlock()
		if s == http.StateNew {
			a.conns[c] = true
		}
	}
	a.srv.Start()
	t.Cleanup(a.srv.Close)
	return a
}

func (a *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/events" {
		http.NotFound(w, r)
		return
	}
	a.mu.Lock()
	if a.refuse {
		a.mu.Unlock()
		http.Error(w, "not now", http.StatusServiceUnavailable)
		return
	}
	lines := make(chan string, 64)
	cut := make(chan struct{})
	a.streams = append(a.streams, lines)
	a.cuts = append(a.cuts, cut)
	lease := a.lease
	a.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, `{"type":"init","data":%s}`+"\n", lease)
	w.(http.Flusher).Flush()
	a.opened <- struct{}{}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-cut:
			// Half a line, then the connection goes.
			fmt.Fprint(w, `{"type":"tx","db":"blog.d`)
			w.(http.Flusher).Flush()
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		case line, ok := <-lines:
			if !ok {
				return // as LiteFS ends the stream of a subscriber it drops
			}
			fmt.Fprint(w, line+"\n")
			w.(http.Flusher).Flush()
		}
	}
}

// send sends a line on the newest stream.
func (a *fakeAPI) send(line string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.streams[len(a.streams)-1] <- line
}

func (a *fakeAPI) tx(db string, txid uint64) {
	a.send(fmt.Sprintf(`{"type":"tx","db":%q,"data":{"txID":%q,"postApplyChecksum":"00000000000000ff","pageSize":4096,"commit":2,"timestamp":"2026-11-28T06:00:00Z"}}`,
		db, FormatTXID(txid)))
}

func (a *fakeAPI) primaryChange(isPrimary bool, hostname string) {
	a.send(fmt.Sprintf(`{"type":"primaryChange","data":{"isPrimary":%v,"hostname":%q}}`, isPrimary, hostname))
}

// drop ends the newest stream cleanly, as LiteFS does to a slow subscriber.
func (a *fakeAPI) drop() {
	a.mu.Lock()
	defer a.mu.Unlock()
	close(a.streams[len(a.streams)-1])
}

// cut breaks the newest stream in the middle of a line.
func (a *fakeAPI) cut() {
	a.mu.Lock()
	defer a.mu.Unlock()
	close(a.cuts[len(a.cuts)-1])
}

func (a *fakeAPI) waitOpened(t *testing.T) {
	t.Helper()
	select {
	case <-a.opened:
	case <-time.After(5 * time.Second):
		t.Fatal("the event stream was not opened within 5 s")
	}
}

// follow starts Events on the fake API for the mount's database, and a
// Node that follows it.
func follow(t *testing.T, m *mount, url string, metrics *Metrics) (*Node, *Events) {
	t.Helper()
	e := NewEvents(EventsConfig{
		URL: url, DB: m.db, Log: testLog(t), Metrics: metrics,
		BackoffFirst: 20 * time.Millisecond, BackoffMax: 50 * time.Millisecond,
		CheckEvery: 50 * time.Millisecond, LagGrace: 50 * time.Millisecond,
		InitWithin: 200 * time.Millisecond,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	n := NewNode(m.db)
	n.Follow(e)
	return n, e
}

// eventually waits up to 5 s for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 5 s: %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func live(e *Events) bool { _, ok := e.State(); return ok }

func requireRole(t *testing.T, n *Node, role Role, primary string) {
	t.Helper()
	r, p, err := n.Role()
	if err != nil {
		t.Fatal(err)
	}
	if r != role || p != primary {
		t.Errorf("Role() = %q, %q; want %q, %q", r, p, role, primary)
	}
}

func TestEventsHoldRoleAndTXID(t *testing.T) {
	// The mount says primary and TXID 5; the stream says replica of
	// "other". While the stream is up, the node answers from the stream.
	m := newMount(t, Primary, "")
	m.setPos(5)
	api := newFakeAPI(t, false, "other.internal")
	n, e := follow(t, m, api.srv.URL, nil)
	api.waitOpened(t)
	eventually(t, "the stream is live", func() bool { return live(e) })

	requireRole(t, n, Replica, "other.internal")
	if st, _ := n.Status(); st.TXID != FormatTXID(5) {
		t.Errorf("Status().TXID = %s, want the position file's %s at the stream's start", st.TXID, FormatTXID(5))
	}

	v0, ok := e.Version()
	if !ok {
		t.Fatal("Version() not ok while the stream is live")
	}
	api.tx("other.db", 99) // another database's transaction changes nothing
	api.tx("blog.db", 7)
	eventually(t, "TXID 7 from the tx event", func() bool { s, _ := e.State(); return s.Pos.TXID == 7 })
	if st, _ := n.Status(); st.TXID != FormatTXID(7) {
		t.Errorf("Status().TXID = %s, want %s", st.TXID, FormatTXID(7))
	}
	if v, _ := e.Version(); v == v0 {
		t.Error("Version() did not move on at a tx event")
	}

	// The very next call after primaryChange sees the new role.
	api.primaryChange(true, "")
	eventually(t, "the role from primaryChange", func() bool { s, _ := e.State(); return s.IsPrimary })
	requireRole(t, n, Primary, "")
	api.primaryChange(false, "third.internal\n")
	eventually(t, "the role from primaryChange", func() bool { s, _ := e.State(); return !s.IsPrimary })
	requireRole(t, n, Replica, "third.internal")
}

func TestEventsFallBackToTheMount(t *testing.T) {
	cases := []struct {
		name        string
		breakStream func(a *fakeAPI)
	}{
		{"stream cut mid-line", (*fakeAPI).cut},
		{"subscriber dropped", (*fakeAPI).drop},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newMount(t, Replica, "from-file")
			m.setPos(3)
			api := newFakeAPI(t, true, "")
			reg := prometheus.NewRegistry()
			n, e := follow(t, m, api.srv.URL, NewMetrics(reg, nil))
			api.waitOpened(t)
			eventually(t, "the stream is live", func() bool { return live(e) })
			requireRole(t, n, Primary, "")
			if got := gather(t, reg)["blog_litefs_events_up"]; got != 1 {
				t.Errorf("blog_litefs_events_up = %v while live, want 1", got)
			}

			api.mu.Lock()
			api.refuse = true // keep it down until the test has looked
			api.mu.Unlock()
			tc.breakStream(api)
			eventually(t, "the stream is down", func() bool { return !live(e) })
			if _, ok := e.Version(); ok {
				t.Error("Version() ok while the stream is down")
			}
			// At once the mount's answers, not the stream's last ones.
			requireRole(t, n, Replica, "from-file")
			if st, _ := n.Status(); st.TXID != FormatTXID(3) {
				t.Errorf("Status().TXID = %s, want the file's %s", st.TXID, FormatTXID(3))
			}
			if got := gather(t, reg)["blog_litefs_events_up"]; got != 0 {
				t.Errorf("blog_litefs_events_up = %v while down, want 0", got)
			}

			// It reconnects by itself.
			api.mu.Lock()
			api.refuse = false
			api.mu.Unlock()
			api.waitOpened(t)
			eventually(t, "the stream is live again", func() bool { return live(e) })
			requireRole(t, n, Primary, "")
			if got := gather(t, reg)["blog_litefs_events_reconnects_total"]; got < 1 {
				t.Errorf("blog_litefs_events_reconnects_total = %v, want ≥ 1", got)
			}
		})
	}
}

func TestEventsUnreachable(t *testing.T) {
	m := newMount(t, Replica, "from-file")
	m.setPos(4)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	l.Close() // nothing listens there

	n, e := follow(t, m, url, nil)
	time.Sleep(100 * time.Millisecond) // a few attempts
	if live(e) {
		t.Fatal("live without a stream")
	}
	requireRole(t, n, Replica, "from-file")
	if st, _ := n.Status(); st.TXID != FormatTXID(4) {
		t.Errorf("Status().TXID = %s, want %s", st.TXID, FormatTXID(4))
	}
	// Waiting works by the file.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := n.WaitForTXID(ctx, 4); err != nil {
		t.Errorf("WaitForTXID(4) with the file at 4: %v", err)
	}
}

func TestEventsSilentStreamIsTriedAgain(t *testing.T) {
	// A stream that opens and says nothing, not even init, is not waited
	// on for ever: the node reads the mount and tries again.
	m := newMount(t, Replica, "from-file")
	var opened atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		opened.Add(1)
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	n, e := follow(t, m, srv.URL, nil)
	eventually(t, "a second attempt", func() bool { return opened.Load() >= 2 })
	if live(e) {
		t.Error("live without an init event")
	}
	requireRole(t, n, Replica, "from-file")
}

func TestEventsLaggingStreamIsDropped(t *testing.T) {
	// The position file moves on and no tx event comes: the stream is
	// stalled or lagging, and the node must not keep the older TXID.
	m := newMount(t, Primary, "")
	m.setPos(10)
	api := newFakeAPI(t, true, "")
	n, e := follow(t, m, api.srv.URL, nil)
	api.waitOpened(t)
	eventually(t, "the stream is live", func() bool { return live(e) })

	api.mu.Lock()
	api.refuse = true
	api.mu.Unlock()
	m.setPos(11)
	eventually(t, "the lagging stream is dropped", func() bool { return !live(e) })
	if st, _ := n.Status(); st.TXID != FormatTXID(11) {
		t.Errorf("Status().TXID = %s, want the file's %s", st.TXID, FormatTXID(11))
	}
}

func TestWaitForTXIDIsToldByTheStream(t *testing.T) {
	m := newMount(t, Replica, "primary")
	m.setPos(1)
	api := newFakeAPI(t, false, "primary")
	n, e := follow(t, m, api.srv.URL, NewMetrics(nil, nil))
	api.waitOpened(t)
	eventually(t, "the stream is live", func() bool { return live(e) })

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- n.WaitForTXID(ctx, 8)
	}()
	// The position file stays at 1: only the event can end the wait…
	select {
	case err := <-done:
		t.Fatalf("WaitForTXID returned before the stream told of TXID 8: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	// …the tx event does.
	api.tx("blog.db", 8)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("WaitForTXID did not return after the tx event")
	}
}

func TestWaitForTXIDWhenTheStreamBreaks(t *testing.T) {
	m := newMount(t, Replica, "primary")
	m.setPos(1)
	api := newFakeAPI(t, false, "primary")
	n, e := follow(t, m, api.srv.URL, nil)
	api.waitOpened(t)
	eventually(t, "the stream is live", func() bool { return live(e) })

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- n.WaitForTXID(ctx, 6)
	}()
	time.Sleep(10 * time.Millisecond)
	api.mu.Lock()
	api.refuse = true
	api.mu.Unlock()
	m.setPos(6) // replicated while the stream is broken
	api.cut()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("WaitForTXID did not fall back to the position file")
	}
}

func TestWaitForTXIDTimesOut(t *testing.T) {
	m := newMount(t, Replica, "primary")
	m.setPos(1)
	api := newFakeAPI(t, false, "primary")
	n, e := follow(t, m, api.srv.URL, nil)
	api.waitOpened(t)
	eventually(t, "the stream is live", func() bool { return live(e) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	err := n.WaitForTXID(ctx, 9)
	if blog.ErrorCode(err) != blog.EUNAVAILABLE {
		t.Errorf("WaitForTXID past its deadline = %v, want unavailable", err)
	}
}

// TestWriteRacingAPrimaryChange: the replica forwards a write to the node
// its stream names; the lease moves while that request is on its way. The
// old primary refuses it (421, it is no replica's to run), the stream's
// primaryChange arrives, and the retry, carrying the same key, goes to the
// new primary: the write takes effect once, there.
func TestWriteRacingAPrimaryChange(t *testing.T) {
	newer := newPrimaryServer(t, "127.0.0.2", "")
	older := newPrimaryServer(t, "127.0.0.1", newer.port())
	older.mount.setRole(Replica, "127.0.0.2")

	r := newReplica(t, "from-file-never-read", newer.port(), ForwarderConfig{Timeout: 5 * time.Second})
	api := newFakeAPI(t, false, "127.0.0.1")
	_, e := follow(t, r.mount, api.srv.URL, nil)
	r.fwd.node.Follow(e)
	api.waitOpened(t)
	eventually(t, "the stream is live", func() bool { return live(e) })

	older.misbehave = func(_ int, w http.ResponseWriter, req *http.Request, endpoint http.Handler) bool {
		api.primaryChange(false, "127.0.0.2")
		eventually(t, "the new primary from the stream", func() bool { s, _ := e.State(); return s.Primary == "127.0.0.2" })
		return false
	}

	decodeTag(t, r.store.repo.Do(context.Background(), insertOp("go")))
	if got := older.store.count(t, "go"); got != 0 {
		t.Errorf("old primary holds %d tags, want 0", got)
	}
	if got := newer.store.count(t, "go"); got != 1 {
		t.Errorf("new primary holds %d tags, want 1", got)
	}
	if got := r.store.count(t, "go"); got != 0 {
		t.Errorf("the replica wrote %d tags itself, want 0", got)
	}
	ok, nk := older.requests(), newer.requests()
	if len(ok) != 1 || len(nk) != 1 || ok[0] != nk[0] {
		t.Errorf("keys sent to old primary %q and new primary %q, want one each, the same", ok, nk)
	}
}
