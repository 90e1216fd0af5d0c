package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// viewers reads the node's /api/viewers for path.
func (n *node) viewers(path string) (site, page int) {
	n.t.Helper()
	a := n.do("GET", "/api/viewers?path="+path, nil)
	var c struct{ Site, Page int }
	if err := json.Unmarshal([]byte(a.body), &c); err != nil {
		n.t.Fatalf("/api/viewers: %d %s", a.status, a.body)
	}
	return c.Site, c.Page
}

// Defect: HEAD /live with a declared body, then a hang-up, held one of the
// node's live streams for ever; 5,000 such requests locked every reader
// out, and /api/viewers counted them. Now no request but a bodiless GET
// opens a stream, one address holds at most its share, and readers from
// elsewhere still get theirs.
func TestLiveStreamsCannotBeTakenByOneClient(t *testing.T) {
	n := startNode(t, "BLOG_LIVE_MAX=100") // a share of 4 streams per address
	for i := 0; i < 200; i++ {
		conn, err := net.Dial("tcp", n.addr)
		if err != nil {
			t.Fatal(err)
		}
		method := []string{"HEAD", "GET"}[i%2]
		io.WriteString(conn, method+" /live?path=/ HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n")
		conn.Close()
	}
	// Streams that never read: the node keeps at most the client's share.
	var held []net.Conn
	for i := 0; i < 10; i++ {
		conn, err := net.Dial("tcp", n.addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, conn)
		io.WriteString(conn, "GET /live?path=/ HTTP/1.1\r\nHost: x\r\n\r\n")
	}
	time.Sleep(500 * time.Millisecond)
	if site, _ := n.viewers("/"); site > 4 {
		t.Fatalf("one address holds %d streams, more than its share of 4", site)
	}
	// A reader at another address still gets a stream.
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}
	conn, err := d.Dial("tcp", n.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /live?path=/ HTTP/1.1\r\nHost: x\r\n\r\n")
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("a reader at another address: %v %v, want 200", res, err)
	}
	// Readers that leave are no longer counted.
	for _, c := range held {
		c.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		site, _ := n.viewers("/")
		if site == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d streams counted after the others left, want the one reader", site)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Defect: GET /%09/evil.example/ answered 301 to "/\t/evil.example",
// which a browser reads as //evil.example; /signin?next= did the same.
func TestRedirectsNeverLeaveTheSite(t *testing.T) {
	n := startNode(t)
	for _, path := range []string{
		"/%09/evil.example/",
		"/%0a/evil.example/",
		"/%0d%0a/evil.example/",
		"/%5C/evil.example/",
		"/%5Cevil.example/",
		"//evil.example/",
		"/%2F/evil.example/",
		"/./%09/evil.example/",
	} {
		a := n.do("GET", path, nil)
		loc := a.header.Get("Location")
		if a.status/100 == 3 && !onSite(loc) {
			t.Errorf("GET %s: %d to %q, off the site", path, a.status, loc)
		}
	}
	for _, next := range []string{"/%09/evil.example/", "/%0A/evil.example", "%5C%5Cevil.example", "/%5Cevil.example", "https://evil.example"} {
		a := n.do("GET", "/signin?next="+next, nil, "Authorization", "Basic "+basic("admin", "pw"))
		if loc := a.header.Get("Location"); a.status != http.StatusSeeOther || !onSite(loc) {
			t.Errorf("sign in, next=%s: %d to %q, want 303 to a page of the site", next, a.status, loc)
		}
	}
}

// onSite reports whether a browser following loc stays on the site: what
// it reads once it drops tabs and newlines and takes \ for /.
func onSite(loc string) bool {
	read := strings.NewReplacer("\t", "", "\n", "", "\r", "", `\`, "/").Replace(loc)
	return strings.HasPrefix(read, "/") && !strings.HasPrefix(read, "//")
}

// Defect: /metrics, with the node's role, write rates and runtime, was
// served to anyone on the site's port. Now the site answers 404 and the
// metrics are on BLOG_METRICS_ADDR.
func TestMetricsAreServedPrivately(t *testing.T) {
	n := startNode(t)
	if a := n.do("GET", "/metrics", nil); a.status != 404 || strings.Contains(a.body, "go_memstats") {
		t.Errorf("GET /metrics on the site's port: %d, want 404", a.status)
	}
	if h := n.heap(); h <= 0 {
		t.Errorf("the private metrics tell a heap of %v", h)
	}
}
