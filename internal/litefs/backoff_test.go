package litefs

import (
	"testing"
)

// TestBackOffBounds: the forwarder's waits start within 25 ms, double,
// and never pass 1 s, each no shorter than half its step.
func TestBackOffBounds(t *testing.T) {
	for range 50 {
		b := newBackOff(backoffFirst, backoffMax)
		step := backoffFirst
		for i := range 12 {
			d := b.NextBackOff()
			if d < step/2 || d > step {
				t.Fatalf("wait %d = %s, want between %s and %s", i+1, d, step/2, step)
			}
			step = min(2*step, backoffMax)
		}
	}
}
