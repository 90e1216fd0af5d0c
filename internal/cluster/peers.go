package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
)

// PeerURLs returns the site addresses of the nodes BLOG_PEERS names, for
// `blog check` run on one of the nodes (fly ssh console -C 'blog check'),
// where BLOG_PEERS and BLOG_ADDR are set as for the blog. It reads
// BLOG_PEERS as the gossip does: host:port names one node by its host, a
// bare name every address it resolves to (<app>.internal on Fly.io lists
// every machine of the app, this one too). Each is asked on the port of
// BLOG_ADDR (addr), which every node of a deployment serves on; BLOG_ADDR's
// own host is added when it names one.
//
// The CLI resolves the names itself rather than asking a node for the
// members of its gossip: a node whose gossip is broken would then be
// missing from the check, where it is one the check must find.
func PeerURLs(ctx context.Context, resolver *net.Resolver, peers []string, addr string) ([]string, error) {
	ownHost, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("BLOG_ADDR %q is not host:port: %v", addr, err)
	}
	var hosts []string
	if ip := net.ParseIP(ownHost); ownHost != "" && (ip == nil || !ip.IsUnspecified()) {
		hosts = append(hosts, ownHost)
	}
	var errs []error
	for _, p := range peers {
		host, _, err := net.SplitHostPort(p)
		if err != nil {
			host = p // a DNS name: each of its addresses
		}
		if ip := net.ParseIP(host); ip != nil {
			hosts = append(hosts, ip.String())
			continue
		}
		addrs, err := resolver.LookupHost(ctx, host)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		hosts = append(hosts, addrs...)
	}
	if len(hosts) == 0 {
		return nil, fmt.Errorf("BLOG_PEERS names no node that resolves: %w", errors.Join(errs...))
	}
	urls := make([]string, 0, len(hosts))
	for _, h := range hosts {
		urls = append(urls, "http://"+net.JoinHostPort(h, port))
	}
	slices.Sort(urls)
	return slices.Compact(urls), nil
}
