package web_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"blog/content"
	"blog/internal/browsertest"
)

// TestThroughput measures requests per second for a post page, for the
// tag list with 250 tags and for a tag's page (which carries the reader's
// CSRF token), against a plain net/http server that answers the same bytes
// from memory with their length, in the same run, and reports the ratio
// and the peak memory of each. Neither load keeps cookies, so the blog
// makes a CSRF token for every request to a tag page, as for a new reader.
// It is a measurement, not a check, so it runs only when BLOG_BENCH names
// how long to load each server, such as BLOG_BENCH=5s; the report goes to
// the log and to throughput.txt in the test's output folder.
func TestThroughput(t *testing.T) {
	spec := os.Getenv("BLOG_BENCH")
	if spec == "" {
		t.Skip("set BLOG_BENCH=5s to measure throughput")
	}
	dur, err := time.ParseDuration(spec)
	if err != nil {
		t.Fatalf("BLOG_BENCH=%q: %v", spec, err)
	}
	const clients = 8

	e := newContentEnv(t, content.FS, "")
	ctx := context.Background()
	for i := len(mustList(t, e)); i < 250; i++ {
		if _, err := e.tags.Create(ctx, fmt.Sprintf("tag %03d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(mustList(t, e)); n != 250 {
		t.Fatalf("%d tags, want 250", n)
	}

	type route struct{ path, ctype, body string }
	routes := []route{{path: primaryPost}, {path: "/tags"}, {path: tagPage(e.tagID("litefs"))}}
	for i := range routes {
		r := e.get(routes[i].path)
		if r.status != 200 {
			t.Fatalf("GET %s = %d", routes[i].path, r.status)
		}
		routes[i].ctype, routes[i].body = r.header.Get("Content-Type"), r.body
	}
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, rt := range routes {
			if rt.path == r.URL.Path {
				w.Header().Set("Content-Type", rt.ctype)
				w.Header().Set("Content-Length", strconv.Itoa(len(rt.body)))
				_, _ = io.WriteString(w, rt.body)
				return
			}
		}
		http.NotFound(w, r)
	}))
	defer plain.Close()

	var report strings.Builder
	fmt.Fprintf(&report, "%d clients, %s per server and route, GOMAXPROCS %d\n", clients, dur, runtime.GOMAXPROCS(0))
	fmt.Fprintf(&report, "%-40s %12s %12s %8s %14s %14s\n", "route", "blog req/s", "plain req/s", "ratio", "blog peak", "plain peak")
	for _, rt := range routes {
		blog := load(t, e.srv.URL+rt.path, clients, dur)
		bare := load(t, plain.URL+rt.path, clients, dur)
		fmt.Fprintf(&report, "%-40s %12.0f %12.0f %7.1f%% %14s %14s\n",
			fmt.Sprintf("GET %s (%d B)", rt.path, len(rt.body)), blog.rate, bare.rate, 100*blog.rate/bare.rate,
			blog.peak, bare.peak)
	}
	t.Log("\n" + report.String())
	path := filepath.Join(browsertest.OutputDir(t), "throughput.txt")
	if err := os.WriteFile(path, []byte(report.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustList(t *testing.T, e *contentEnv) []int {
	t.Helper()
	list, err := e.tags.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return make([]int, len(list))
}

type loadResult struct {
	rate float64 // requests per second
	peak memPeak
}

// memPeak is the most memory the process held while a load ran: its
// resident set (the kernel's high-water mark) and the Go heap in use.
type memPeak struct{ rss, heap uint64 }

func (m memPeak) String() string {
	return fmt.Sprintf("%.0f/%.0f MiB", float64(m.rss)/(1<<20), float64(m.heap)/(1<<20))
}

// load sends GET url from clients goroutines for dur and counts the
// answers. Every answer must be a 200 read to its end.
func load(t *testing.T, url string, clients int, dur time.Duration) loadResult {
	t.Helper()
	runtime.GC()
	resetPeakRSS()
	tr := &http.Transport{MaxIdleConnsPerHost: clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}

	var n atomic.Int64
	var failed atomic.Value
	deadline := time.Now().Add(dur)
	var heap atomic.Uint64
	stop := make(chan struct{})
	go func() { // sample the Go heap while the load runs
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > heap.Load() {
				heap.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				resp, err := c.Get(url)
				if err != nil {
					failed.Store(err.Error())
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failed.Store(resp.Status)
					return
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stop)
	if f := failed.Load(); f != nil {
		t.Fatalf("GET %s: %v", url, f)
	}
	return loadResult{rate: float64(n.Load()) / elapsed.Seconds(), peak: memPeak{rss: peakRSS(), heap: heap.Load()}}
}

// resetPeakRSS starts a new high-water mark of the resident set (Linux).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS reads the resident set's high-water mark, VmHWM, in bytes.
func peakRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
