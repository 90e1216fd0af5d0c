package web

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"blog/internal/live"
)

// pipeListener hands the server one end of in-memory connections, which
// buffer nothing: a client that stops reading stops every write at once,
// as a full socket buffer does after a while.
type pipeListener struct {
	conns chan net.Conn
	once  sync.Once
	done  chan struct{}
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) dial() net.Conn {
	client, server := net.Pipe()
	l.conns <- server
	return client
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error   { l.once.Do(func() { close(l.done) }); return nil }
func (l *pipeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

// Defect: a live stream whose reader stopped reading was kept for ever,
// with whatever it was sent buffered for it. Now every write has a
// deadline, and a stream that misses one ends and is no longer counted.
func TestLiveDropsAReaderThatDoesNotRead(t *testing.T) {
	hub := live.NewHub(live.Options{Max: 10})
	t.Cleanup(hub.Close)
	rig := NewRig(t, RigOptions{Unstarted: true})
	s := rig.Server
	pages := newPageFinder(routeTable(s.newHandlers(withDefaultDeps(Deps{Tags: rig.Tags}))))
	streams := &liveStreams{hub: hub, pages: pages, stop: make(chan struct{}),
		heartbeat: 50 * time.Millisecond, writeTimeout: 200 * time.Millisecond}
	s.echo.GET("/live", streams.stream)
	ln := newPipeListener()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln, time.Second, nil) }()
	t.Cleanup(func() { cancel(); <-done })

	conn := ln.dial()
	defer conn.Close()
	go io.WriteString(conn, "GET /live?path=/tags HTTP/1.1\r\nHost: x\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("open: %v %v", res, err)
	}
	if got := hub.Counts("/tags"); got.Page != 1 {
		t.Fatalf("the open stream is not counted: %+v", got)
	}
	// The reader now reads nothing more; its next heartbeat cannot be
	// written, and within the write deadline the stream is gone.
	deadline := time.Now().Add(5 * time.Second)
	for hub.Counts("/tags").Page != 0 {
		if time.Now().After(deadline) {
			t.Fatal("a stream whose reader does not read is still open after 5 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
