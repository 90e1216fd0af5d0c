package clustertest

import (
	"regexp"
	"strconv"
	"testing"
)

// metric returns the value of the sample whose line starts with name
// (labels included) on n's /metrics, or -1 when there is none.
func (c *Cluster) metric(t *testing.T, n *Node, name string) float64 {
	t.Helper()
	a, err := c.scrape(n)
	if err != nil || a.Status != 200 {
		t.Fatalf("GET /metrics on the %s: %v %s", n.Name, err, a)
	}
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindSubmatch(a.Body)
	if m == nil {
		return -1
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestMetrics: each node tells its role, and the replica counts what it
// forwarded and how long it waited.
func TestMetrics(t *testing.T) {
	c := Start(t, Options{})
	for _, n := range []*Node{c.Primary, c.Replica} {
		if a := c.do(t, n, "GET", "/metrics", nil, false, nil); a.Status != 404 {
			t.Errorf("GET /metrics on the %s's public address: %s, want 404: metrics are served privately", n.Name, a)
		}
	}
	if v := c.metric(t, c.Primary, `blog_node_role{role="primary"}`); v != 1 {
		t.Fatalf("primary's role gauge = %v", v)
	}
	if v := c.metric(t, c.Replica, `blog_node_role{role="replica"}`); v != 1 {
		t.Fatalf("replica's role gauge = %v", v)
	}
	before := max(c.metric(t, c.Replica, `blog_forwarded_writes_total{outcome="ok"}`), 0)
	for range 3 {
		c.mustCreateTag(t, c.Replica, unique("counted"))
	}
	if v := c.metric(t, c.Replica, `blog_forwarded_writes_total{outcome="ok"}`); v != before+3 {
		t.Fatalf("forwarded ok = %v, want %v", v, before+3)
	}
	if v := c.metric(t, c.Replica, `blog_replication_wait_seconds_count`); v < 3 {
		t.Fatalf("replication waits counted = %v, want at least 3", v)
	}
	if v := c.metric(t, c.Replica, `blog_forward_duration_seconds_count`); v < 3 {
		t.Fatalf("forward latencies counted = %v, want at least 3", v)
	}
	if v := c.metric(t, c.Primary, `blog_forwarded_writes_total{outcome="ok"}`); v > 0 {
		t.Fatalf("the primary counts %v forwarded writes of its own", v)
	}
}
