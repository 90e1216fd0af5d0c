package web

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"blog"
)

// The limits a client of the blog lives within. A blog's requests are
// small and quick: these are generous for any reader or writer, and stop
// a client that tries to hold the node's memory or connections.
const (
	// MaxBody is the largest request body accepted, API and forms alike,
	// whether it is sent with a Content-Length or in chunks.
	MaxBody = 64 << 10
	// MaxURI is the longest request target (path and query) answered;
	// longer ones get 414. It leaves 1 KiB of MaxHeader for the headers.
	MaxURI = 7 << 10
	// MaxHeader is the most bytes of request line and headers together;
	// more gets 431 from net/http. It adds up to 4 KiB of its own to
	// http.Server.MaxHeaderBytes, which is set so that the sum is this.
	MaxHeader = 8 << 10

	// ReadHeaderTimeout is how long a client may take to send its headers.
	ReadHeaderTimeout = 5 * time.Second
	// ReadTimeout is how long a client may take to send the whole request,
	// body included: 64 KiB in 10 s is 6.4 KiB/s, slower than any phone.
	ReadTimeout = 10 * time.Second
	// WriteTimeout is how long a response may take, from the end of the
	// request's headers. The slowest legitimate answer is a forwarded
	// write, which gives up on the primary after 10 s.
	WriteTimeout = 30 * time.Second
	// IdleTimeout is how long a kept-alive connection may wait for its
	// next request.
	IdleTimeout = 60 * time.Second
)

// newHTTPServer is the http.Server the blog listens with: every timeout
// set, so a slow or silent client cannot hold a connection and its
// goroutine for ever. A route that streams for longer than WriteTimeout
// (GET /live) lifts the deadlines for its own response with
// streamWithoutDeadlines.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeader - 4<<10,
	}
}

// streamWithoutDeadlines lifts the read and write deadlines of the
// server's timeouts for one response, for a route whose answer is a
// stream that lasts as long as the page is open (server-sent events).
// Both go: past ReadTimeout the server's read of the idle connection would
// fail and cancel the request's context, ending the stream.
func streamWithoutDeadlines(w http.ResponseWriter) error {
	rc := http.NewResponseController(w)
	if err := rc.SetWriteDeadline(time.Time{}); err != nil {
		return err
	}
	return rc.SetReadDeadline(time.Time{})
}

// limitRequest refuses, before routing, request targets longer than
// MaxURI (414), and handles a trailing slash: a read is redirected to the
// address without it, and any other method is answered 404, since a
// redirected write would be re-sent as a GET by most clients and lost.
func limitRequest(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if len(r.RequestURI) > MaxURI || len(r.URL.RawQuery) > MaxURI {
			return echo.NewHTTPError(http.StatusRequestURITooLong,
				fmt.Sprintf("The address is longer than %d bytes.", MaxURI))
		}
		path := r.URL.Path
		if len(path) > 1 && strings.HasSuffix(path, "/") {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				return blog.Errorf(blog.ENOTFOUND, "There is nothing at %s: drop the trailing slash.", path)
			}
			return redirect(c, http.StatusMovedPermanently, strings.TrimRight(path, "/"), r.URL.RawQuery)
		}
		return next(c)
	}
}

// limitBody holds every request body to MaxBody bytes, however it
// arrives: a declared length over it is refused at once, a chunked body
// as soon as it passes it. Forms are parsed here, so that a form too
// large is a 413 rather than an empty field further on.
func limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.ContentLength > MaxBody {
			return tooLarge()
		}
		read := r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions
		if read && r.ContentLength == 0 && len(r.TransferEncoding) == 0 {
			return next(c) // no body to hold: most requests
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, MaxBody)
		if read {
			return next(c)
		}
		mt, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
		var err error
		switch mt {
		case echo.MIMEApplicationForm:
			err = r.ParseForm()
		case echo.MIMEMultipartForm:
			err = r.ParseMultipartForm(MaxBody)
		}
		if err != nil {
			var big *http.MaxBytesError
			if errors.As(err, &big) {
				return tooLarge()
			}
			return blog.Errorf(blog.EBADREQUEST, "The form could not be read: %v.", err)
		}
		return next(c)
	}
}

func tooLarge() error {
	return blog.Errorf(blog.ETOOLARGE, "The request body is larger than %d bytes (64 KiB).", MaxBody)
}
