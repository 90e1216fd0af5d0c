package gossip

import (
	"errors"
	"log"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
)

// memberlist reads a whole stream into memory before it decrypts it, and
// takes streams of up to 20 MiB from anyone who connects: twenty
// connections without the key cost a node a gigabyte. The transport below
// stops that before memberlist reads: at most maxStreams incoming streams
// at once (more are closed at once), each read up to maxStreamBytes and
// alive for at most streamTimeout.
const (
	// maxStreams is how many streams others may have open to this node at
	// once. Nodes open one per message and close it within a round trip,
	// so a deployment of a few nodes rarely has more than two or three.
	maxStreams = 8
	// streamTimeout is the longest a stream stays open, read and write:
	// memberlist's own TCP time-out, which it could otherwise extend.
	streamTimeout = 5 * time.Second
	// maxMembers, memberBytes and frameBytes size a push/pull message
	// besides the counts: memberlist sends every member it knows (at most
	// about 420 bytes each: a name of up to 300 bytes, an address, a port
	// and versions), and frames the whole in a label, a type, a length
	// and AES-GCM's version, nonce and tag.
	maxMembers  = 256
	memberBytes = 512
	frameBytes  = 4096
	// memberlistLimit is the most memberlist reads of one stream itself.
	memberlistLimit = 20 << 20
)

// maxStreamBytes is the longest stream a node of the deployment sends: a
// push/pull of every member and the longest counts message. For
// live.DefaultMax readers: 1,322,000 + 256 × 512 + 4,096 = 1,457,168
// bytes (1.39 MiB).
func maxStreamBytes(maxPerNode int) int64 {
	n := int64(maxStateBytes(maxPerNode)) + maxMembers*memberBytes + frameBytes
	return min(n, memberlistLimit)
}

// errStreamTooLong is what memberlist reads once a stream has sent more
// than any node sends; it drops the stream with it.
var errStreamTooLong = errors.New("gossip stream is longer than any node sends")

// guardedTransport is memberlist's network transport with every stream
// bounded: incoming ones in number, bytes and time; outgoing ones (whose
// answers this node reads) in bytes and time.
type guardedTransport struct {
	*memberlist.NetTransport
	limit   int64
	slots   chan struct{} // holds one token per incoming stream open now
	streams chan net.Conn
	refused func(from net.Addr)
	stop    chan struct{}
	once    sync.Once
}

// listen binds ip:port for TCP and UDP and guards its streams; refused is
// told of each stream closed for being one too many. Port 0 picks a free
// port, trying again when the one TCP got is taken for UDP.
func listen(ip string, port int, limit int64, logger *log.Logger, refused func(net.Addr)) (*guardedTransport, error) {
	cfg := &memberlist.NetTransportConfig{BindAddrs: []string{ip}, BindPort: port, Logger: logger}
	var nt *memberlist.NetTransport
	var err error
	for range 10 {
		nt, err = memberlist.NewNetTransport(cfg)
		if err == nil || port != 0 || !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	t := &guardedTransport{
		NetTransport: nt,
		limit:        limit,
		slots:        make(chan struct{}, maxStreams),
		streams:      make(chan net.Conn),
		refused:      refused,
		stop:         make(chan struct{}),
	}
	go t.accept()
	return t, nil
}

// accept hands memberlist the streams there is room for, bounded.
func (t *guardedTransport) accept() {
	for {
		var c net.Conn
		select {
		case c = <-t.NetTransport.StreamCh():
		case <-t.stop:
			return
		}
		select {
		case t.slots <- struct{}{}:
		default:
			t.refused(c.RemoteAddr())
			c.Close()
			continue
		}
		bc := bound(c, t.limit, func() { <-t.slots })
		select {
		case t.streams <- bc:
		case <-t.stop:
			bc.Close()
			return
		}
	}
}

// StreamCh is where memberlist takes the incoming streams.
func (t *guardedTransport) StreamCh() <-chan net.Conn { return t.streams }

// DialTimeout opens a stream to another node.
func (t *guardedTransport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	c, err := t.NetTransport.DialTimeout(addr, timeout)
	if err != nil {
		return nil, err
	}
	return bound(c, t.limit, nil), nil
}

// DialAddressTimeout opens a stream to another node.
func (t *guardedTransport) DialAddressTimeout(a memberlist.Address, timeout time.Duration) (net.Conn, error) {
	c, err := t.NetTransport.DialAddressTimeout(a, timeout)
	if err != nil {
		return nil, err
	}
	return bound(c, t.limit, nil), nil
}

// Shutdown stops accepting and closes the listeners.
func (t *guardedTransport) Shutdown() error {
	t.once.Do(func() { close(t.stop) })
	return t.NetTransport.Shutdown()
}

// boundedConn is a stream that reads at most left more bytes and lives
// until end at the latest, whatever deadline its reader sets.
type boundedConn struct {
	net.Conn
	left    int64
	end     time.Time
	release func()
	once    sync.Once
}

// bound limits c to limit bytes read and streamTimeout; release, if not
// nil, runs once when it is closed.
func bound(c net.Conn, limit int64, release func()) *boundedConn {
	bc := &boundedConn{Conn: c, left: limit, end: time.Now().Add(streamTimeout), release: release}
	_ = c.SetDeadline(bc.end)
	return bc
}

func (c *boundedConn) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, errStreamTooLong
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.Conn.Read(p)
	c.left -= int64(n)
	return n, err
}

// earliest is t, or the stream's end if t is later or none.
func (c *boundedConn) earliest(t time.Time) time.Time {
	if t.IsZero() || t.After(c.end) {
		return c.end
	}
	return t
}

func (c *boundedConn) SetDeadline(t time.Time) error { return c.Conn.SetDeadline(c.earliest(t)) }
func (c *boundedConn) SetReadDeadline(t time.Time) error {
	return c.Conn.SetReadDeadline(c.earliest(t))
}
func (c *boundedConn) SetWriteDeadline(t time.Time) error {
	return c.Conn.SetWriteDeadline(c.earliest(t))
}

func (c *boundedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		if c.release != nil {
			c.release()
		}
	})
	return err
}
