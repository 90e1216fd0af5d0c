package web

import (
	"net"
	"net/http"
	"net/netip"
)

// proxyTrust says what of a request this node can trust about its client:
// on Fly.io, whose proxy replaces any Fly-Client-IP and X-Forwarded-Proto
// a client sends, those headers; anywhere else the connection's own
// address and whether it is TLS. X-Forwarded-For and X-Real-IP are never
// trusted: any client can write them. echo asks it for c.RealIP() and
// c.Scheme().
type proxyTrust struct{ onFly bool }

// clientAddr is the address of the client a request came from.
func (p proxyTrust) clientAddr(r *http.Request) string {
	if p.onFly {
		if a, err := netip.ParseAddr(r.Header.Get("Fly-Client-IP")); err == nil {
			return a.Unmap().String()
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap().String()
	}
	return host
}

// scheme is "https" when the client reached the blog over TLS: on its own
// connection, or, on Fly.io, through the proxy that ends TLS and says so
// in X-Forwarded-Proto.
func (p proxyTrust) scheme(r *http.Request) string {
	if r.TLS != nil || (p.onFly && r.Header.Get("X-Forwarded-Proto") == "https") {
		return "https"
	}
	return "http"
}
