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
		if req.Method != http.MethodHead || req.URL.Path == "/live" {
			// A live stream answers GET alone: a HEAD's writes are
			// dropped here, so it would never notice its client leave.
			return next(c)
		}
		// net/http shares req, and must see HEAD again when it ends the
		// response, or it ends an empty chunked body with a terminator
		// the client reads as the start of a next response.
		req.Method = http.MethodGet
		defer func() { req.Method = http.MethodHead }()
		c.Response().Writer = bodiless{c.Response().Writer}
		return next(c)
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
