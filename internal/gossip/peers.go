package gossip

import (
	"encoding/json"
	"net"
	"strconv"
)

// Peer is another node of the deployment, alive as far as the gossip
// knows.
type Peer struct {
	Name     string
	Addr     string // the address it gossips from
	SitePort int    // the port it serves the site on; 0 when it does not say
}

// SiteURL is the address of the peer's site, "" when its port is unknown.
func (p Peer) SiteURL() string {
	if p.SitePort == 0 {
		return ""
	}
	return "http://" + net.JoinHostPort(p.Addr, strconv.Itoa(p.SitePort))
}

// Peers returns the other nodes the gossip holds alive now.
func (g *Gossip) Peers() []Peer {
	var out []Peer
	for _, m := range g.ml.Members() {
		if m.Name == g.name {
			continue
		}
		out = append(out, Peer{Name: m.Name, Addr: m.Addr.String(), SitePort: decodeMeta(m.Meta)})
	}
	return out
}

// meta is a node's memberlist metadata: what the others may want to know
// of it besides its gossip address.
type meta struct {
	Site int `json:"site"` // the port of its site
}

// maxMeta bounds the metadata read from another node; a node's own is a
// dozen bytes. (memberlist itself drops more than 512.)
const maxMeta = 64

// encodeMeta writes this node's metadata, nothing when there is nothing
// to say or it would not fit in limit bytes.
func encodeMeta(sitePort, limit int) []byte {
	if sitePort <= 0 || sitePort > 65535 {
		return nil
	}
	b, _ := json.Marshal(meta{Site: sitePort})
	if len(b) > limit {
		return nil
	}
	return b
}

// decodeMeta reads another node's site port from its metadata: 0 for
// anything that is not a port, so that nothing but a port of its own
// address is ever asked.
func decodeMeta(b []byte) int {
	var m meta
	if len(b) == 0 || len(b) > maxMeta || json.Unmarshal(b, &m) != nil || m.Site <= 0 || m.Site > 65535 {
		return 0
	}
	return m.Site
}
