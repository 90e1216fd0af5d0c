package main

import (
	"net"
	"os"
	"strconv"

	"blog/internal/cluster"
	"blog/internal/gossip"
	"blog/internal/litefs"
	"blog/internal/live"
)

// survey is the operator's view from this node (GET /admin/node, which
// blog check reads, and /admin/cluster): its own report, read from its
// database and LiteFS, and the other nodes it knows of, asked over HTTP.
func (a *app) survey(hub *live.Hub, g *gossip.Gossip) *cluster.Survey {
	local := cluster.NewReporter(cluster.ReporterConfig{
		Node:     cluster.Node{Name: nodeName(a.cfg.MachineID), Region: a.cfg.Region, Version: version},
		DB:       a.db,
		Position: a.node,
		Streams:  hub.Streams,
		Samples:  a.samples,
	})
	return cluster.NewSurvey(cluster.SurveyConfig{Local: local, Peers: a.peerSites(g), Password: a.cfg.AdminPassword})
}

// peerSites lists the sites of the other nodes this one knows of now: its
// primary, at the address its writes are forwarded to, and every member of
// the gossip that told its site's port. The survey asks each once, however
// many of these addresses lead to it.
func (a *app) peerSites(g *gossip.Gossip) func() []string {
	return func() []string {
		var urls []string
		if role, primary, err := a.node.Role(); err == nil && role == litefs.Replica && primary != "" {
			urls = append(urls, "http://"+net.JoinHostPort(primary, a.cfg.ForwardPort))
		}
		if g != nil {
			for _, p := range g.Peers() {
				if u := p.SiteURL(); u != "" {
					urls = append(urls, u)
				}
			}
		}
		return urls
	}
}

// nodeName names this machine on the cluster page: Fly's machine ID, the
// name `fly status` shows, else the host name.
func nodeName(machineID string) string {
	if machineID != "" {
		return machineID
	}
	h, _ := os.Hostname()
	return h
}

// sitePort is the port of BLOG_ADDR as a number, for the gossip to tell.
func sitePort(addr string) int {
	_, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return n
}
