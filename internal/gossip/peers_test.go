package gossip

import (
	"slices"
	"strings"
	"testing"
	"time"

	"blog/internal/live"
)

// TestPeersTellTheirSite: each node learns where the other serves its
// site, from the other's memberlist metadata, and forgets a node that
// leaves.
func TestPeersTellTheirSite(t *testing.T) {
	start := func(sitePort int, peers ...string) *Gossip {
		hub := live.NewHub(live.Options{})
		t.Cleanup(hub.Close)
		g, err := Start(Config{Addr: "127.0.0.1:0", Peers: peers, Secret: secret, Counts: hub, SitePort: sitePort})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { g.Close() })
		return g
	}
	a := start(8081)
	b := start(8082, a.Addr())
	c := start(0, a.Addr()) // says nothing of a site
	deadline := time.Now().Add(10 * time.Second)
	for len(a.Peers()) != 2 || len(b.Peers()) != 2 || len(c.Peers()) != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("peers: a sees %v, b %v, c %v", a.Peers(), b.Peers(), c.Peers())
		}
		time.Sleep(50 * time.Millisecond)
	}
	sites := func(g *Gossip) string {
		var s []string
		for _, p := range g.Peers() {
			s = append(s, p.SiteURL())
		}
		slices.Sort(s)
		return strings.Join(s, " ")
	}
	if got := sites(a); got != " http://127.0.0.1:8082" {
		t.Errorf("a knows the sites %q, want b's and none for c", got)
	}
	if got := sites(c); got != "http://127.0.0.1:8081 http://127.0.0.1:8082" {
		t.Errorf("c knows the sites %q, want a's and b's", got)
	}
	b.Close()
	for sites(a) != "" {
		if time.Now().After(deadline) {
			t.Fatalf("a still knows %q after b left", sites(a))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestMetaIsHeldToAPort: metadata from another node names a port of its
// own address or nothing.
func TestMetaIsHeldToAPort(t *testing.T) {
	for in, want := range map[string]int{
		`{"site":8080}`:   8080,
		``:                0,
		`{"site":0}`:      0,
		`{"site":-1}`:     0,
		`{"site":65536}`:  0,
		`{"site":80.5}`:   0,
		`{"site":"8080"}`: 0,
		`not json`:        0,
		`{"site":8080,"x":"` + strings.Repeat("a", 100) + `"}`: 0,
	} {
		if got := decodeMeta([]byte(in)); got != want {
			t.Errorf("decodeMeta(%.40q) = %d, want %d", in, got, want)
		}
	}
	if got := decodeMeta(encodeMeta(8080, 512)); got != 8080 {
		t.Errorf("a node's own metadata reads as %d", got)
	}
	if b := encodeMeta(8080, 4); b != nil {
		t.Errorf("metadata longer than memberlist allows: %q", b)
	}
}
