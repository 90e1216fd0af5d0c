package web

import (
	"net/netip"
	"sync"
	"time"
)

// Limits on guessing the admin password.
const (
	// LoginFailures is how many failed sign-ins a client address may make
	// in LoginWindow; more are answered 429 with Retry-After, without the
	// password being checked.
	LoginFailures = 10
	LoginWindow   = time.Minute
	// loginClients is how many addresses the limiter remembers: about
	// 100 bytes each, so at most a megabyte. When they are all in a
	// current window, new addresses share one window of their own, so an
	// attacker with more addresses than this gains no more guesses.
	loginClients = 10000
)

// loginLimiter counts failed sign-ins per client address in fixed windows.
type loginLimiter struct {
	max    int
	window time.Duration
	size   int

	mu      sync.Mutex
	clients map[string]*loginWindow
}

type loginWindow struct {
	start    time.Time
	failures int
}

const overflowClient = "*"

func newLoginLimiter() *loginLimiter {
	return &loginLimiter{max: LoginFailures, window: LoginWindow, size: loginClients,
		clients: map[string]*loginWindow{}}
}

// key is the address a client is counted under: an IPv6 client by its
// /64, since one host usually holds a whole /64.
func loginKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil || a.Is4() {
		return addr
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// wait returns how long the client at addr must wait before it may try
// again, 0 when it may try now.
func (l *loginLimiter) wait(addr string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.clients[loginKey(addr)]
	if w == nil {
		w = l.clients[overflowClient]
		if w == nil || len(l.clients) < l.size {
			return 0
		}
	}
	if end := w.start.Add(l.window); now.Before(end) && w.failures >= l.max {
		return end.Sub(now)
	}
	return 0
}

// fail counts a failed sign-in by the client at addr.
func (l *loginLimiter) fail(addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := loginKey(addr)
	w := l.clients[key]
	if w == nil && len(l.clients) >= l.size {
		l.sweep(now)
		if len(l.clients) >= l.size {
			key = overflowClient
			w = l.clients[key]
		}
	}
	if w == nil || !now.Before(w.start.Add(l.window)) {
		w = &loginWindow{start: now}
		l.clients[key] = w
	}
	w.failures++
}

// sweep forgets the clients whose window has ended.
func (l *loginLimiter) sweep(now time.Time) {
	for k, w := range l.clients {
		if !now.Before(w.start.Add(l.window)) {
			delete(l.clients, k)
		}
	}
}
