package web_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// A HEAD answer has no body, not even the end of an empty chunked one,
// which the client would read as the start of its next answer on the
// same connection.
func TestHeadLeavesTheConnectionClean(t *testing.T) {
	e := newEnv(t, password)
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"HEAD", "/tags/999", 404},
		{"HEAD", "/tags", 200},
		{"GET", "/health", 200},
	} {
		fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: x\r\n\r\n", tc.method, tc.path)
		res, err := http.ReadResponse(br, &http.Request{Method: tc.method})
		if err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.path, err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != tc.status {
			t.Fatalf("%s %s: %d, want %d (the connection carries stray bytes)", tc.method, tc.path, res.StatusCode, tc.status)
		}
	}
}
