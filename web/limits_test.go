package web

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// The server's timeouts cut off slow and idle clients; a stream that
// lifts its deadlines outlives them.
func TestServerTimeouts(t *testing.T) {
	mux := http.NewServeMux()
	stream := func(lift bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if lift {
				if err := streamWithoutDeadlines(w); err != nil {
					t.Errorf("lift the deadlines: %v", err)
				}
			}
			w.Header().Set("Content-Type", "text/event-stream")
			for i := range 8 {
				if _, err := fmt.Fprintf(w, "data: %d\n\n", i); err != nil {
					return
				}
				http.NewResponseController(w).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(100 * time.Millisecond):
				}
			}
		}
	}
	// Through echo, as the blog's routes are: its response must let
	// http.ResponseController reach the connection.
	e := echo.New()
	e.GET("/live", echo.WrapHandler(stream(true)))
	mux.Handle("/live", e)
	mux.HandleFunc("/slow", stream(false))
	srv := httptest.NewUnstartedServer(mux)
	srv.Config = newHTTPServer(mux)
	// The real values scaled down, so the test takes a second.
	srv.Config.ReadTimeout = 300 * time.Millisecond
	srv.Config.WriteTimeout = 300 * time.Millisecond
	srv.Config.IdleTimeout = 300 * time.Millisecond
	srv.Start()
	defer srv.Close()

	events := func(path string) int {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return strings.Count(string(b), "data: ")
	}
	if n := events("/live"); n != 8 {
		t.Errorf("a stream that lifts its deadlines got %d of 8 events", n)
	}
	if n := events("/slow"); n >= 8 {
		t.Errorf("a response longer than WriteTimeout was not cut off (%d events)", n)
	}

	// An idle kept-alive connection is closed after IdleTimeout.
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	start := time.Now()
	if _, err := br.ReadByte(); err == nil || time.Since(start) > 2*time.Second {
		t.Errorf("an idle connection was still open after %s (%v)", time.Since(start), err)
	}

	// The headers' cap.
	if got := srv.Config.MaxHeaderBytes + 4<<10; got != MaxHeader {
		t.Errorf("request line and headers are capped at %d bytes, want %d", got, MaxHeader)
	}
}

// Request line and headers over MaxHeader are refused with 431, and a
// target over MaxURI with 414, on the server the blog listens with.
func TestRequestSizeLimits(t *testing.T) {
	s := NewRig(t, RigOptions{Unstarted: true}).Server
	srv := httptest.NewUnstartedServer(s)
	srv.Config = newHTTPServer(s)
	srv.Start()
	defer srv.Close()
	get := func(path string, header ...string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := get("/health?pad=" + strings.Repeat("p", 6<<10)); got != 200 {
		t.Errorf("6 KiB address: %d, want 200", got)
	}
	if got := get("/health?pad=" + strings.Repeat("p", MaxURI)); got != 414 {
		t.Errorf("address over MaxURI: %d, want 414", got)
	}
	if got := get("/health", "X-Pad", strings.Repeat("h", 6<<10)); got != 200 {
		t.Errorf("6 KiB header: %d, want 200", got)
	}
	if got := get("/health", "X-Pad", strings.Repeat("h", MaxHeader)); got != 431 {
		t.Errorf("header over MaxHeader: %d, want 431", got)
	}
}
