// Package clustertest starts the blog on a real two-node LiteFS cluster on
// loopback — a primary at 127.0.0.2 and a replica at 127.0.0.3 — from the
// repository's own litefs.yml and fly.toml, for tests that drive it over
// HTTP the way users and operators do. It is test support: nothing but
// tests imports it.
package clustertest
