package litefs

// Status is what /health reports about the node's place in the cluster.
type Status struct {
	Role    Role   `json:"role"`
	Primary string `json:"primary"` // the primary's hostname, on a replica
	TXID    string `json:"txid"`    // last transaction applied here, "" when standalone
}

// Status reads the node's role and replication position, from the event
// stream's memory while it is up.
func (n *Node) Status() (Status, error) {
	if s, live := n.events.State(); live {
		st := Status{Role: s.Role(), Primary: s.Primary, TXID: FormatTXID(s.Pos.TXID)}
		return st, nil
	}
	role, primary, err := n.fileRole()
	if err != nil {
		return Status{}, err
	}
	s := Status{Role: role, Primary: primary}
	if role == Standalone {
		return s, nil
	}
	pos, err := n.Pos()
	if err != nil {
		return Status{}, err
	}
	s.TXID = FormatTXID(pos.TXID)
	return s, nil
}
