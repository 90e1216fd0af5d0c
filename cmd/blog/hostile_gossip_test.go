package main

import (
	"crypto/rand"
	be "encoding/binary"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests in this file attack the gossip port of the real binary, as
// anyone who reaches it can without the key.

// gossipNode starts a node that gossips on a loopback port of its own,
// with a peer that never answers, and returns it with its gossip address.
func gossipNode(t *testing.T, extra ...string) (*node, string) {
	t.Helper()
	gossip := freePort(t)
	n := startNode(t, append([]string{"BLOG_FORWARD_SECRET=shared", "BLOG_PEERS=" + freePort(t), "BLOG_GOSSIP_ADDR=" + gossip}, extra...)...)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(n.p.log(), "gossiping") {
		if time.Now().After(deadline) {
			t.Fatal("the node does not gossip")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return n, gossip
}

// Attack: memberlist buffered up to 20 MiB of every stream before it
// decrypted it; twenty connections without the key, each sending 20 MiB,
// took a node from 4 MiB to over 900 MiB of heap. Now each stream is cut
// off after the longest message a node sends (1.39 MiB) and at most 8 are
// read at once.
func TestGossipPortWithoutKeyCannotExhaustMemory(t *testing.T) {
	n, gossip := gossipNode(t)
	const conns, size = 20, 20 << 20
	before := n.heap()
	payload := make([]byte, size-1)
	var wg sync.WaitGroup
	for range conns {
		c, err := net.Dial("tcp", gossip)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			// An encrypted stream as memberlist frames it (type 10, a
			// length), of garbage, all but its last byte: a node that
			// buffers it holds it until its time-out.
			var head [5]byte
			head[0] = 10
			be.BigEndian.PutUint32(head[1:], size)
			c.SetWriteDeadline(time.Now().Add(20 * time.Second))
			if _, err := c.Write(head[:]); err == nil {
				c.Write(payload)
			}
		}()
	}
	wg.Wait()
	peak := before
	for range 5 {
		peak = max(peak, n.heap())
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("heap %.1f MiB before, %.1f MiB at most under %d keyless streams of %d MiB", before/(1<<20), peak/(1<<20), conns, size>>20)
	if grew := (peak - before) / (1 << 20); grew > 128 {
		t.Fatalf("heap grew by %.0f MiB under %d keyless gossip streams; want well under 128 MiB", grew, conns)
	}
	if a := n.do("GET", "/health", nil); a.status != 200 {
		t.Fatalf("the node does not serve after the flood: %d", a.status)
	}
}

// Attack: every garbage UDP packet to the gossip port wrote an error line
// to the log. Now each kind of line is logged at most once a minute.
func TestGossipPortGarbageCannotFloodTheLog(t *testing.T) {
	n, gossip := gossipNode(t)
	c, err := net.Dial("udp", gossip)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const packets = 300
	buf := make([]byte, 200)
	for range packets {
		rand.Read(buf)
		buf[0] = 0 // not a label header: straight to decryption
		c.Write(buf)
		time.Sleep(time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	lines := strings.Count(n.p.log(), "Decrypt packet failed")
	if lines == 0 {
		t.Fatal("garbage packets logged nothing: the test does not reach the gossip")
	}
	if lines > 2 {
		t.Fatalf("%d garbage packets logged %d lines, want at most one or two", packets, lines)
	}
}
