package gossip

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"blog/internal/live"
)

const secret = "a shared secret of the deployment"

// node is one gossiping node of a test, with its own hub.
type node struct {
	hub *live.Hub
	g   *Gossip
}

func startNode(t *testing.T, secret string, peers ...string) *node {
	t.Helper()
	hub := live.NewHub(live.Options{})
	t.Cleanup(hub.Close)
	g, err := Start(Config{Addr: "127.0.0.1:0", Peers: peers, Secret: secret, Counts: hub})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return &node{hub: hub, g: g}
}

// waitCounts waits until n's hub counts path as want.
func waitCounts(t *testing.T, n *node, path string, want live.Counts, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		got := n.hub.Counts(path)
		if got == want {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("counts of %s are %+v after %v, want %+v", path, got, within, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func open(t *testing.T, n *node, path string) *live.Stream {
	t.Helper()
	s, err := n.hub.Open(path, "")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCountsAreSummedAcrossNodes(t *testing.T) {
	a := startNode(t, secret)
	b := startNode(t, secret, a.g.Addr())
	deadline := time.Now().Add(10 * time.Second)
	for a.g.Members() != 2 || b.g.Members() != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("members: a sees %d, b sees %d, want 2", a.g.Members(), b.g.Members())
		}
		time.Sleep(50 * time.Millisecond)
	}
	s1 := open(t, a, "/posts/x")
	open(t, a, "/")
	open(t, b, "/posts/x")
	waitCounts(t, b, "/posts/x", live.Counts{Site: 3, Page: 2}, 5*time.Second)
	waitCounts(t, a, "/posts/x", live.Counts{Site: 3, Page: 2}, 5*time.Second)
	s1.Close()
	waitCounts(t, b, "/posts/x", live.Counts{Site: 2, Page: 1}, 5*time.Second)

	// A node that stops leaves: its readers are no longer counted.
	b.g.Close()
	waitCounts(t, a, "/posts/x", live.Counts{Site: 1, Page: 0}, 5*time.Second)
}

func TestDeadNodeDropsOut(t *testing.T) {
	a := startNode(t, secret)
	b := startNode(t, secret, a.g.Addr())
	open(t, b, "/")
	waitCounts(t, a, "/", live.Counts{Site: 1, Page: 1}, 10*time.Second)
	// Gone without a word, as a crashed machine.
	close(b.g.stop)
	<-b.g.done
	b.g.ml.Shutdown()
	took := waitCounts(t, a, "/", live.Counts{Site: 0, Page: 0}, 15*time.Second)
	t.Logf("a dead node dropped out after %v", took)
}

func TestOtherKeysAreShutOut(t *testing.T) {
	a := startNode(t, secret)
	open(t, a, "/")
	c := startNode(t, "another secret", a.g.Addr())
	open(t, c, "/")
	time.Sleep(3 * time.Second)
	if a.g.Members() != 1 || c.g.Members() != 1 {
		t.Fatalf("nodes with different keys joined: a sees %d members, c %d", a.g.Members(), c.g.Members())
	}
	if got := a.hub.Counts("/"); got != (live.Counts{Site: 1, Page: 1}) {
		t.Fatalf("a counts %+v, want only its own reader", got)
	}
}

func TestKey(t *testing.T) {
	k1, err := Key(secret)
	if err != nil || len(k1) != 32 {
		t.Fatalf("key %x, %v: want 32 bytes", k1, err)
	}
	k2, _ := Key(secret)
	k3, _ := Key(secret + "!")
	if !bytes.Equal(k1, k2) || bytes.Equal(k1, k3) {
		t.Fatal("the key must follow the secret, and only it")
	}
	if bytes.Contains(k1, []byte(secret[:8])) {
		t.Fatal("the key shows the secret")
	}
	if _, err := Key(""); err == nil {
		t.Fatal("an empty secret gave a key")
	}
	hub := live.NewHub(live.Options{})
	defer hub.Close()
	if _, err := Start(Config{Addr: "127.0.0.1:0", Counts: hub}); err == nil {
		t.Fatal("gossip started without a secret")
	}
}

// BenchmarkCountReachesPeer measures how long a reader arriving on one
// node takes to show in another node's counts.
func BenchmarkCountReachesPeer(b *testing.B) {
	ha, hb := live.NewHub(live.Options{}), live.NewHub(live.Options{})
	defer ha.Close()
	defer hb.Close()
	ga, err := Start(Config{Addr: "127.0.0.1:0", Secret: secret, Counts: ha})
	if err != nil {
		b.Fatal(err)
	}
	defer ga.Close()
	gb, err := Start(Config{Addr: "127.0.0.1:0", Secret: secret, Counts: hb, Peers: []string{ga.Addr()}})
	if err != nil {
		b.Fatal(err)
	}
	defer gb.Close()
	for ga.Members() != 2 || gb.Members() != 2 {
		time.Sleep(10 * time.Millisecond)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, _ := ha.Open("/", "")
		for hb.Counts("/").Page != 1 {
			time.Sleep(time.Millisecond)
		}
		s.Close()
		for hb.Counts("/").Page != 0 {
			time.Sleep(time.Millisecond)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(2*b.N), "ms/change")
}

// countingHandler counts the warnings logged.
type countingHandler struct {
	mu    *sync.Mutex
	warns *[]string
}

func (h countingHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }
func (h countingHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		h.mu.Lock()
		*h.warns = append(*h.warns, r.Message)
		h.mu.Unlock()
	}
	return nil
}
func (h countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h countingHandler) WithGroup(string) slog.Handler      { return h }

func TestUnresolvablePeersAreRetriedQuietly(t *testing.T) {
	var mu sync.Mutex
	var warns []string
	hub := live.NewHub(live.Options{})
	defer hub.Close()
	g, err := Start(Config{Addr: "127.0.0.1:0", Peers: []string{"no-such-peer.invalid", "127.0.0.1:1"}, Secret: secret,
		Counts: hub, Retry: 100 * time.Millisecond, Log: slog.New(countingHandler{&mu, &warns})})
	if err != nil {
		t.Fatalf("a peer list that does not resolve stopped the node: %v", err)
	}
	defer g.Close()
	s, _ := hub.Open("/", "")
	defer s.Close()
	time.Sleep(time.Second)
	mu.Lock()
	defer mu.Unlock()
	if len(warns) != 1 {
		t.Fatalf("logged %d warnings in a second of retries every 100 ms, want 1: %q", len(warns), warns)
	}
	if got := hub.Counts("/"); got != (live.Counts{Site: 1, Page: 1}) {
		t.Fatalf("alone, the node counts %+v", got)
	}
}

func TestPeersByDNSName(t *testing.T) {
	a := startNode(t, secret)
	_, port, _ := net.SplitHostPort(a.g.Addr())
	// b gossips on the same port on another loopback address and names
	// its peer by a host name, as <app>.internal on Fly.io.
	hub := live.NewHub(live.Options{})
	defer hub.Close()
	b, err := Start(Config{Addr: net.JoinHostPort("127.0.0.2", port), Peers: []string{"localhost"}, Secret: secret, Counts: hub})
	if err != nil {
		t.Skipf("cannot bind 127.0.0.2: %v", err)
	}
	defer b.Close()
	open(t, a, "/")
	waitCounts(t, &node{hub: hub, g: b}, "/", live.Counts{Site: 1, Page: 1}, 10*time.Second)
}

// Defect: an address without a host (the default ":7946") listened on
// every interface, public ones included. It now means loopback.
func TestAddressWithoutHostIsLoopback(t *testing.T) {
	hub := live.NewHub(live.Options{})
	defer hub.Close()
	g, err := Start(Config{Addr: ":0", Secret: secret, Counts: hub})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	host, port, _ := net.SplitHostPort(g.Addr())
	if host != "127.0.0.1" {
		t.Fatalf("gossips on %s, want 127.0.0.1", g.Addr())
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		ip, _, _ := net.ParseCIDR(a.String())
		if ip == nil || ip.IsLoopback() || ip.IsLinkLocalUnicast() {
			continue
		}
		c, err := net.DialTimeout("tcp", net.JoinHostPort(ip.String(), port), time.Second)
		if err == nil {
			c.Close()
			t.Errorf("the gossip port answers on %s", ip)
		}
	}
}
