//go:build blogpprof

package main

import (
	"net/http"
	"net/http/pprof"
	"os"
)

// A binary built with -tags blogpprof serves Go's profiles on
// BLOG_PPROF_ADDR (for example 127.0.0.3:6060), so that the blog can be
// profiled where it runs under LiteFS (docs/BENCHMARKS.md). The deployed
// binary is built without the tag and has none of this.
func init() {
	addr := os.Getenv("BLOG_PPROF_ADDR")
	if addr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	go func() { _ = http.ListenAndServe(addr, mux) }()
}
