package clustertest

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Node is one LiteFS process running the blog.
type Node struct {
	Name    string // "primary" or "replica"
	IP      string
	URL     string      // the blog's base URL, http://IP:port
	Metrics string      // the blog's private metrics listener, http://IP:port
	FUSEDir string      // the LiteFS mount
	DB      string      // BLOG_DB, inside FUSEDir
	Config  string      // the node's litefs.yml
	LogPath string      // LiteFS's and the blog's output
	API     string      // LiteFS's HTTP API on this node, http://IP:port
	Events  *EventProxy // between the blog and API, when Options.EventProxy

	litefs string            // the litefs binary
	env    map[string]string // BLOG_ settings, passed on to the blog
	cmd    *exec.Cmd
	done   chan struct{} // closed when the process has exited
	err    error         // its exit status, once done
}

// PprofAddr is where the node's blog serves Go's profiles when ProfileEnv
// is set.
func (n *Node) PprofAddr() string { return net.JoinHostPort(n.IP, "6060") }

// role is what sets one node apart from the other.
type role struct {
	name   string // "primary" or "replica"
	ip     string
	peerIP string // the other node's, for gossip
	// candidate holds the static lease: the primary.
	candidate bool
	// forwardPort and primaryAPI are where the replica's forwarded writes
	// and replication go when a proxy stands in the way; empty, they go
	// straight to the primary, as on Fly.
	forwardPort string
	primaryAPI  string
}

// startNode sets a node up from the plan and starts it, with an
// EventProxy in front of its LiteFS API when opts ask for one.
func (c *Cluster) startNode(t testing.TB, p *plan, opts Options, r role) *Node {
	t.Helper()
	n := p.newNode(t, r)
	n.env = c.blogEnv(p, n, r)
	if opts.EventProxy {
		n.Events = StartEventProxy(t, hostPort(r.ip, p.ports.next()), n.API)
		n.env["BLOG_LITEFS_URL"] = n.Events.URL()
	}
	n.start(t)
	return n
}

// newNode derives the node's litefs.yml from the deployed one
// (DeriveNodeConfig) and writes it under the node's root, the folder that
// stands for its machine's /.
func (p *plan) newNode(t testing.TB, r role) *Node {
	t.Helper()
	nodeRoot := filepath.Join(p.tmp, r.name)
	cfg, err := DeriveNodeConfig(p.base, NodeSpec{
		IP: r.ip, Root: nodeRoot, Candidate: r.candidate, PrimaryIP: PrimaryIP,
		LiteFSPort: p.litefsPort, Blog: p.blog, PrimaryAPI: r.primaryAPI,
	})
	if err != nil {
		t.Fatal(err)
	}
	n := &Node{
		Name:    r.name,
		IP:      r.ip,
		URL:     "http://" + hostPort(r.ip, p.blogPort),
		Metrics: "http://" + net.JoinHostPort(r.ip, p.metricsPort),
		FUSEDir: cfg.FUSEDir,
		DB:      Rebase(nodeRoot, p.dbPath),
		Config:  filepath.Join(nodeRoot, "litefs.yml"),
		LogPath: filepath.Join(p.logs, r.name+".log"),
		API:     "http://" + hostPort(r.ip, p.litefsPort),
		litefs:  p.litefs,
	}
	if err := writeConfig(n.Config, cfg); err != nil {
		t.Fatal(err)
	}
	return n
}

// writeConfig makes the folders the node's config names, which LiteFS
// expects to exist, and writes the config where `litefs mount` reads it.
func writeConfig(path string, cfg NodeConfig) error {
	for _, dir := range []string{cfg.FUSEDir, cfg.DataDir} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	return os.WriteFile(path, cfg.YAML, 0o644)
}

// blogEnv is the node's BLOG_ settings: what fly.toml and Fly's secrets
// give a machine, with this cluster's addresses and secrets. LiteFS passes
// them on to the blog it runs.
func (c *Cluster) blogEnv(p *plan, n *Node, r role) map[string]string {
	env := map[string]string{
		"BLOG_DB":             n.DB,
		"BLOG_ADDR":           hostPort(r.ip, p.blogPort),
		"BLOG_FORWARD_SECRET": c.ForwardSecret,
		"BLOG_ADMIN_PASSWORD": c.AdminPassword,
		// Viewer counts are gossiped between the two, as on Fly.
		"BLOG_GOSSIP_ADDR":  net.JoinHostPort(r.ip, p.gossipPort),
		"BLOG_PEERS":        net.JoinHostPort(r.peerIP, p.gossipPort),
		"BLOG_LITEFS_URL":   n.API,
		"BLOG_METRICS_ADDR": net.JoinHostPort(r.ip, p.metricsPort),
	}
	// Without a proxy BLOG_FORWARD_PORT stays unset, as on Fly: replicas
	// forward to the port of their own BLOG_ADDR.
	if r.forwardPort != "" {
		env["BLOG_FORWARD_PORT"] = r.forwardPort
	}
	if os.Getenv(ProfileEnv) != "" {
		env["BLOG_PPROF_ADDR"] = n.PprofAddr()
	}
	return env
}

// Restart starts a stopped node again, with the same config, data and
// settings, and waits until its blog serves in the role it had.
func (n *Node) Restart(t testing.TB, c *Cluster) {
	t.Helper()
	if !n.Exited() {
		t.Fatalf("restart the %s: it is still running", n.Name)
	}
	n.start(t)
	c.mustBeReady(t)
}
