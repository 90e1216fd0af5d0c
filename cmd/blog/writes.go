package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"blog/internal/importer"
	"blog/internal/litefs"
	"blog/internal/repo"
	"blog/internal/stamp"
	"blog/internal/tags"
)

// writeChain is what the write chain is built of besides the operations.
type writeChain struct {
	events    *litefs.Events // LiteFS's event stream; nil off LiteFS
	forwarder *litefs.Forwarder
	stamps    *stamp.Watcher // the content stamp, told of local writes
}

// buildWriteChain puts the middleware every write runs through into
// a.repo, in this order:
//
//  1. The forwarder, first: on a replica it carries the write to the
//     primary and halts the chain with the primary's answer, so nothing
//     after it runs on a node that cannot write. What follows concerns
//     only writes this node runs itself.
//  2. The replay counter (litefs.Metrics): counts the writes this node's
//     ledger answered from an earlier one with the same key.
//  3. The content stamp's watcher (internal/stamp): after a write
//     committed here it tells the page cache and the open pages at once,
//     before any tx event of LiteFS's arrives, so that the writer's next
//     page shows it.
//
// Only the forwarder acts before the execution; the other two act after
// it, in reverse order, and neither depends on the other.
//
// On LiteFS the node also follows the event stream (which serve starts):
// the role, the primary and the latest transaction are then known without
// a look at the mount, for the forwarder, the replica's wait and the
// content stamp alike.
func (a *app) buildWriteChain(reg prometheus.Registerer, onLiteFS bool) writeChain {
	metrics := litefs.NewMetrics(reg, a.node)
	metrics.RecordTo(a.samples)
	c := writeChain{forwarder: litefs.NewForwarder(litefs.ForwarderConfig{
		Node:    a.node,
		Secret:  a.cfg.ForwardSecret,
		Port:    a.cfg.ForwardPort,
		Log:     a.log,
		Metrics: metrics,
	})}
	var changes stamp.Changes // nil off LiteFS: nothing tells of replicated writes
	if onLiteFS {
		c.events = litefs.NewEvents(litefs.EventsConfig{URL: a.cfg.LiteFSURL, DB: a.cfg.DB, Log: a.log, Metrics: metrics})
		a.node.Follow(c.events)
		changes = c.events
	}
	c.stamps = stamp.NewWatcher(a.db, changes, a.log)
	a.repo.Use(c.forwarder.Middleware(), metrics.Middleware(), c.stamps.Middleware())
	return c
}

// register adds every write operation to r and returns the tag service.
func register(r *repo.Repo) *tags.Service {
	s := tags.NewService(r)
	importer.Register(r)
	return s
}

// forwardable are the operations a primary runs for its replicas: the
// writes users make through the site. The import's operations are not
// among them: every node that imports is a primary, and a post's HTML is
// rendered by the node that stores it, never taken from a request.
func forwardable() []string { return []string{tags.OpCreate, tags.OpRename, tags.OpDelete} }
