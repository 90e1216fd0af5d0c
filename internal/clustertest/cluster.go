package clustertest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"blog/deploy"
	"blog/internal/blogtest"
)

// The nodes' loopback addresses.
const (
	PrimaryIP = "127.0.0.2"
	ReplicaIP = "127.0.0.3"
)

// ProfileEnv, set to any value, builds the blog with -tags blogpprof and
// has each node serve Go's profiles at Node.PprofAddr (cmd/blog/pprof.go).
const ProfileEnv = "BLOG_CLUSTER_PPROF"

// PprofAddr is where the node's blog serves Go's profiles when ProfileEnv
// is set.
func (n *Node) PprofAddr() string { return net.JoinHostPort(n.IP, "6060") }

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

// Requirements lists what the cluster needs that this machine lacks: root,
// /dev/fuse, fusermount3, sqlite3, litefs. It returns the litefs binary.
func Requirements() (litefs string, missing []string) {
	if os.Geteuid() != 0 {
		missing = append(missing, "root (LiteFS mounts FUSE)")
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		missing = append(missing, "/dev/fuse")
	}
	for _, tool := range []string{"fusermount3", "sqlite3"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	litefs, err := exec.LookPath("litefs")
	if err != nil {
		// scripts/test installs it with go install.
		gopath, _ := exec.Command("go", "env", "GOPATH").Output()
		for _, dir := range filepath.SplitList(strings.TrimSpace(string(gopath))) {
			if p := filepath.Join(dir, "bin", "litefs"); isExecutable(p) {
				litefs = p
				break
			}
		}
	}
	if litefs == "" {
		missing = append(missing, "litefs (go install github.com/superfly/litefs/cmd/litefs@v0.5.14)")
	}
	return litefs, missing
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// Require returns the litefs binary, or ends the test when the machine
// cannot run the cluster: skipped on a developer's machine, failed under CI
// (CI set), where a silent skip would hide that nothing ran.
func Require(t testing.TB) string {
	t.Helper()
	litefs, missing := Requirements()
	if len(missing) > 0 {
		msg := "the LiteFS cluster needs " + strings.Join(missing, ", ") + " (./scripts/test installs them)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return litefs
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
	litefs := Require(t)
	root, err := deploy.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	var extra []string
	if os.Getenv(ProfileEnv) != "" {
		extra = append(extra, "blogpprof")
	}
	blog := blogtest.Binary(t, extra...)
	base, err := os.ReadFile(filepath.Join(root, deploy.LiteFSFile))
	if err != nil {
		t.Fatal(err)
	}
	dbPath, err := deployedDB(root)
	if err != nil {
		t.Fatal(err)
	}

	tmp := t.TempDir()
	logs := t.ArtifactDir()
	blogPort := freePort(t)
	litefsPort := freePort(t, blogPort)
	// Every further port (gossip, proxies) comes from port(), so no two
	// of them can be the same.
	taken := []int{blogPort, litefsPort}
	port := func() int {
		p := freePort(t, taken...)
		taken = append(taken, p)
		return p
	}
	gossipPort := strconv.Itoa(port())
	metricsPort := strconv.Itoa(port())

	c := &Cluster{
		AdminPassword: "admin-" + randomText(8),
		ForwardSecret: "forward-" + randomText(16),
		Client: &http.Client{
			Timeout: 30 * time.Second,
			// Tests look at the redirects themselves.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	// Without the proxy BLOG_FORWARD_PORT stays unset, as on Fly: replicas
	// forward to the port of their own BLOG_ADDR.
	replicaForwardPort := ""
	if opts.Proxy && opts.Delay > 0 {
		t.Fatal("clustertest.Options: Proxy and Delay both stand on the replica's forwarding; choose one")
	}
	if opts.Proxy {
		c.Proxy = StartFaultProxy(t, net.JoinHostPort(PrimaryIP, strconv.Itoa(port())),
			net.JoinHostPort(PrimaryIP, strconv.Itoa(blogPort)))
		replicaForwardPort = c.Proxy.Port()
	}
	replicaPrimaryAPI := ""
	if opts.Delay > 0 {
		fwd := StartDelayProxy(t, net.JoinHostPort(PrimaryIP, strconv.Itoa(port())),
			net.JoinHostPort(PrimaryIP, strconv.Itoa(blogPort)), opts.Delay)
		replicaForwardPort = fwd.Port()
		repl := StartDelayProxy(t, net.JoinHostPort(PrimaryIP, strconv.Itoa(port())),
			net.JoinHostPort(PrimaryIP, strconv.Itoa(litefsPort)), opts.Delay)
		replicaPrimaryAPI = "http://" + repl.Addr()
	}

	newNode := func(name, ip, peerIP string, candidate bool, forwardPort, primaryAPI string) *Node {
		nodeRoot := filepath.Join(tmp, name)
		cfg, err := DeriveNodeConfig(base, NodeSpec{
			IP: ip, Root: nodeRoot, Candidate: candidate, PrimaryIP: PrimaryIP,
			LiteFSPort: litefsPort, Blog: blog, PrimaryAPI: primaryAPI,
		})
		if err != nil {
			t.Fatal(err)
		}
		n := &Node{
			Name:    name,
			IP:      ip,
			URL:     "http://" + net.JoinHostPort(ip, strconv.Itoa(blogPort)),
			Metrics: "http://" + net.JoinHostPort(ip, metricsPort),
			FUSEDir: cfg.FUSEDir,
			DB:      Rebase(nodeRoot, dbPath),
			Config:  filepath.Join(nodeRoot, "litefs.yml"),
			LogPath: filepath.Join(logs, name+".log"),
			API:     "http://" + net.JoinHostPort(ip, strconv.Itoa(litefsPort)),
			litefs:  litefs,
		}
		for _, dir := range []string{cfg.FUSEDir, cfg.DataDir} {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(n.Config, cfg.YAML, 0o644); err != nil {
			t.Fatal(err)
		}
		n.env = map[string]string{
			"BLOG_DB":             n.DB,
			"BLOG_ADDR":           net.JoinHostPort(ip, strconv.Itoa(blogPort)),
			"BLOG_FORWARD_SECRET": c.ForwardSecret,
			"BLOG_ADMIN_PASSWORD": c.AdminPassword,
			// Viewer counts are gossiped between the two, as on Fly.
			"BLOG_GOSSIP_ADDR":  net.JoinHostPort(ip, gossipPort),
			"BLOG_PEERS":        net.JoinHostPort(peerIP, gossipPort),
			"BLOG_LITEFS_URL":   n.API,
			"BLOG_METRICS_ADDR": net.JoinHostPort(ip, metricsPort),
		}
		if forwardPort != "" {
			n.env["BLOG_FORWARD_PORT"] = forwardPort
		}
		if os.Getenv(ProfileEnv) != "" {
			n.env["BLOG_PPROF_ADDR"] = n.PprofAddr()
		}
		if opts.EventProxy {
			n.Events = StartEventProxy(t, net.JoinHostPort(ip, strconv.Itoa(port())), n.API)
			n.env["BLOG_LITEFS_URL"] = n.Events.URL()
		}
		n.start(t)
		return n
	}
	c.Primary = newNode("primary", PrimaryIP, ReplicaIP, true, "", "")
	t.Cleanup(func() { c.stop(t) })
	c.Replica = newNode("replica", ReplicaIP, PrimaryIP, false, replicaForwardPort, replicaPrimaryAPI)

	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := c.waitReady(ctx); err != nil {
		c.dumpLogs(t)
		t.Fatal(err)
	}
	return c
}

// start runs `litefs mount` for the node, with its BLOG_ settings added to
// this process's environment less its own BLOG_ and FLY_ settings. LiteFS
// passes that environment on to the blog it runs. The log is appended to.
func (n *Node) start(t testing.TB) {
	t.Helper()
	logFile, err := os.OpenFile(n.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(n.litefs, "mount", "-config", n.Config)
	cmd.Dir = filepath.Dir(n.Config)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BLOG_") && !strings.HasPrefix(kv, "FLY_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range n.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// A group of its own, so that the blog LiteFS runs can be stopped with
	// it should LiteFS not stop it; and SIGTERM, on which LiteFS stops the
	// blog and unmounts, should the test process die without cleaning up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("start litefs for the %s: %v", n.Name, err)
	}
	done := make(chan struct{})
	n.cmd, n.done = cmd, done
	go func() {
		n.err = cmd.Wait()
		logFile.Close()
		close(done)
	}()
}

// Stop stops the node: SIGTERM to LiteFS, which stops the blog, releases
// the lease and unmounts.
func (n *Node) Stop(t testing.TB) {
	t.Helper()
	if err := n.stop(); err != nil {
		t.Fatalf("stop the %s: %v", n.Name, err)
	}
}

// Restart starts a stopped node again, with the same config, data and
// settings, and waits until its blog serves in the role it had.
func (n *Node) Restart(t testing.TB, c *Cluster) {
	t.Helper()
	if !n.Exited() {
		t.Fatalf("restart the %s: it is still running", n.Name)
	}
	n.start(t)
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := c.waitReady(ctx); err != nil {
		c.dumpLogs(t)
		t.Fatal(err)
	}
}

// waitReady waits until the primary's blog reports role primary and the
// replica's reports role replica with the primary's address.
func (c *Cluster) waitReady(ctx context.Context) error {
	want := []struct {
		n       *Node
		role    string
		primary string
	}{{c.Primary, "primary", ""}, {c.Replica, "replica", PrimaryIP}}
	for _, w := range want {
		var last string
		for {
			h, status, err := w.n.health(ctx, c.Client)
			switch {
			case err != nil:
				last = err.Error()
			case status == http.StatusOK && h.Role == w.role && h.Primary == w.primary:
				last = ""
			default:
				last = fmt.Sprintf("/health answered %d %+v", status, h)
			}
			if last == "" {
				break
			}
			select {
			case <-w.n.done:
				return fmt.Errorf("the %s's litefs exited (%v) before it served; last: %s", w.n.Name, w.n.err, last)
			case <-ctx.Done():
				return fmt.Errorf("the %s did not serve as %s within %s; last: %s", w.n.Name, w.role, startTimeout, last)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

// Health is a node's answer to GET /health.
type Health struct {
	Status  string `json:"status"`
	Role    string `json:"role"`
	Primary string `json:"primary"`
	TXID    string `json:"txid"`
	Reason  string `json:"reason"`
}

func (n *Node) health(ctx context.Context, client *http.Client) (Health, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, n.URL+"/health", nil)
	if err != nil {
		return Health{}, 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return Health{}, 0, err
	}
	defer resp.Body.Close()
	var h Health
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		return Health{}, resp.StatusCode, fmt.Errorf("/health: %w", err)
	}
	return h, resp.StatusCode, nil
}

// Health asks the node's blog for its health.
func (n *Node) Health(t testing.TB, client *http.Client) (Health, int) {
	t.Helper()
	h, status, err := n.health(context.Background(), client)
	if err != nil {
		t.Fatalf("%s: %v", n.Name, err)
	}
	return h, status
}

// Stop stops both nodes and unmounts their file systems. It runs by itself
// when the test ends; call it to read complete logs before then.
func (c *Cluster) Stop(t testing.TB) {
	t.Helper()
	c.stop(t)
}

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

// stop sends SIGTERM to LiteFS, which passes it to the blog and unmounts,
// and kills the process group should that take too long.
func (n *Node) stop() error {
	if n.cmd == nil {
		return nil
	}
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(stopTimeout):
		_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
		<-n.done
	}
	// Whatever LiteFS left running in its group goes too.
	_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
	if mounted(n.FUSEDir) {
		if out, err := exec.Command("fusermount3", "-u", n.FUSEDir).CombinedOutput(); err != nil {
			if out2, err2 := exec.Command("fusermount3", "-uz", n.FUSEDir).CombinedOutput(); err2 != nil {
				return fmt.Errorf("unmount %s: %v: %s; %v: %s", n.FUSEDir, err, out, err2, out2)
			}
		}
	}
	return nil
}

// mounted reports whether dir is a mount point.
func mounted(dir string) bool {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && unescapeMount(fields[4]) == dir {
			return true
		}
	}
	return false
}

func unescapeMount(s string) string {
	r := strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`)
	return r.Replace(s)
}

// Exited reports whether the node's LiteFS process has exited.
func (n *Node) Exited() bool {
	select {
	case <-n.done:
		return true
	default:
		return false
	}
}

// Log returns what the node's LiteFS and blog have printed so far.
func (n *Node) Log(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(n.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (c *Cluster) dumpLogs(t testing.TB) {
	for _, n := range []*Node{c.Primary, c.Replica} {
		if n == nil {
			continue
		}
		b, err := os.ReadFile(n.LogPath)
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
		if len(lines) > 80 {
			lines = lines[len(lines)-80:]
		}
		t.Logf("last lines of the %s's log (%s):\n%s", n.Name, n.LogPath, strings.Join(lines, "\n"))
	}
}

// Query runs a statement that reads with the sqlite3 shell on the node's
// database, the way docs/DEPLOY.md tells operators to: sqlite3 -readonly.
//
// The shell must not open the live database read-write. It locks with
// fcntl(2), the blog with flock(2) (the sqlite3_flock build), so neither
// sees the other's lock on the database file: a read-write shell takes
// itself for the last connection when it exits, checkpoints and deletes
// the WAL under the running blog, and LiteFS fails the next commit and
// drops the mount.
func (n *Node) Query(t testing.TB, sql string) string {
	t.Helper()
	out, err := n.query(sql)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (n *Node) query(sql string) (string, error) {
	return n.sqlite3("-readonly", "-bail", "-cmd", ".timeout 5000", n.DB, sql)
}

// Exec runs statements that write with the sqlite3 shell on the primary's
// database, bypassing the blog. The shell neither checkpoints nor deletes
// the WAL on its way out (see Query).
func (n *Node) Exec(t testing.TB, sql string) {
	t.Helper()
	if _, err := n.sqlite3("-bail", "-cmd", ".timeout 5000", "-cmd", ".dbconfig no_ckpt_on_close on", n.DB, sql); err != nil {
		t.Fatal(err)
	}
}

func (n *Node) sqlite3(args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("sqlite3", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("sqlite3 on the %s's database: %v: %s", n.Name, err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// Count counts the tags labelled label in the node's database with the
// sqlite3 shell: SELECT COUNT(*) FROM tags WHERE label='…'.
func (n *Node) Count(t testing.TB, label string) int {
	t.Helper()
	out := n.Query(t, "SELECT COUNT(*) FROM tags WHERE label="+sqlQuote(label))
	c, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("count on the %s: %q: %v", n.Name, out, err)
	}
	return c
}

func sqlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// freePort returns a TCP port free on both nodes' addresses, other than
// those in taken.
func freePort(t testing.TB, taken ...int) int {
	t.Helper()
	for range 50 {
		l1, err := net.Listen("tcp", net.JoinHostPort(PrimaryIP, "0"))
		if err != nil {
			t.Fatal(err)
		}
		port := l1.Addr().(*net.TCPAddr).Port
		l2, err := net.Listen("tcp", net.JoinHostPort(ReplicaIP, strconv.Itoa(port)))
		l1.Close()
		if err == nil && slices.Contains(taken, port) {
			l2.Close()
			continue
		}
		if err == nil {
			l2.Close()
			return port
		}
	}
	t.Fatal("no port free on both loopback addresses")
	return 0
}

// randomText returns n random lower-case letters and digits.
func randomText(n int) string {
	var s string
	for len(s) < n {
		s += strings.ToLower(rand.Text())
	}
	return s[:n]
}
