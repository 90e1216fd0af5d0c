package web

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
)

// healthHandler reports the node's role and replication position; 503
// while the node cannot serve, with the reason.
func healthHandler(health func(context.Context) Health) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := health(c.Request().Context())
		body := map[string]string{"status": "ok", "role": h.Role, "primary": h.Primary, "txid": h.TXID}
		status := http.StatusOK
		if h.Reason != "" {
			status = http.StatusServiceUnavailable
			body["status"] = "unavailable"
			body["reason"] = h.Reason
		}
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		return c.JSON(status, body)
	}
}
