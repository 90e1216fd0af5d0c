package clustertest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"blog/internal/sqlite"
)

// The blog follows LiteFS's event stream (internal/litefs/events.go). These
// tests run it against real LiteFS, with an EventProxy in the stream where
// a test must break it.

// filePos reads the TXID LiteFS keeps in the node's "<db>-pos" file.
func (n *Node) filePos(t testing.TB) uint64 {
	t.Helper()
	b, err := os.ReadFile(n.DB + "-pos")
	if err != nil {
		t.Fatal(err)
	}
	txid, _, _ := strings.Cut(strings.TrimSpace(string(b)), "/")
	v, err := strconv.ParseUint(txid, 16, 64)
	if err != nil {
		t.Fatalf("%s-pos: %q: %v", n.DB, b, err)
	}
	return v
}

// healthTXID is the TXID the node's /health reports.
func (c *Cluster) healthTXID(t testing.TB, n *Node) uint64 {
	t.Helper()
	h, _ := n.Health(t, c.Client)
	v, err := strconv.ParseUint(h.TXID, 16, 64)
	if err != nil {
		t.Fatalf("/health on the %s: txid %q: %v", n.Name, h.TXID, err)
	}
	return v
}

// within waits up to d for cond, checking every 5 ms.
func within(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// tagsPage is the replica's /tags page.
func (c *Cluster) tagsPage(t *testing.T, n *Node) string {
	t.Helper()
	a := c.do(t, n, "GET", "/tags", nil, false, nil)
	if a.Status != http.StatusOK {
		t.Fatalf("GET /tags on the %s: %s", n.Name, a)
	}
	return string(a.Body)
}

func txEvent(txid uint64) string {
	return fmt.Sprintf(`{"type":"tx","db":"blog.db","data":{"txID":"%016x","postApplyChecksum":"0000000000000001","pageSize":4096,"commit":9,"timestamp":"2026-11-28T06:00:00Z"}}`, txid)
}

func primaryChange(isPrimary bool, hostname string) string {
	return fmt.Sprintf(`{"type":"primaryChange","data":{"isPrimary":%v,"hostname":%q}}`, isPrimary, hostname)
}

// TestRoleAndTXIDFromEvents: both nodes follow their LiteFS's stream, and
// what /health and the writes use is what the stream says, not the files.
func TestRoleAndTXIDFromEvents(t *testing.T) {
	c := Start(t, Options{EventProxy: true})
	for _, n := range []*Node{c.Primary, c.Replica} {
		within(t, 5*time.Second, n.Name+" follows the stream", func() bool { return c.metric(t, n, "blog_litefs_events_up") == 1 })
	}

	c.mustCreateTag(t, c.Primary, unique("events"))
	want := c.Primary.filePos(t)
	for _, n := range []*Node{c.Primary, c.Replica} {
		within(t, 5*time.Second, n.Name+" reports the primary's TXID", func() bool { return c.healthTXID(t, n) == want })
	}

	// Events LiteFS did not send show that the answers are the stream's:
	// the files still name 127.0.0.2 and the real TXID.
	c.Replica.Events.Inject(primaryChange(false, "stream.example"))
	c.Replica.Events.Inject(txEvent(want + 1000))
	within(t, 5*time.Second, "the replica reports the stream's primary and TXID", func() bool {
		h, _ := c.Replica.Health(t, c.Client)
		return h.Primary == "stream.example" && h.TXID == fmt.Sprintf("%016x", want+1000)
	})

	// A new stream starts from LiteFS's own state again.
	c.Replica.Events.Cut()
	within(t, 5*time.Second, "the replica follows a new stream", func() bool {
		return c.Replica.Events.Opened() >= 2 && c.metric(t, c.Replica, "blog_litefs_events_up") == 1
	})
	if h, _ := c.Replica.Health(t, c.Client); h.Primary != PrimaryIP || h.TXID != fmt.Sprintf("%016x", want) {
		t.Errorf("/health on the replica after reconnecting: %+v, want primary %s and TXID %016x", h, PrimaryIP, want)
	}
}

// checkFresh writes on the primary and on the replica and checks that the
// replica's pages show each write as soon as LiteFS has reported it, and
// its own forwarded write as soon as it returns.
func checkFresh(t *testing.T, c *Cluster, prefix string) {
	t.Helper()
	c.tagsPage(t, c.Replica) // cached
	onPrimary := unique(prefix + "-p")
	c.mustCreateTag(t, c.Primary, onPrimary)
	txid := c.Primary.filePos(t)
	within(t, 10*time.Second, "the replica reports the write", func() bool { return c.healthTXID(t, c.Replica) >= txid })
	if page := c.tagsPage(t, c.Replica); !strings.Contains(page, onPrimary) {
		t.Errorf("the replica's /tags lacks %q, replicated and reported", onPrimary)
	}
	onReplica := unique(prefix + "-r")
	c.mustCreateTag(t, c.Replica, onReplica)
	if page := c.tagsPage(t, c.Replica); !strings.Contains(page, onReplica) {
		t.Errorf("the replica's /tags lacks %q, its own forwarded write", onReplica)
	}
	requireCount(t, c, onReplica, 1)
}

// TestEventsFallback: whatever happens to the stream, the replica at once
// reads the role and position from the mount, serves no stale page, still
// forwards its writes, and follows the stream again once it can.
//
// "subscriber dropped" ends the stream after a whole line, as LiteFS's
// handler does when it drops a subscriber (http/server.go). Making LiteFS
// itself drop one would take tens of thousands of transactions here: the
// kernel's socket buffers hold megabytes of events before LiteFS's 1,024
// fill. "stream stalled" holds events back while LiteFS goes on: the blog
// finds its stream behind blog.db-pos and drops it itself.
func TestEventsFallback(t *testing.T) {
	c := Start(t, Options{EventProxy: true})
	r := c.Replica
	within(t, 5*time.Second, "the replica follows the stream", func() bool { return c.metric(t, r, "blog_litefs_events_up") == 1 })
	checkFresh(t, c, "live")

	cases := []struct {
		name string
		do   func()
		log  string // what the replica's log says of it
	}{
		{"API unreachable", func() { r.Events.Refuse(t, true); r.Events.Cut() }, "connection refused"},
		{"stream cut mid-way", func() { r.Events.Refuse(t, true); r.Events.Cut() }, "read the event stream"},
		{"subscriber dropped", func() { r.Events.Refuse(t, true); r.Events.Drop() }, "LiteFS closed the event stream"},
		{"stream stalled", func() { r.Events.Hold(true) }, "behind the database's position file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opened := r.Events.Opened()
			logged := len(r.Log(t))
			tc.do()
			if tc.name != "stream stalled" {
				within(t, 5*time.Second, "the replica falls back", func() bool { return c.metric(t, r, "blog_litefs_events_up") == 0 })
				h, status := r.Health(t, c.Client)
				if status != http.StatusOK || h.Role != "replica" || h.Primary != PrimaryIP {
					t.Errorf("/health on the replica without the stream: %d %+v", status, h)
				}
			}
			checkFresh(t, c, "fallback")
			within(t, 5*time.Second, "the replica's log tells why", func() bool { return strings.Contains(r.Log(t)[logged:], tc.log) })

			r.Events.Hold(false)
			r.Events.Refuse(t, false)
			within(t, 10*time.Second, "the replica follows the stream again", func() bool {
				return c.metric(t, r, "blog_litefs_events_up") == 1 && r.Events.Opened() > opened
			})
			checkFresh(t, c, "back")
		})
	}
	requireNoWriteErrors(t, r)
}

