package main

import (
	"blog/internal/blogtest"
	"context"
	be "encoding/binary"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkNodeUnderEveryAttack measures the most memory anyone on the
// network can make one node hold at once, with every bounded attack of
// docs/SECURITY.md together: every live stream the node allows
// (BLOG_LIVE_MAX, from enough addresses to pass the share of each), the
// gossip port's every slot taken by keyless streams of the longest length
// it reads, and thousands of distinct long-query pages for the page cache.
// It reports the process's resident memory and Go heap before and after.
//
//	go test -tags sqlite3_flock -run '^$' -bench NodeUnderEveryAttack -benchtime 1x ./cmd/blog/
func BenchmarkNodeUnderEveryAttack(b *testing.B) {
	// The default BLOG_LIVE_MAX, and fly.toml's.
	for _, streams := range []int{5000, 2000} {
		b.Run(fmt.Sprintf("streams=%d", streams), func(b *testing.B) { attackNode(b, streams) })
	}
}

func attackNode(b *testing.B, streams int) {
	bin := blogtest.Binary(b)
	dir := b.TempDir()
	addr, metricsAddr, gossip := freePort(b), freePort(b), freePort(b)
	base, metrics := "http://"+addr, "http://"+metricsAddr
	p := start(b, bin, dir, cleanEnv("BLOG_ADDR="+addr, "BLOG_DB="+filepath.Join(dir, "blog.db"),
		"BLOG_METRICS_ADDR="+metricsAddr, "BLOG_FORWARD_SECRET=shared", "BLOG_PEERS="+freePort(b),
		"BLOG_GOSSIP_ADDR="+gossip, fmt.Sprintf("BLOG_LIVE_MAX=%d", streams)), "serve")
	defer p.cmd.Process.Kill()
	waitHealthy(b, base)
	http.Get(base + "/posts")
	time.Sleep(time.Second)
	rssBefore := metric(b, metrics, "process_resident_memory_bytes")
	heapBefore := metric(b, metrics, "go_memstats_heap_alloc_bytes")
	b.ResetTimer()

	// Live streams, from 127.0.1.x: each address holds its share.
	share := max(4, streams/50)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clients := map[int]*http.Client{}
	for i := 0; i < streams; i++ {
		a := i / share
		if clients[a] == nil {
			d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 1, byte(a+1))}}
			clients[a] = &http.Client{Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: share}}
		}
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/live?path=/posts", nil)
		res, err := clients[a].Do(req)
		if err != nil || res.StatusCode != 200 {
			b.Fatalf("stream %d: %v %v", i, res, err)
		}
		defer res.Body.Close()
	}
	// The gossip port: more keyless streams than it reads at once, each
	// sending all but the last byte of the longest stream it takes.
	const gossipStreams, longest = 20, 1457168
	junk := make([]byte, longest-1)
	for range gossipStreams {
		c, err := net.Dial("tcp", gossip)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		go func() {
			var head [5]byte
			head[0] = 10 // an encrypted message, as memberlist frames it
			be.BigEndian.PutUint32(head[1:], longest)
			c.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if _, err := c.Write(head[:]); err == nil {
				c.Write(junk)
			}
		}()
	}
	// The page cache: distinct searches as long as it keeps.
	pad := strings.Repeat("w", 400)
	for i := range 3000 {
		res, err := http.Get(fmt.Sprintf("%s/posts?q=%s%d", base, pad, i))
		if err != nil {
			b.Fatal(err)
		}
		res.Body.Close()
	}
	var rss, heap float64
	for range 10 {
		rss = max(rss, metric(b, metrics, "process_resident_memory_bytes"))
		heap = max(heap, metric(b, metrics, "go_memstats_heap_alloc_bytes"))
		time.Sleep(200 * time.Millisecond)
	}
	b.StopTimer()
	if n := metric(b, metrics, "blog_live_streams"); n != float64(streams) {
		b.Fatalf("%v streams held, want %d", n, streams)
	}
	b.ReportMetric(rssBefore/(1<<20), "MiB-rss-before")
	b.ReportMetric(rss/(1<<20), "MiB-rss-attacked")
	b.ReportMetric(heapBefore/(1<<20), "MiB-heap-before")
	b.ReportMetric(heap/(1<<20), "MiB-heap-attacked")
}
