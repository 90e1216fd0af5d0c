package gossip

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"blog/internal/live"
)

// keylessFlood opens n connections to addr, as anyone who reaches the
// gossip port can, and sends on each an "encrypted" stream of garbage
// whose length says one byte more than payload, so that a node that
// buffers it holds it until its time-out. It returns when every connection
// has sent what it could; the connections stay open until the test ends.
func keylessFlood(t testing.TB, addr string, n int, payload []byte) {
	t.Helper()
	size := len(payload) + 1
	var wg sync.WaitGroup
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		wg.Add(1)
		go func() {
			defer wg.Done()
			var head [5]byte
			head[0] = 10 // memberlist's encryptMsg
			binary.BigEndian.PutUint32(head[1:], uint32(size))
			c.SetWriteDeadline(time.Now().Add(20 * time.Second))
			if _, err := c.Write(head[:]); err == nil {
				c.Write(payload) // cut off when the node has read enough
			}
		}()
	}
	wg.Wait()
}

// heapPeak samples the heap in use until stop is closed and returns its
// highest value.
func heapPeak(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var peak uint64
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			select {
			case <-stop:
				out <- peak
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return out
}

// Attack: memberlist buffered up to 20 MiB of every stream before it
// decrypted it, so twenty connections without the key took over 400 MiB
// of a node's memory. Now a stream is cut off after the longest message
// a node sends, and at most maxStreams are open at once.
func TestKeylessStreamsCannotExhaustMemory(t *testing.T) {
	a := startNode(t, secret)
	const conns, size = 20, 20 << 20
	payload := make([]byte, size-1)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.HeapAlloc
	stop := make(chan struct{})
	peak := heapPeak(stop)
	keylessFlood(t, a.g.Addr(), conns, payload)
	time.Sleep(200 * time.Millisecond) // what was read is still held
	close(stop)
	grew := (int64(<-peak) - int64(before)) >> 20
	t.Logf("heap grew by %d MiB under %d keyless streams of %d MiB", grew, conns, size>>20)
	if grew > 100 {
		t.Fatalf("heap grew by %d MiB under %d keyless streams; want well under 100 MiB", grew, conns)
	}
	// The node still gossips.
	b := startNode(t, secret, a.g.Addr())
	open(t, b, "/")
	waitCounts(t, a, "/", live.Counts{Site: 1, Page: 1}, 10*time.Second)
}

// Attack: connections that send nothing each held a reader until
// memberlist's time-out. Now those beyond maxStreams are closed at once.
func TestExcessStreamsAreClosedAtOnce(t *testing.T) {
	a := startNode(t, secret)
	held := make([]net.Conn, maxStreams)
	for i := range held {
		c, err := net.Dial("tcp", a.g.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held[i] = c
	}
	time.Sleep(100 * time.Millisecond) // accepted, in order
	extra, err := net.Dial("tcp", a.g.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	extra.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := extra.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !isReset(err) {
		t.Fatalf("connection %d of %d at once: read %v, want it closed at once", maxStreams+1, maxStreams+1, err)
	}
	// The first ones are still being served (until their time-out).
	held[0].SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if _, err := held[0].Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("connection 1: read %v, want it still open", err)
	}
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "read" && !op.Timeout()
}

// The bound leaves room for the longest message a node sends: as many
// readers as it holds, each on its own page with the longest path.
func TestLongestStateIsDelivered(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 5,000 streams")
	}
	a := startNode(t, secret)
	b := startNode(t, secret, a.g.Addr())
	base := "/posts/"
	for i := range live.DefaultMax {
		p := []byte(base)
		for len(p) < live.MaxPath-5 {
			p = append(p, 'x')
		}
		p = append(p, []byte(padInt(i, 5))...)
		open(t, a, string(p))
	}
	waitCounts(t, b, "/", live.Counts{Site: live.DefaultMax, Page: 0}, 20*time.Second)
}

// padInt is i in n decimal digits.
func padInt(i, n int) string {
	b := make([]byte, n)
	for k := n - 1; k >= 0; k-- {
		b[k] = byte('0' + i%10)
		i /= 10
	}
	return string(b)
}
