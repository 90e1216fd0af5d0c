package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// serveMetrics serves /metrics on addr (BLOG_METRICS_ADDR), a private
// address apart from the site's: what it tells (role, write rates, the Go
// runtime) is for the operator's Prometheus, not for readers. Metrics are
// an aid, not the blog: an address that cannot be listened on is logged
// and the blog serves without them. The returned func stops the listener.
func serveMetrics(addr string, h http.Handler, log *slog.Logger) (stop func()) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Error("metrics are not served: cannot listen on BLOG_METRICS_ADDR; set it to a free private host:port",
			"addr", addr, "err", err)
		return func() {}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: time.Minute}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener stopped", "err", err)
		}
	}()
	log.Info("serving metrics", "addr", "http://"+ln.Addr().String()+"/metrics")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
}
