package clustertest

import (
	"net"
	"slices"
	"strconv"
	"testing"
)

// portPool hands out TCP ports free on both nodes' addresses. Both nodes
// listen on the same ports, as machines on Fly do, so a port must be free
// on both; and it never hands out one port twice, so the blog, LiteFS,
// gossip, metrics and the proxies cannot collide with one another.
type portPool struct {
	t     testing.TB
	taken []int
}

// next returns a port not yet handed out, free on both addresses.
func (p *portPool) next() int {
	port := freePort(p.t, p.taken...)
	p.taken = append(p.taken, port)
	return port
}

// freePort returns a TCP port free on both nodes' addresses, other than
// those in taken.
func freePort(t testing.TB, taken ...int) int {
	t.Helper()
	for range 50 {
		l1, err := net.Listen("tcp", net.JoinHostPort(PrimaryIP, "0"))
		if err != nil {
			t.Fatal(err)
		}
		port := l1.Addr().(*net.TCPAddr).Port
		l2, err := net.Listen("tcp", net.JoinHostPort(ReplicaIP, strconv.Itoa(port)))
		l1.Close()
		if err == nil && slices.Contains(taken, port) {
			l2.Close()
			continue
		}
		if err == nil {
			l2.Close()
			return port
		}
	}
	t.Fatal("no port free on both loopback addresses")
	return 0
}
