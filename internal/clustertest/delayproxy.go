package clustertest

import (
	"net"
	"sync"
	"testing"
	"time"
)

// DelayProxy passes TCP connections on to a target and holds every byte
// for a fixed delay in each direction, as a link between two regions
// does: a delay of 20 ms makes a 40 ms round trip. Bandwidth is not
// limited; each chunk read is written out once it is delay old.
type DelayProxy struct {
	addr   string
	target string
	delay  time.Duration
	ln     net.Listener

	mu    sync.Mutex
	conns map[net.Conn]bool
}

// StartDelayProxy listens on addr and passes connections on to target,
// delay each way. It stops, closing every connection, when the test ends.
func StartDelayProxy(t testing.TB, addr, target string, delay time.Duration) *DelayProxy {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	p := &DelayProxy{addr: addr, target: target, delay: delay, ln: ln, conns: map[net.Conn]bool{}}
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		defer p.mu.Unlock()
		for c := range p.conns {
			c.Close()
		}
	})
	return p
}

// Addr is where the proxy listens, host:port.
func (p *DelayProxy) Addr() string { return p.addr }

// Port is the port the proxy listens on.
func (p *DelayProxy) Port() string {
	_, port, _ := net.SplitHostPort(p.addr)
	return port
}

func (p *DelayProxy) track(c net.Conn, on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if on {
		p.conns[c] = true
	} else {
		delete(p.conns, c)
	}
}

func (p *DelayProxy) accept() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.serve(in)
	}
}

func (p *DelayProxy) serve(in net.Conn) {
	out, err := net.Dial("tcp", p.target)
	if err != nil {
		in.Close()
		return
	}
	p.track(in, true)
	p.track(out, true)
	var wg sync.WaitGroup
	wg.Go(func() { p.pipe(out, in) })
	wg.Go(func() { p.pipe(in, out) })
	wg.Wait()
	p.track(in, false)
	p.track(out, false)
}

// chunk is bytes read at a moment.
type chunk struct {
	data []byte
	at   time.Time
}

// pipe copies from src to dst, each chunk delay after it was read.
func (p *DelayProxy) pipe(dst, src net.Conn) {
	q := make(chan chunk, 4096)
	go func() {
		defer close(q)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				q <- chunk{buf[:n], time.Now()}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range q {
		time.Sleep(time.Until(c.at.Add(p.delay)))
		if _, err := dst.Write(c.data); err != nil {
			break
		}
	}
	// One side is done: so is the connection, both ways.
	src.Close()
	dst.Close()
	for range q {
	}
}
