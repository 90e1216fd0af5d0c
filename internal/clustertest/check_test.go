package clustertest

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"blog/internal/blogtest"
)

// checkRun is one run of `blog check`.
type checkRun struct {
	code           int
	stdout, stderr string
}

// runCheck runs `blog check args…` as an operator would, with the
// environment env (and PATH, nothing else of this process's).
func runCheck(t *testing.T, env map[string]string, args ...string) checkRun {
	t.Helper()
	cmd := exec.Command(blogtest.Binary(t), append([]string{"check"}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := checkRun{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	t.Logf("blog check %s → %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	return r
}

// row returns the line of the check's table that starts with url.
func (r checkRun) row(t *testing.T, url string) []string {
	t.Helper()
	for l := range strings.Lines(r.stdout) {
		if f := strings.Fields(l); len(f) > 0 && f[0] == url {
			return f
		}
	}
	t.Fatalf("the check prints no row for %s:\n%s", url, r.stdout)
	return nil
}

// TestCheckComparesTheNodes runs `blog check` against the two nodes: they
// agree, with the counts sqlite3 reads on each; it finds them by
// BLOG_PEERS when given no address; it says so, and exits 1, against a
// node of another deployment; and it names a password the nodes refuse.
func TestCheckComparesTheNodes(t *testing.T) {
	c := Start(t, Options{})
	label := unique("checked")
	c.mustCreateTag(t, c.Replica, label)
	requireReplicated(t, c, label, 1)
	admin := map[string]string{"BLOG_ADMIN_PASSWORD": c.AdminPassword}

	r := runCheck(t, admin, c.Primary.URL, c.Replica.URL)
	if r.code != 0 || !strings.Contains(r.stdout, "OK: the 2 nodes hold the same rows at TXID") {
		t.Fatalf("blog check on one cluster: exit %d, want 0 and OK", r.code)
	}
	primary, replica := r.row(t, c.Primary.URL), r.row(t, c.Replica.URL)
	if primary[1] != "primary" || replica[1] != "replica" || primary[3] != replica[3] || strings.Contains(r.stdout, "*") {
		t.Errorf("rows %q and %q: want the primary and the replica at one TXID, nothing marked", primary, replica)
	}
	// Each count is the one sqlite3 reads on that node (TAGS … KEYS).
	for _, n := range []*Node{c.Primary, c.Replica} {
		row := r.row(t, n.URL)
		for i, table := range []string{"tags", "posts", "projects", "assets", "idempotency_keys"} {
			want := strings.TrimSpace(n.Query(t, "SELECT COUNT(*) FROM "+table))
			if got := row[4+i]; got != want {
				t.Errorf("on the %s blog check counts %s %s, sqlite3 %s", n.Name, got, table, want)
			}
		}
	}

	// No address: the nodes BLOG_PEERS names, as on a machine of the
	// deployment (fly ssh console -C 'blog check'), where this node is
	// BLOG_ADDR and its peer is listed by its gossip address.
	peers := map[string]string{"BLOG_ADMIN_PASSWORD": c.AdminPassword,
		"BLOG_ADDR": c.Primary.env["BLOG_ADDR"], "BLOG_PEERS": c.Primary.env["BLOG_PEERS"]}
	if r := runCheck(t, peers); r.code != 0 || len(r.row(t, c.Primary.URL)) == 0 || len(r.row(t, c.Replica.URL)) == 0 {
		t.Errorf("blog check by BLOG_PEERS: exit %d, want 0 with both nodes", r.code)
	}

	// A node of another deployment: a standalone blog with the same
	// content and password, but not the cluster's tag.
	other := startStandalone(t, c.AdminPassword)
	r = runCheck(t, admin, c.Primary.URL, other)
	if r.code != 1 || !strings.Contains(r.stdout, "DIFFERENT") {
		t.Fatalf("blog check on unrelated nodes: exit %d, want 1 and DIFFERENT", r.code)
	}
	row := r.row(t, other)
	if row[1] != "standalone" || row[3] != "-*" || !strings.HasSuffix(row[4], "*") || strings.HasSuffix(row[5], "*") {
		t.Errorf("the other node's row %q: want its missing TXID and its tags marked, its posts not", row)
	}
	for _, want := range []string{other + " is not on LiteFS (standalone)", other + " holds "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the check does not say %q", want)
		}
	}

	// A wrong password: refused, with a line that says which node and why.
	r = runCheck(t, map[string]string{"BLOG_ADMIN_PASSWORD": "not-" + c.AdminPassword}, c.Primary.URL, c.Replica.URL)
	if r.code != 4 {
		t.Errorf("blog check with a wrong password: exit %d, want 4", r.code)
	}
	for _, n := range []*Node{c.Primary, c.Replica} {
		if want := n.URL + ": refused the admin password (401): check BLOG_ADMIN_PASSWORD"; !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not say %q", want)
		}
	}
	// A node that does not answer: another status, and its line.
	gone := "http://" + net.JoinHostPort(ReplicaIP, strconv.Itoa(freePort(t)))
	r = runCheck(t, admin, c.Primary.URL, gone)
	if r.code != 3 || !strings.Contains(r.stderr, gone+": unreachable") {
		t.Errorf("blog check with a node down: exit %d, want 3 and a line naming it", r.code)
	}
	// No node to check: usage.
	if r := runCheck(t, admin); r.code != 2 {
		t.Errorf("blog check with nothing to check: exit %d, want 2", r.code)
	}
}

// TestCheckWaitsForTheReplicas: right after a write on the primary, a
// replica a region away is behind; blog check waits for it, and says how
// far behind it is when told not to wait.
func TestCheckWaitsForTheReplicas(t *testing.T) {
	const delay = 300 * time.Millisecond
	c := Start(t, Options{Delay: delay})
	admin := map[string]string{"BLOG_ADMIN_PASSWORD": c.AdminPassword}
	// The replica reaches the primary's TXID within delay of each write;
	// a check that starts at once and does not wait sees it behind.
	c.mustCreateTag(t, c.Primary, unique("ahead"))
	r := runCheck(t, admin, "--wait", "0", c.Primary.URL, c.Replica.URL)
	if r.code != 1 || !strings.Contains(r.stdout, c.Replica.URL+" is ") || !strings.Contains(r.stdout, " behind the primary (TXID ") {
		t.Errorf("blog check --wait 0 right after a write: exit %d, want 1 and the replica behind", r.code)
	}
	if row := r.row(t, c.Replica.URL); !strings.HasSuffix(row[3], "*") {
		t.Errorf("the replica's TXID is not marked: %q", row)
	}
	c.mustCreateTag(t, c.Primary, unique("ahead"))
	if r := runCheck(t, admin, c.Primary.URL, c.Replica.URL); r.code != 0 {
		t.Errorf("blog check right after a write, waiting: exit %d, want 0", r.code)
	}
}

// startStandalone runs a blog of its own, off LiteFS, on a free loopback
// port, with the bundled content and the admin password, and returns its
// address. It stops when the test ends.
func startStandalone(t *testing.T, password string) string {
	t.Helper()
	port, metrics := freePort(t), freePort(t)
	url := "http://" + net.JoinHostPort(PrimaryIP, strconv.Itoa(port))
	cmd := exec.Command(blogtest.Binary(t), "serve")
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"BLOG_ADDR=" + net.JoinHostPort(PrimaryIP, strconv.Itoa(port)),
		"BLOG_METRICS_ADDR=" + net.JoinHostPort(PrimaryIP, strconv.Itoa(metrics)),
		"BLOG_DB=" + filepath.Join(t.TempDir(), "blog.db"),
		"BLOG_ADMIN_PASSWORD=" + password,
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the standalone blog did not serve within 30 s: %v\n%s", err, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
