package web

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// logRequests writes one structured line per request, with the client's
// address as proxyTrust trusts it.
func logRequests(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err) // write the response now so its status is known
			}
			res := c.Response()
			logRequest(log, c.Request(), res.Status, res.Size, start, c.RealIP())
			return nil
		}
	}
}

// logRequest writes a request's line: at level Error for a 5xx answer.
func logRequest(log *slog.Logger, r *http.Request, status int, size int64, start time.Time, remote string) {
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	log.LogAttrs(r.Context(), level, "request",
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.Int64("bytes", size),
		slog.Duration("duration", time.Since(start)),
		slog.String("remote", remote),
	)
}
