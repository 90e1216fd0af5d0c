package clustertest

import (
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestTwoNodesByHand starts the two-node cluster and keeps it running until
// interrupted, for trying the blog on LiteFS by hand. It runs only when
// BLOG_TWO_NODES is set; scripts/two-nodes sets it.
func TestTwoNodesByHand(t *testing.T) {
	if os.Getenv("BLOG_TWO_NODES") == "" {
		t.Skip("set BLOG_TWO_NODES=1 (or run scripts/two-nodes) to start two nodes by hand")
	}
	// scripts/two-nodes builds this binary into a folder of its own and
	// runs it in its own place; the folder goes when the nodes do.
	if exe, err := os.Executable(); err == nil && strings.HasPrefix(filepath.Base(filepath.Dir(exe)), "blog-two-nodes.") {
		t.Cleanup(func() { os.RemoveAll(filepath.Dir(exe)) })
	}
	// Listen before starting: a signal that arrives while the nodes start
	// stops them as soon as they are up, instead of killing this process
	// and leaving them running.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(stop)
	c := Start(t, Options{})
	t.Logf(`two nodes are running; stop them with Ctrl-C (or SIGINT or SIGTERM to scripts/two-nodes)

  primary  %s   database %s   log %s
  replica  %s   database %s   log %s

  admin password: %s

  curl -u admin:%s -H 'Content-Type: application/json' -d '{"label":"hello"}' %s/api/tags
  sqlite3 %s "SELECT COUNT(*) FROM tags WHERE label='hello'"
  sqlite3 %s "SELECT COUNT(*) FROM tags WHERE label='hello'"`,
		c.Primary.URL, c.Primary.DB, c.Primary.LogPath,
		c.Replica.URL, c.Replica.DB, c.Replica.LogPath,
		c.AdminPassword, c.AdminPassword, c.Replica.URL, c.Primary.DB, c.Replica.DB)
	<-stop
	t.Log("stopping both nodes")
}
