package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// headAsGet answers HEAD like GET without the body, so link checkers and
// feed readers that ask for headers only get them for every page; but
// not at the paths of streams (a route's stream, routes.go), which answer
// GET alone: a HEAD's writes are dropped here, so a stream would never
// notice its client leave.
func headAsGet(streams map[string]bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if req.Method != http.MethodHead || streams[req.URL.Path] {
				return next(c)
			}
			// net/http shares req, and must see HEAD again when it ends
			// the response, or it ends an empty chunked body with a
			// terminator the client reads as the start of a next
			// response.
			req.Method = http.MethodGet
			defer func() { req.Method = http.MethodHead }()
			c.Response().Writer = bodiless{c.Response().Writer}
			return next(c)
		}
	}
}

// bodiless keeps the headers and status of a response and drops its body.
type bodiless struct{ http.ResponseWriter }

func (b bodiless) Write(p []byte) (int, error) { return len(p), nil }

// Flush does nothing: a flush would send the headers while the request
// still reads GET, and there is no body to hurry along.
func (b bodiless) Flush() {}

// Unwrap lets http.ResponseController reach the connection's writer.
func (b bodiless) Unwrap() http.ResponseWriter { return b.ResponseWriter }
