package clustertest

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// FaultMode is what a FaultProxy does with the requests it receives.
type FaultMode int

const (
	// PassThrough carries every request to the primary and its answer back.
	PassThrough FaultMode = iota
	// LoseFirstAnswer carries each request to the primary, but the first
	// time it sees a forwarded write's idempotency key it drops the
	// primary's answer and cuts the connection: the write has committed,
	// and the replica hears nothing of it.
	LoseFirstAnswer
	// Refuse closes the proxy's port, so connections are refused, and cuts
	// any connection still open.
	Refuse
	// BlackHole accepts requests and never answers them.
	BlackHole
)

func (m FaultMode) String() string {
	return [...]string{"pass-through", "lose-first-answer", "refuse", "black-hole"}[m]
}

// FaultProxy stands between a replica and the primary's blog, on the port
// the replica forwards writes to, and fails on purpose.
type FaultProxy struct {
	addr   string // where it listens
	target string // the primary's blog, host:port
	client *http.Client
	srv    *http.Server
	closed chan struct{}

	mu    sync.Mutex
	mode  FaultMode
	ln    net.Listener // nil while refusing
	conns map[net.Conn]bool
	seen  map[string]bool // idempotency keys whose answer was lost

	passed, lost, held atomic.Int64
}

// StartFaultProxy listens on addr and passes requests on to target until
// told otherwise. It stops when the test ends.
func StartFaultProxy(t testing.TB, addr, target string) *FaultProxy {
	t.Helper()
	p := &FaultProxy{
		addr:   addr,
		target: target,
		client: &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second},
		closed: make(chan struct{}),
		conns:  map[net.Conn]bool{},
		seen:   map[string]bool{},
	}
	p.srv = &http.Server{
		Handler:           p,
		ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(c net.Conn, s http.ConnState) {
			p.mu.Lock()
			defer p.mu.Unlock()
			switch s {
			case http.StateNew:
				p.conns[c] = true
			case http.StateClosed, http.StateHijacked:
				delete(p.conns, c)
			}
		},
	}
	if err := p.listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		close(p.closed)
		p.srv.Close()
	})
	return p
}

func (p *FaultProxy) listen() error {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return err
	}
	p.ln = ln
	go p.srv.Serve(ln)
	return nil
}

// Port is the port the proxy listens on: the replica's BLOG_FORWARD_PORT.
func (p *FaultProxy) Port() string {
	_, port, _ := net.SplitHostPort(p.addr)
	return port
}

// SetMode changes what the proxy does from the next request on.
func (p *FaultProxy) SetMode(t testing.TB, m FaultMode) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = m
	switch {
	case m == Refuse && p.ln != nil:
		p.ln.Close()
		p.ln = nil
		// Kept-alive connections would carry requests on.
		for c := range p.conns {
			c.Close()
		}
	case m != Refuse && p.ln == nil:
		if err := p.listen(); err != nil {
			t.Fatalf("the fault proxy cannot listen on %s again: %v", p.addr, err)
		}
	}
}

// Passed counts the requests whose answer the proxy brought back.
func (p *FaultProxy) Passed() int64 { return p.passed.Load() }

// Lost counts the answers the proxy dropped after the primary gave them.
func (p *FaultProxy) Lost() int64 { return p.lost.Load() }

// Held counts the requests the proxy swallowed in BlackHole mode.
func (p *FaultProxy) Held() int64 { return p.held.Load() }

func (p *FaultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	mode := p.mode
	p.mu.Unlock()

	switch mode {
	case Refuse:
		cut(w)
		return
	case BlackHole:
		p.held.Add(1)
		select {
		case <-r.Context().Done():
		case <-p.closed:
		}
		cut(w)
		return
	}

	body, err := io.ReadAll(r.Body)
	if err != nil {
		cut(w)
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, "http://"+p.target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	for k, vs := range r.Header {
		if k != "Connection" {
			req.Header[k] = vs
		}
	}
	resp, err := p.client.Do(req)
	if err != nil {
		cut(w)
		return
	}
	answer, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		cut(w)
		return
	}

	if mode == LoseFirstAnswer && resp.StatusCode == http.StatusOK {
		var op struct {
			Key string `json:"key"`
		}
		_ = json.Unmarshal(body, &op)
		p.mu.Lock()
		lose := op.Key != "" && !p.seen[op.Key]
		p.seen[op.Key] = true
		p.mu.Unlock()
		if lose {
			// The primary has committed and answered; the replica never
			// learns it.
			p.lost.Add(1)
			cut(w)
			return
		}
	}

	p.passed.Add(1)
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(answer)
}

// cut closes the connection without an answer.
func cut(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable: abort the handler, which closes the connection.
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		// A reset rather than an orderly close, as a crashed peer gives.
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
