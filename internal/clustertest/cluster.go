package clustertest

import (
	"crypto/rand"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// The nodes' loopback addresses.
const (
	PrimaryIP = "127.0.0.2"
	ReplicaIP = "127.0.0.3"
)

// ProfileEnv, set to any value, builds the blog with -tags blogpprof and
// has each node serve Go's profiles at Node.PprofAddr (cmd/blog/pprof.go).
const ProfileEnv = "BLOG_CLUSTER_PPROF"

// Bounds of starting and stopping.
const (
	startTimeout = 90 * time.Second
	stopTimeout  = 30 * time.Second
)

// Options change how a cluster starts.
type Options struct {
	// Proxy puts a FaultProxy between the replica and the primary: the
	// replica's BLOG_FORWARD_PORT is the proxy's, which passes writes on to
	// the primary's blog unless told to fail.
	Proxy bool
	// EventProxy puts an EventProxy between each node's blog and its
	// LiteFS API: the blog's BLOG_LITEFS_URL is the proxy's.
	EventProxy bool
	// Delay, when not zero, makes the replica a region away: its forwarded
	// writes and LiteFS's replication pass through DelayProxies that hold
	// every byte this long each way. Not with Proxy.
	Delay time.Duration
}

// Cluster is the blog on two LiteFS nodes: Primary holds a static lease,
// Replica replicates from it and forwards its writes to it.
type Cluster struct {
	Primary, Replica *Node
	Proxy            *FaultProxy // nil unless Options.Proxy

	AdminPassword string // BLOG_ADMIN_PASSWORD of both nodes
	ForwardSecret string // BLOG_FORWARD_SECRET of both nodes
	Client        *http.Client

	stopOnce sync.Once
}

// Start builds the blog, starts both nodes and waits until both serve:
// the primary as primary, the replica as a replica of it. Each node's
// config is derived from litefs.yml (DeriveNodeConfig) and its BLOG_DB from
// fly.toml; LiteFS's and the blog's output go to primary.log and
// replica.log in the test's artifact folder (kept with go test -artifacts,
// and their last lines logged when the test fails). Everything is stopped
// and unmounted when the test ends.
func Start(t testing.TB, opts Options) *Cluster {
	t.Helper()
	p := newPlan(t)
	c := newCluster()
	replica := role{name: "replica", ip: ReplicaIP, peerIP: PrimaryIP}
	replica.forwardPort, replica.primaryAPI = c.startProxies(t, p, opts)

	c.Primary = c.startNode(t, p, opts, role{name: "primary", ip: PrimaryIP, peerIP: ReplicaIP, candidate: true})
	t.Cleanup(func() { c.stop(t) })
	c.Replica = c.startNode(t, p, opts, replica)
	c.mustBeReady(t)
	return c
}

// newCluster makes up the secrets both nodes share, fresh for each test so
// that no test passes on a value another one set.
func newCluster() *Cluster {
	return &Cluster{
		AdminPassword: "admin-" + randomText(8),
		ForwardSecret: "forward-" + randomText(16),
		Client: &http.Client{
			Timeout: 30 * time.Second,
			// Tests look at the redirects themselves.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// startProxies starts the proxies opts put between the replica and the
// primary, and returns the replica's BLOG_FORWARD_PORT and the LiteFS API
// it replicates from; empty when it reaches the primary directly.
func (c *Cluster) startProxies(t testing.TB, p *plan, opts Options) (forwardPort, primaryAPI string) {
	t.Helper()
	if opts.Proxy && opts.Delay > 0 {
		t.Fatal("clustertest.Options: Proxy and Delay both stand on the replica's forwarding; choose one")
	}
	primaryBlog := hostPort(PrimaryIP, p.blogPort)
	if opts.Proxy {
		c.Proxy = StartFaultProxy(t, hostPort(PrimaryIP, p.ports.next()), primaryBlog)
		forwardPort = c.Proxy.Port()
	}
	if opts.Delay > 0 {
		fwd := StartDelayProxy(t, hostPort(PrimaryIP, p.ports.next()), primaryBlog, opts.Delay)
		forwardPort = fwd.Port()
		repl := StartDelayProxy(t, hostPort(PrimaryIP, p.ports.next()),
			hostPort(PrimaryIP, p.litefsPort), opts.Delay)
		primaryAPI = "http://" + repl.Addr()
	}
	return forwardPort, primaryAPI
}

// Stop stops both nodes and unmounts their file systems. It runs by itself
// when the test ends; call it to read complete logs before then.
func (c *Cluster) Stop(t testing.TB) {
	t.Helper()
	c.stop(t)
}

// stop stops the nodes side by side, since each may take up to
// stopTimeout, once however often it is called.
func (c *Cluster) stop(t testing.TB) {
	c.stopOnce.Do(func() {
		var wg sync.WaitGroup
		for _, n := range []*Node{c.Replica, c.Primary} {
			if n == nil || n.cmd == nil {
				continue
			}
			wg.Go(func() {
				if err := n.stop(); err != nil {
					t.Errorf("stop the %s: %v", n.Name, err)
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			c.dumpLogs(t)
		}
	})
}

// randomText returns n random lower-case letters and digits.
func randomText(n int) string {
	var s string
	for len(s) < n {
		s += strings.ToLower(rand.Text())
	}
	return s[:n]
}
