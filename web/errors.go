package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"blog"
	"blog/internal/httperr"
	"blog/web/views"
)

// toAppError turns any error a handler returns into a *blog.Error and its
// status. Errors that are not the application's own are logged and shown
// only as "internal".
func (s *Server) toAppError(c echo.Context, err error) (*blog.Error, int) {
	var be *blog.Error
	if errors.As(err, &be) {
		if be.Code == blog.EUNAVAILABLE && err != error(be) {
			// A cause is wrapped with it (a full disk): for the operator.
			s.log.Warn("write refused", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
		}
		return be, httperr.Status(be.Code)
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		status := he.Code
		if status == http.StatusMethodNotAllowed && c.Path() == "/*" {
			// The old addresses of posts (GET /*) take any path; any
			// other method there names nothing.
			c.Response().Header().Del(echo.HeaderAllow)
			status = http.StatusNotFound
		}
		msg := http.StatusText(status)
		if m, ok := he.Message.(string); ok && m != "" && m != msg {
			msg = m
		}
		switch status {
		case http.StatusRequestEntityTooLarge:
			msg = blog.ErrorMessage(tooLarge())
		case http.StatusMethodNotAllowed:
			msg = c.Request().Method + " is not allowed at " + c.Request().URL.Path + "."
			if allow := c.Response().Header().Get(echo.HeaderAllow); allow != "" {
				msg += " Allowed: " + allow + "."
			}
		case http.StatusNotFound:
			msg = "There is nothing at " + c.Request().URL.Path + "."
		case http.StatusInternalServerError:
			s.log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
			msg = "Internal error."
		}
		return &blog.Error{Code: httperr.Code(status), Message: msg}, status
	}
	s.log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	return &blog.Error{Code: blog.EINTERNAL, Message: blog.ErrorMessage(err)}, http.StatusInternalServerError
}

// jsonError answers be in the API's error shape,
// {"error":{"code":"…","message":"…"}}.
func jsonError(c echo.Context, status int, be *blog.Error) error {
	return c.JSON(status, map[string]any{"error": map[string]string{"code": be.Code, "message": be.Message}})
}

func isAPI(c echo.Context) bool {
	return strings.HasPrefix(c.Request().URL.Path, "/api/")
}

// handleError answers every error: JSON under /api/, an HTML page elsewhere.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	be, status := s.toAppError(c, err)
	if status == http.StatusUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", adminChallenge)
	}
	if isAPI(c) || strings.HasPrefix(c.Request().URL.Path, "/internal/") || s.jsonRoutes[c.Request().Method+" "+c.Path()] {
		_ = jsonError(c, status, be)
		return
	}
	// Pages get the bluescreen; never kept by a cache, as it may be a
	// passing failure (503) or depend on who asked (401).
	c.Response().Header().Set("Cache-Control", "no-store")
	page := s.pager.page(c, http.StatusText(status))
	// No live stream: /live follows pages that exist, and would refuse it.
	page.Live = false
	_ = render(c, status, views.ErrorPage(page, status, be.Message))
}
