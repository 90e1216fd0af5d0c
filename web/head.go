package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// headAsGet answers HEAD like GET without the body, so link checkers and
// feed readers that ask for headers only get them for every page.
func headAsGet(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.Method != http.MethodHead {
			return next(c)
		}
		req.Method = http.MethodGet
		c.Response().Writer = bodiless{c.Response().Writer}
		return next(c)
	}
}

// bodiless keeps the headers and status of a response and drops its body.
type bodiless struct{ http.ResponseWriter }

func (b bodiless) Write(p []byte) (int, error) { return len(p), nil }

// Flush passes a flush on, as templ flushes every page it renders.
func (b bodiless) Flush() {
	if f, ok := b.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (b bodiless) Unwrap() http.ResponseWriter { return b.ResponseWriter }
