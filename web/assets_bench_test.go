package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"blog/internal/assets/assetstest"
	"blog/internal/browsertest"
)

// TestImageThroughput measures requests per second for GET
// /assets/images/{name}, a 4000×3000 photograph stored as WebP and an SVG,
// read from SQLite as a replica reads its local copy, against a plain
// net/http server that answers the same bytes from memory, in the same run.
// Like TestThroughput it runs only when BLOG_BENCH says for how long, such
// as BLOG_BENCH=4s; the report goes to the log and to
// image_throughput.txt in the test's output folder.
func TestImageThroughput(t *testing.T) {
	spec := os.Getenv("BLOG_BENCH")
	if spec == "" {
		t.Skip("set BLOG_BENCH=4s to measure image throughput")
	}
	dur, err := time.ParseDuration(spec)
	if err != nil {
		t.Fatalf("BLOG_BENCH=%q: %v", spec, err)
	}
	const clients = 8
	e := newContentEnv(t, fstest.MapFS{
		"posts/p.md":         {Data: []byte("---\ntitle: P\npublished_at: 2026-01-01\n---\nText.\n")},
		"assets/harbour.jpg": {Data: assetstest.Photo(t, 4000, 3000, 1)},
		"assets/drawing.svg": {Data: []byte(assetstest.SVG)},
	}, "")

	type route struct{ path, ctype, body string }
	routes := []route{{path: "/assets/images/harbour"}, {path: "/assets/images/drawing.svg"}}
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
	fmt.Fprintf(&report, "%-44s %12s %12s %8s %14s %14s\n", "route", "blog req/s", "plain req/s", "ratio", "blog peak", "plain peak")
	for _, rt := range routes {
		blog := load(t, e.srv.URL+rt.path, clients, dur)
		bare := load(t, plain.URL+rt.path, clients, dur)
		fmt.Fprintf(&report, "%-44s %12.0f %12.0f %7.1f%% %14s %14s\n",
			fmt.Sprintf("GET %s (%d B)", rt.path, len(rt.body)), blog.rate, bare.rate, 100*blog.rate/bare.rate,
			blog.peak, bare.peak)
	}
	t.Log("\n" + report.String())
	path := filepath.Join(browsertest.OutputDir(t), "image_throughput.txt")
	if err := os.WriteFile(path, []byte(report.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
