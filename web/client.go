package web

import (
	"net"
	"net/http"
	"net/netip"
)

// clientAddr is the address of the client a request came from, as this
// node can trust it: on Fly.io, whose proxy replaces any Fly-Client-IP a
// client sends, that header; anywhere else the connection's own address.
// X-Forwarded-For and X-Real-IP are never trusted: any client can write
// them.
func (s *Server) clientAddr(r *http.Request) string {
	if s.onFly {
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

// behindTLS reports whether the client reached the blog over HTTPS: on its
// own connection, or, on Fly.io, through the proxy that ends TLS and says
// so in X-Forwarded-Proto (which it sets itself, whatever the client sent).
func (s *Server) behindTLS(r *http.Request) bool {
	return r.TLS != nil || (s.onFly && r.Header.Get("X-Forwarded-Proto") == "https")
}
