package web

import (
	"fmt"
	"testing"
	"time"
)

// The limiter remembers a bounded number of addresses: past that, new
// addresses share one window, so many addresses buy no more guesses and
// no more memory; a window's end frees its address.
func TestLoginLimiterIsBounded(t *testing.T) {
	l := newLoginLimiter()
	l.size = 100
	now := time.Now()
	for i := range 1000 {
		l.fail(fmt.Sprintf("10.0.%d.%d", i/256, i%256), now)
		if len(l.clients) > l.size+1 {
			t.Fatalf("%d addresses remembered, bound %d", len(l.clients), l.size)
		}
	}
	if w := l.wait("192.0.2.1", now); w <= 0 {
		t.Errorf("a new address while the table is full of current windows is not held back")
	}
	for i := range 9 {
		l.fail("198.51.100.1", now.Add(2*time.Minute))
		if len(l.clients) > 2 {
			t.Fatalf("ended windows were not swept: %d left after %d failures", len(l.clients), i+1)
		}
	}
	if w := l.wait("198.51.100.1", now.Add(2*time.Minute)); w != 0 {
		t.Errorf("9 failures held back: %s", w)
	}
	l.fail("198.51.100.1", now.Add(2*time.Minute))
	if w := l.wait("198.51.100.1", now.Add(2*time.Minute)); w <= 0 || w > LoginWindow {
		t.Errorf("10 failures: wait %s, want up to a minute", w)
	}
	if w := l.wait("2001:db8::1", now); w != 0 {
		t.Errorf("an unknown address waits %s", w)
	}
	for range 10 {
		l.fail("2001:db8::1", now)
	}
	if w := l.wait("2001:db8::ffff", now); w <= 0 {
		t.Errorf("another address of the same IPv6 /64 is not held back")
	}
}
