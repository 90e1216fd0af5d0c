// Package litefs knows about LiteFS: it tells this node's role from the
// mount, waits for replication to reach a transaction, and plugs a
// forwarder into the write chain so a replica's writes run on the primary,
// exactly once, over a signed internal endpoint.
package litefs
