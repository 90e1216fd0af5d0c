package main

import (
	"bufio"
	"context"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"blog/internal/blogtest"
)

// metric reads one unlabelled metric of the blog's /metrics, served at
// base (BLOG_METRICS_ADDR).
func metric(tb testing.TB, base, name string) float64 {
	tb.Helper()
	res, err := http.Get(base + "/metrics")
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				tb.Fatal(err)
			}
			return f
		}
	}
	tb.Fatalf("no %s in /metrics", name)
	return 0
}

// BenchmarkLiveStreamMemory opens 1,000 live streams on the real binary and
// reports how much its resident memory grew.
func BenchmarkLiveStreamMemory(b *testing.B) {
	const streams = 1000
	bin := blogtest.Binary(b)
	dir := b.TempDir()
	addr, metricsAddr := freePort(b), freePort(b)
	base, metrics := "http://"+addr, "http://"+metricsAddr
	// One address may hold a fiftieth of the streams: allow the 1,000
	// this benchmark opens from loopback.
	p := start(b, bin, dir, cleanEnv("BLOG_ADDR="+addr, "BLOG_DB="+filepath.Join(dir, "blog.db"),
		"BLOG_METRICS_ADDR="+metricsAddr, "BLOG_LIVE_MAX=50000"), "serve")
	defer p.cmd.Process.Kill()
	waitHealthy(b, base)
	// Warm up: a page, a stream, the metrics, so that what is measured
	// is the streams alone.
	http.Get(base + "/posts")
	metric(b, metrics, "process_resident_memory_bytes")
	time.Sleep(time.Second)
	before := metric(b, metrics, "process_resident_memory_bytes")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 0, MaxIdleConnsPerHost: streams}}
	b.ResetTimer()
	for i := 0; i < streams; i++ {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/live?path=/posts", nil)
		res, err := client.Do(req)
		if err != nil || res.StatusCode != 200 {
			b.Fatalf("stream %d: %v", i, err)
		}
		defer res.Body.Close()
	}
	for metric(b, metrics, "blog_live_streams") != streams {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second)
	b.StopTimer()
	after := metric(b, metrics, "process_resident_memory_bytes")
	b.ReportMetric((after-before)/(1<<20), "MB/1000streams")
	b.ReportMetric(after/(1<<20), "MB-rss")
}
