package clustertest

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"blog/deploy"
	"blog/internal/blogtest"
)

// plan is what both nodes are started from: the binaries, the deployed
// litefs.yml and BLOG_DB each node's settings are derived from, where their
// files go, and the ports they share. Deriving from the deployed files
// rather than a copy is what makes a broken deployment fail these tests.
type plan struct {
	litefs string // the litefs binary
	blog   string // the blog binary under test
	base   []byte // the deployed litefs.yml
	dbPath string // BLOG_DB of fly.toml: a path on a machine
	tmp    string // the nodes' roots, each standing for a machine's /
	logs   string // the nodes' logs, kept as the test's artifacts

	ports       *portPool // every further port: proxies
	blogPort    int
	litefsPort  int
	gossipPort  string
	metricsPort string
}

// newPlan builds the blog and reads the deployment, ending the test when
// the machine cannot run the cluster or the deployment cannot be read.
func newPlan(t testing.TB) *plan {
	t.Helper()
	p := &plan{litefs: Require(t)}
	p.blog = buildBlog(t)
	p.base, p.dbPath = readDeployment(t)
	p.tmp, p.logs = t.TempDir(), t.ArtifactDir()
	p.ports = &portPool{t: t}
	p.blogPort, p.litefsPort = p.ports.next(), p.ports.next()
	p.gossipPort = strconv.Itoa(p.ports.next())
	p.metricsPort = strconv.Itoa(p.ports.next())
	return p
}

// buildBlog builds the blog binary, with Go's profiles served when
// ProfileEnv asks for them.
func buildBlog(t testing.TB) string {
	t.Helper()
	var extra []string
	if os.Getenv(ProfileEnv) != "" {
		extra = append(extra, "blogpprof")
	}
	return blogtest.Binary(t, extra...)
}

// readDeployment returns the repository's litefs.yml and the BLOG_DB its
// fly.toml sets.
func readDeployment(t testing.TB) (litefsYML []byte, dbPath string) {
	t.Helper()
	root, err := deploy.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	litefsYML, err = os.ReadFile(filepath.Join(root, deploy.LiteFSFile))
	if err != nil {
		t.Fatal(err)
	}
	dbPath, err = deployedDB(root)
	if err != nil {
		t.Fatal(err)
	}
	return litefsYML, dbPath
}

// hostPort joins a node's address and a port.
func hostPort(ip string, port int) string {
	return net.JoinHostPort(ip, strconv.Itoa(port))
}
