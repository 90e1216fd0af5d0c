package web

import (
	"log/slog"
	"net/http"
	"time"
)

// directHandler wraps a route served without the pages' middleware (a
// route's direct, routes.go) in what every request still gets: the
// request's line in the log, with the same fields as logRequests writes,
// and a recovered panic answered 500 rather than a dropped connection. The
// handler checks its own body's size and its caller's signature.
func directHandler(h http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("request panicked", "method", r.Method, "path", r.URL.Path, "panic", p)
				if !sw.wrote {
					http.Error(sw, `{"error":{"code":"internal","message":"Internal error."}}`, http.StatusInternalServerError)
				}
			}
			logRequest(log, r, sw.status, sw.bytes, start, proxyTrust{}.clientAddr(r))
		}()
		h.ServeHTTP(sw, r)
	})
}

// statusWriter notes the status and size of an answer, for the log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
}

func (w *statusWriter) WriteHeader(status int) {
	if !w.wrote {
		w.status, w.wrote = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	w.wrote = true
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
