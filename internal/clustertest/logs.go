package clustertest

import (
	"os"
	"strings"
	"testing"
)

// dumpedLines is how much of each node's log a failed test shows: enough
// for the error that stopped a node, short enough to find it.
const dumpedLines = 80

// Log returns what the node's LiteFS and blog have printed so far.
func (n *Node) Log(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(n.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// dumpLogs logs the last lines of each node's log, so that a failure in
// CI, where the artifact folder may be gone, still shows what the nodes
// said.
func (c *Cluster) dumpLogs(t testing.TB) {
	for _, n := range []*Node{c.Primary, c.Replica} {
		if n == nil {
			continue
		}
		b, err := os.ReadFile(n.LogPath)
		if err != nil {
			continue
		}
		t.Logf("last lines of the %s's log (%s):\n%s", n.Name, n.LogPath, lastLines(string(b), dumpedLines))
	}
}

// lastLines returns the last max lines of s.
func lastLines(s string, max int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > max {
		lines = lines[len(lines)-max:]
	}
	return strings.Join(lines, "\n")
}
