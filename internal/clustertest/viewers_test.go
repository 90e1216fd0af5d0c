package clustertest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"
)

// viewers is GET /api/viewers's answer.
type viewers struct{ Site, Page int }

// openStream opens a live stream of path on n, as an open page does, and
// returns the function that closes it.
func openStream(t *testing.T, n *Node, path string) func() {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", n.URL+"/live?path="+path, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if res.StatusCode != 200 {
		cancel()
		t.Fatalf("open a stream of %s on the %s: %d", path, n.Name, res.StatusCode)
	}
	go io.Copy(io.Discard, res.Body)
	closed := false
	stop := func() {
		if !closed {
			closed = true
			cancel()
			res.Body.Close()
		}
	}
	t.Cleanup(stop)
	return stop
}

// waitViewers polls /api/viewers on n until it answers want, and returns
// how long that took.
func waitViewers(t *testing.T, c *Cluster, n *Node, path string, want viewers, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	var got viewers
	for {
		res, err := c.Client.Get(n.URL + "/api/viewers?path=" + path)
		if err == nil {
			_ = json.NewDecoder(res.Body).Decode(&got)
			res.Body.Close()
			if got == want {
				return time.Since(start)
			}
		}
		if time.Since(start) > within {
			t.Fatalf("the %s counts %+v for %s after %v, want %+v", n.Name, got, path, within, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestViewersAcrossNodes opens pages on both nodes and checks that each
// node shows the sums of both, that they fall when pages close, and that a
// node that stops leaves the sums.
func TestViewersAcrossNodes(t *testing.T) {
	c := Start(t, Options{})

	p1 := openStream(t, c.Primary, "/posts")
	openStream(t, c.Primary, "/posts")
	openStream(t, c.Replica, "/posts")
	openStream(t, c.Replica, "/")
	for _, n := range []*Node{c.Primary, c.Replica} {
		took := waitViewers(t, c, n, "/posts", viewers{Site: 4, Page: 3}, 10*time.Second)
		t.Logf("the %s shows both nodes' readers after %v", n.Name, took)
	}
	if ans, _ := c.scrape(c.Primary); !bytes.Contains(ans.Body, []byte("blog_gossip_members 2")) ||
		!bytes.Contains(ans.Body, []byte("blog_live_streams 2")) {
		t.Fatalf("the primary's metrics lack the gossip members or its streams")
	}

	p1()
	for _, n := range []*Node{c.Primary, c.Replica} {
		took := waitViewers(t, c, n, "/posts", viewers{Site: 3, Page: 2}, 5*time.Second)
		t.Logf("the %s shows a reader leaving after %v", n.Name, took)
	}

	stopped := time.Now()
	c.Replica.Stop(t)
	waitViewers(t, c, c.Primary, "/posts", viewers{Site: 1, Page: 1}, 15*time.Second)
	t.Logf("the stopped replica left the primary's sums after %v", time.Since(stopped).Round(time.Millisecond))
	if ans := c.do(t, c.Primary, "GET", "/api/viewers?path=/", nil, false, nil); !bytes.Contains(ans.Body, []byte(`"page":0`)) {
		t.Fatalf("the primary still counts the replica's reader of /: %s", ans.Body)
	}
}
