package litefs

import (
	"context"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// newBackOff returns the waits between attempts: the first at most first,
// each step twice the last up to max, and each wait drawn between half of
// its step and the whole of it. The jitter spreads the retries of nodes
// that failed at the same moment (replicas that lost the primary, streams
// LiteFS dropped); the ceiling keeps max the longest wait. It never stops
// by itself: a context bounds the retrying.
func newBackOff(first, max time.Duration) *backoff.ExponentialBackOff {
	// The library draws a wait within RandomizationFactor of its interval
	// on either side: an interval of three quarters of the step with a
	// factor of a third gives waits from half the step to the whole of it.
	return backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(first*3/4),
		backoff.WithMaxInterval(max*3/4),
		backoff.WithRandomizationFactor(1.0/3),
		backoff.WithMultiplier(2),
		backoff.WithMaxElapsedTime(0),
	)
}

// sleep waits d, false when ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
