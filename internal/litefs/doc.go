// Package litefs knows about LiteFS: it follows LiteFS's event stream to
// hold this node's role and the database's latest transaction in memory
// (reading the mount instead whenever the stream is down), waits for
// replication to reach a transaction by being told of it, and plugs a
// forwarder into the write chain so a replica's writes run on the primary,
// exactly once, over a signed internal endpoint.
package litefs