// TestPrimaryChangeDuringAWrite: the replica's stream names a primary that
// cannot be reached; a write starts and is retried; then the stream names
// the real primary again. The very next attempt goes there, and the write
// takes effect once. (The static lease of this cluster cannot move, so
// the changes are events slipped into the replica's stream; LiteFS sends
// the same on a real change.)
func TestPrimaryChangeDuringAWrite(t *testing.T) {
	c := Start(t, Options{EventProxy: true})
	r := c.Replica
	within(t, 5*time.Second, "the replica follows the stream", func() bool { return c.metric(t, r, "blog_litefs_events_up") == 1 })
	retries := c.metric(t, r, "blog_forward_retries_total")

	r.Events.Inject(primaryChange(false, "127.0.0.9")) // nobody listens there
	within(t, 5*time.Second, "the replica names the new primary", func() bool {
		h, _ := r.Health(t, c.Client)
		return h.Primary == "127.0.0.9"
	})
	label := unique("moved")
	done := make(chan answer, 1)
	go func() {
		_, a, err := c.createTag(r, label)
		if err != nil {
			a = answer{Status: -1, Body: []byte(err.Error())}
		}
		done <- a
	}()
	within(t, 5*time.Second, "the write is retried against the unreachable primary", func() bool {
		return c.metric(t, r, "blog_forward_retries_total") > retries
	})
	r.Events.Inject(primaryChange(false, PrimaryIP))
	select {
	case a := <-done:
		if a.Status != http.StatusCreated {
			t.Fatalf("the write across the primary change: %s", a)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the write did not finish after the primary came back")
	}
	requireCount(t, c, label, 1)
	if page := c.tagsPage(t, r); !strings.Contains(page, label) {
		t.Errorf("the replica's /tags lacks %q after the write returned", label)
	}

	// The primary told it is no longer primary sends its next write on to
	// the node the stream names, and does not write locally.
	c.Primary.Events.Inject(primaryChange(false, "127.0.0.9"))
	within(t, 5*time.Second, "the primary takes itself for a replica", func() bool {
		h, _ := c.Primary.Health(t, c.Client)
		return h.Role == "replica"
	})
	gone := unique("gone")
	if _, a, err := c.createTag(c.Primary, gone); err != nil || a.Status != http.StatusServiceUnavailable {
		t.Errorf("a write on the demoted primary: %s %v, want 503", a, err)
	}
	if n := c.Primary.Count(t, gone); n != 0 {
		t.Errorf("the demoted primary wrote %d tags %q", n, gone)
	}
	c.Primary.Events.Inject(primaryChange(true, ""))
	within(t, 5*time.Second, "the primary is primary again", func() bool {
		h, _ := c.Primary.Health(t, c.Client)
		return h.Role == "primary"
	})
	c.mustCreateTag(t, c.Primary, unique("again"))
}

// TestNoStalePageAfterReplicatedWrite: with the stream up, the replica's
// cached pages never miss a write LiteFS has reported, round after round.
func TestNoStalePageAfterReplicatedWrite(t *testing.T) {
	c := Start(t, Options{})
	within(t, 5*time.Second, "the replica follows the stream", func() bool { return c.metric(t, c.Replica, "blog_litefs_events_up") == 1 })
	for i := range 15 {
		checkFresh(t, c, fmt.Sprintf("round%d", i))
	}
}

// TestTxEventFollowsReadableData: LiteFS sends a tx event only once the
// transaction is readable on that node. Tags are created on the primary
// one at a time; each node's stream is read directly from LiteFS, and at
// every tx event the node's database is read at once. No read after an
// event may miss a tag whose transaction the event includes.
func TestTxEventFollowsReadableData(t *testing.T) {
	c := Start(t, Options{})
	prefix := unique("readable")
	const writes = 30

	type seen struct {
		txid  uint64
		count int
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	seenOn := map[string][]seen{}
	var wg sync.WaitGroup
	for _, n := range []*Node{c.Primary, c.Replica} {
		db, err := sqlite.Open(n.DB, sqlite.Options{Replica: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		stmt, err := db.Prepare(`SELECT COUNT(*) FROM tags WHERE label LIKE ? || '-%'`)
		if err != nil {
			t.Fatal(err)
		}
		defer stmt.Close()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, n.API+"/events", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		wg.Go(func() {
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				var ev struct {
					Type string `json:"type"`
					DB   string `json:"db"`
					Data struct {
						TXID string `json:"txID"`
					} `json:"data"`
				}
				if json.Unmarshal(sc.Bytes(), &ev) != nil || ev.Type != "tx" || ev.DB != "blog.db" {
					continue
				}
				var count int
				if err := stmt.QueryRow(prefix).Scan(&count); err != nil {
					t.Errorf("read on the %s after an event: %v", n.Name, err)
					return
				}
				txid, _ := strconv.ParseUint(ev.Data.TXID, 16, 64)
				mu.Lock()
				seenOn[n.Name] = append(seenOn[n.Name], seen{txid, count})
				mu.Unlock()
			}
		})
	}

	committed := make([]uint64, writes) // the TXID after write i
	for i := range writes {
		c.mustCreateTag(t, c.Primary, fmt.Sprintf("%s-%d", prefix, i))
		committed[i] = c.Primary.filePos(t)
	}
	last := committed[writes-1]
	within(t, 10*time.Second, "both streams reach the last write", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, n := range []string{"primary", "replica"} {
			s := seenOn[n]
			if len(s) == 0 || s[len(s)-1].txid < last {
				return false
			}
		}
		return true
	})
	cancel()
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	for name, events := range seenOn {
		checked := 0
		for _, s := range events {
			want := 0
			for _, tx := range committed {
				if tx <= s.txid {
					want++
				}
			}
			if s.count < want {
				t.Errorf("the %s read %d tags right after the tx event %016x, which includes %d", name, s.count, s.txid, want)
			}
			if want > 0 {
				checked++
			}
		}
		if checked < writes {
			t.Errorf("the %s's stream told of %d of the %d writes", name, checked, writes)
		}
	}
}
