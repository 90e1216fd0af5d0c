package litefs

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// lags is a Recorder that keeps what it is told.
type lags struct {
	mu              sync.Mutex
	lag, forwarding []time.Duration
}

func (l *lags) ReplicationLag(d time.Duration) { l.mu.Lock(); l.lag = append(l.lag, d); l.mu.Unlock() }
func (l *lags) ForwardLatency(d time.Duration) {
	l.mu.Lock()
	l.forwarding = append(l.forwarding, d)
	l.mu.Unlock()
}

func (l *lags) lagged() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Duration(nil), l.lag...)
}

func txAt(db string, txid uint64, committed string) string {
	return fmt.Sprintf(`{"type":"tx","db":%q,"data":{"txID":%q,"postApplyChecksum":"00000000000000ff","pageSize":4096,"commit":2,"timestamp":%q}}`,
		db, FormatTXID(txid), committed)
}

// TestEventsMeasureReplicationLag: on a replica, each transaction's lag is
// the time from the primary's commit, which the tx event carries, to the
// event; it goes to the metrics and to the recorder of the cluster page.
// The primary measures none, and an event whose time cannot be read is
// still followed.
func TestEventsMeasureReplicationLag(t *testing.T) {
	m := newMount(t, Replica, "primary.internal")
	api := newFakeAPI(t, false, "primary.internal")
	reg := prometheus.NewRegistry()
	metrics := NewMetrics(reg, nil)
	rec := &lags{}
	metrics.RecordTo(rec)
	_, e := follow(t, m, api.srv.URL, metrics)
	api.waitOpened(t)
	eventually(t, "the stream is live", func() bool { return live(e) })

	committed := time.Now().Add(-80 * time.Millisecond)
	api.send(txAt("blog.db", 2, committed.UTC().Format(time.RFC3339Nano)))
	eventually(t, "TXID 2", func() bool { s, _ := e.State(); return s.Pos.TXID == 2 })
	got := rec.lagged()
	if len(got) != 1 || got[0] < 80*time.Millisecond || got[0] > time.Since(committed) {
		t.Fatalf("lags recorded %v, want one of at least 80 ms, the time since the commit", got)
	}
	// LiteFS's own format, to the millisecond; a clock ahead of ours
	// counts as no lag, never as a negative one.
	api.send(txAt("blog.db", 3, time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")))
	eventually(t, "TXID 3", func() bool { s, _ := e.State(); return s.Pos.TXID == 3 })
	if got := rec.lagged(); len(got) != 2 || got[1] != 0 {
		t.Fatalf("lags recorded %v, want a second of 0", got)
	}
	api.send(txAt("blog.db", 4, "not a time"))
	eventually(t, "TXID 4", func() bool { s, _ := e.State(); return s.Pos.TXID == 4 })
	if !live(e) || len(rec.lagged()) != 2 {
		t.Fatalf("after a tx without a readable time: live %v, lags %v", live(e), rec.lagged())
	}
	if n := gather(t, reg)["blog_replication_lag_seconds"]; n != 2 {
		t.Errorf("blog_replication_lag_seconds counts %v transactions, want 2", n)
	}

	api.primaryChange(true, "")
	eventually(t, "primary", func() bool { s, _ := e.State(); return s.IsPrimary })
	api.send(txAt("blog.db", 5, committed.UTC().Format(time.RFC3339Nano)))
	eventually(t, "TXID 5", func() bool { s, _ := e.State(); return s.Pos.TXID == 5 })
	if got := rec.lagged(); len(got) != 2 {
		t.Errorf("the primary measured a lag of its own commit: %v", got)
	}
}
