package clustertest

import (
	"bytes"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

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
