package clustertest

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"time"
)

// heldCheck is how often a relay looks whether Hold was lifted, so that
// held-back events go out without waiting for LiteFS's next one.
const heldCheck = 10 * time.Millisecond

// ServeHTTP opens the same request to LiteFS and passes its answer on line
// by line, so that each event can be held back, cut or joined by one the
// test slips in.
func (p *EventProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	resp, status, err := p.open(ctx, r)
	if err != nil {
		http.Error(w, err.Error(), status)
		return
	}
	defer resp.Body.Close()
	p.opened.Add(1)
	s := p.track()
	defer p.untrack(s)

	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	rl := &relay{p: p, w: w, rc: http.NewResponseController(w)}
	rl.run(ctx, s, readLines(ctx, resp.Body))
}

// open sends r on to LiteFS. On failure it returns the status to answer
// with: 500 for a request it cannot make, 502 when LiteFS does not answer.
func (p *EventProxy) open(ctx context.Context, r *http.Request) (*http.Response, int, error) {
	req, err := http.NewRequestWithContext(ctx, r.Method, p.target+r.URL.RequestURI(), nil)
	if err != nil {
		return nil, http.StatusInternalServerError, err
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, http.StatusBadGateway, err
	}
	return resp, resp.StatusCode, nil
}

// track registers a new open stream, so that Cut, Drop and Inject reach it.
func (p *EventProxy) track() *proxiedStream {
	s := &proxiedStream{inject: make(chan string, 16), cut: make(chan struct{}), end: make(chan struct{})}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.streams[s] = true
	return s
}

// untrack forgets a stream that has ended.
func (p *EventProxy) untrack(s *proxiedStream) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.streams, s)
}

// readLines sends each line LiteFS writes, newline included, until the
// stream ends, when it closes the channel, or ctx does.
func readLines(ctx context.Context, body io.Reader) <-chan []byte {
	lines := make(chan []byte)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(body)
		for sc.Scan() {
			line := append(append([]byte(nil), sc.Bytes()...), '\n')
			select {
			case lines <- line:
			case <-ctx.Done():
				return
			}
		}
	}()
	return lines
}

// relay passes one stream's lines on to the blog, holding them back while
// the proxy is held.
type relay struct {
	p       *EventProxy
	w       http.ResponseWriter
	rc      *http.ResponseController
	pending [][]byte // lines held back
}

// run passes lines on until LiteFS ends the stream, the blog goes away, or
// the test cuts or drops it; it slips in what the test injects.
func (rl *relay) run(ctx context.Context, s *proxiedStream, lines <-chan []byte) {
	tick := time.NewTicker(heldCheck)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if !rl.send() {
				return
			}
		case <-ctx.Done():
			return
		case <-s.end:
			return
		case <-s.cut:
			rl.cutMidLine()
			return
		case line := <-s.inject:
			_, _ = rl.w.Write([]byte(line + "\n"))
			_ = rl.rc.Flush()
		case line, ok := <-lines:
			if !ok {
				return // LiteFS ended the stream
			}
			rl.pending = append(rl.pending, line)
			if !rl.send() {
				return
			}
		}
	}
}

// send writes the pending lines unless the proxy is held. It reports false
// when the blog can no longer be written to.
func (rl *relay) send() bool {
	if len(rl.pending) == 0 || rl.p.isHeld() {
		return true
	}
	for _, l := range rl.pending {
		if _, err := rl.w.Write(l); err != nil {
			return false
		}
	}
	rl.pending = rl.pending[:0]
	_ = rl.rc.Flush()
	return true
}

// cutMidLine writes half an event and resets the connection, as a network
// that fails mid-stream does: the blog sees a partial line, then an error
// rather than a clean end.
func (rl *relay) cutMidLine() {
	_, _ = rl.w.Write([]byte(`{"type":"tx","db":"blo`))
	_ = rl.rc.Flush()
	if conn, _, err := rl.rc.Hijack(); err == nil {
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // a reset, not a FIN
		}
		conn.Close()
	}
}
