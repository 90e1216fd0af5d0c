package litefs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Role is what a node may do with the database.
type Role string

const (
	// Standalone: the database is not on a LiteFS mount, so the node writes
	// to it directly, like a primary.
	Standalone Role = "standalone"
	// Primary: the node holds LiteFS's lease and is the only one that may write.
	Primary Role = "primary"
	// Replica: the database is read-only here; writes go to the primary.
	Replica Role = "replica"
)

// Node answers questions about this node's place in the LiteFS cluster.
// LiteFS can hand the lease to another node at any moment, so every answer
// is current: while the node follows LiteFS's event stream (Follow) and the
// stream is up, it comes from the stream's memory, updated as LiteFS
// reports each change; otherwise it is read afresh from the mount.
type Node struct {
	dir     string  // the folder holding the database, the mount's root on LiteFS
	dbPath  string  // the database file
	posPath string  // LiteFS's replication position for the database
	events  *Events // nil: the mount is read for every answer
}

// NewNode returns the Node whose database file is dbPath.
func NewNode(dbPath string) *Node {
	return &Node{dir: filepath.Dir(dbPath), dbPath: dbPath, posPath: dbPath + "-pos"}
}

// Follow makes n answer from e's memory while e's stream is up. Call it
// before n is shared; e.Run must be running for it to help.
func (n *Node) Follow(e *Events) { n.events = e }

// Role reports the node's role and, on a replica, the primary's hostname.
// While the event stream is up they are the stream's, so a primaryChange
// applies to the very next call; otherwise see fileRole.
func (n *Node) Role() (role Role, primary string, err error) {
	if s, live := n.events.State(); live {
		return s.Role(), s.Primary, nil
	}
	return n.fileRole()
}

// fileRole reports the node's role and, on a replica, the primary's
// hostname as LiteFS wrote it in .primary. LiteFS keeps a .lag file at the
// root of every mount, and a .primary file only while another node holds
// the lease.
func (n *Node) fileRole() (role Role, primary string, err error) {
	if _, err := os.Stat(filepath.Join(n.dir, ".lag")); errors.Is(err, fs.ErrNotExist) {
		return Standalone, "", nil
	} else if err != nil {
		return "", "", fmt.Errorf("look for a LiteFS mount at %s: %w", n.dir, err)
	}
	// Read rather than stat .primary, so that its absence and its text come
	// from the same moment.
	b, err := readSmall(filepath.Join(n.dir, ".primary"))
	if errors.Is(err, fs.ErrNotExist) {
		return n.leaseless()
	}
	if err != nil {
		return "", "", fmt.Errorf("read the primary's name: %w", err)
	}
	return Replica, strings.TrimSpace(string(b)), nil
}

// leaseless tells a primary from a replica that has lost its primary: both
// lack .primary, but LiteFS shows the database file writable (0666) only on
// the node holding the lease, and read-only (0444) elsewhere. A replica
// without a primary reports an empty primary, so its writes wait for one and
// fail as unavailable instead of being tried on a read-only database. Before
// the database exists the node can only be told by .primary.
func (n *Node) leaseless() (Role, string, error) {
	fi, err := os.Stat(n.dbPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Primary, "", nil
	case err != nil:
		return "", "", fmt.Errorf("look at the database's mode: %w", err)
	case fi.Mode().Perm()&0o222 == 0:
		return Replica, "", nil
	}
	return Primary, "", nil
}
