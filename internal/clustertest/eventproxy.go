package clustertest

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// EventProxy stands between a node's blog and its LiteFS API (the blog's
// BLOG_LITEFS_URL), passes GET /events on line by line, and breaks the
// stream on purpose: it cuts it mid-line, ends it as LiteFS ends the stream
// of a subscriber it drops, holds events back, refuses connections, or
// slips in events LiteFS did not send.
type EventProxy struct {
	addr   string // where it listens
	target string // LiteFS's API, http://host:port
	srv    *http.Server

	mu      sync.Mutex
	ln      net.Listener // nil while refusing
	streams map[*proxiedStream]bool
	held    bool

	opened atomic.Int64
}

// proxiedStream is one open GET /events.
type proxiedStream struct {
	inject chan string   // lines to slip in
	cut    chan struct{} // closed: break the connection mid-line
	end    chan struct{} // closed: end the stream cleanly
	once   sync.Once
}

// StartEventProxy listens on addr and passes the event stream of the LiteFS
// API at target on. It stops when the test ends.
func StartEventProxy(t testing.TB, addr, target string) *EventProxy {
	t.Helper()
	p := &EventProxy{addr: addr, target: target, streams: map[*proxiedStream]bool{}}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	if err := p.listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.srv.Close() })
	return p
}

func (p *EventProxy) listen() error {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return err
	}
	p.ln = ln
	go p.srv.Serve(ln)
	return nil
}

// URL is the proxy's address, the blog's BLOG_LITEFS_URL.
func (p *EventProxy) URL() string { return "http://" + p.addr }

// Opened counts the streams the proxy has opened to LiteFS.
func (p *EventProxy) Opened() int64 { return p.opened.Load() }

// Refuse closes the proxy's port (true) or opens it again (false).
func (p *EventProxy) Refuse(t testing.TB, refuse bool) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case refuse && p.ln != nil:
		p.ln.Close()
		p.ln = nil
	case !refuse && p.ln == nil:
		if err := p.listen(); err != nil {
			t.Fatalf("the event proxy cannot listen on %s again: %v", p.addr, err)
		}
	}
}

// Hold stops passing events on (true), as a stalled connection would, or
// lets them through again (false).
func (p *EventProxy) Hold(hold bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.held = hold
}

func (p *EventProxy) isHeld() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.held
}

// each runs f on every open stream.
func (p *EventProxy) each(f func(s *proxiedStream)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for s := range p.streams {
		f(s)
	}
}

// Cut breaks every open stream in the middle of a line, with a reset.
func (p *EventProxy) Cut() { p.each(func(s *proxiedStream) { s.once.Do(func() { close(s.cut) }) }) }

// Drop ends every open stream after a whole line, as LiteFS ends the
// stream of a subscriber that fell 1,024 events behind.
func (p *EventProxy) Drop() { p.each(func(s *proxiedStream) { s.once.Do(func() { close(s.end) }) }) }

// Inject sends line, one JSON event, on every open stream.
func (p *EventProxy) Inject(line string) { p.each(func(s *proxiedStream) { s.inject <- line }) }
