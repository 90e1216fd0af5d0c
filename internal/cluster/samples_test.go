package cluster

import (
	"math"
	"testing"
	"time"
)

// clock is a time the test moves on.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestSamplesKeepTheLastHourByMinute(t *testing.T) {
	c := &clock{t: time.Date(2026, 5, 1, 12, 0, 30, 0, time.UTC)}
	s := NewSamples(c.now)
	// A minute of 100 lags: 98 of about 2 ms, then 40 ms and 400 ms.
	for range 98 {
		s.ReplicationLag(2 * time.Millisecond)
	}
	s.ReplicationLag(40 * time.Millisecond)
	s.ReplicationLag(400 * time.Millisecond)
	s.ForwardLatency(15 * time.Millisecond)

	h := s.History()
	if len(h.ReplicationLag) != Points || len(h.ForwardLatency) != Points || h.StepSeconds != 60 {
		t.Fatalf("history of %d and %d points a %d s step, want %d a minute", len(h.ReplicationLag), len(h.ForwardLatency), h.StepSeconds, Points)
	}
	if want := time.Date(2026, 5, 1, 12, 1, 0, 0, time.UTC); !h.End.Equal(want) {
		t.Errorf("the history ends %v, want the end of the current minute %v", h.End, want)
	}
	last := h.ReplicationLag[Points-1]
	if last.N != 100 || !near(last.P50, 2) || !near(last.P99, 40) {
		t.Errorf("this minute's lag: %+v, want 100 measurements, p50 near 2 ms and p99 near 40 ms", last)
	}
	if f := h.ForwardLatency[Points-1]; f.N != 1 || !near(f.P50, 15) || !near(f.P99, 15) {
		t.Errorf("this minute's forward latency: %+v", f)
	}
	for _, p := range h.ReplicationLag[:Points-1] {
		if p != (Point{}) {
			t.Fatalf("a minute without measurements shows %+v", p)
		}
	}

	// Ten minutes on, the minute has moved left by ten; an hour on, it is
	// gone, and its slot of the ring holds the new minute alone.
	c.t = c.t.Add(10 * time.Minute)
	s.ReplicationLag(time.Second)
	h = s.History()
	if p := h.ReplicationLag[Points-11]; p.N != 100 {
		t.Errorf("ten minutes on, the first minute is %+v at -10", p)
	}
	if p := h.ReplicationLag[Points-1]; p.N != 1 || !near(p.P99, 1000) {
		t.Errorf("the new minute is %+v, want one of 1 s", p)
	}
	c.t = c.t.Add(50 * time.Minute)
	s.ReplicationLag(3 * time.Millisecond)
	h = s.History()
	if p := h.ReplicationLag[Points-1]; p.N != 1 || !near(p.P50, 3) {
		t.Errorf("an hour on, this minute is %+v, want the one new measurement alone", p)
	}
	for i, p := range h.ReplicationLag[:Points-1] {
		if i == Points-51 { // the second of 1 s, fifty minutes ago
			if p.N != 1 {
				t.Errorf("fifty minutes ago: %+v, want the second of 1 s", p)
			}
		} else if p.N != 0 {
			t.Errorf("point %d is %+v, want nothing", i, p)
		}
	}
}

func TestSamplesBounds(t *testing.T) {
	s := NewSamples(nil)
	// Nothing, a negative time, a day, a week: each lands in a bin, and a
	// day reads as a day.
	s.ReplicationLag(0)
	s.ReplicationLag(-time.Second)
	s.ReplicationLag(24 * time.Hour)
	s.ReplicationLag(7 * 24 * time.Hour)
	p := s.History().ReplicationLag[Points-1]
	if p.N != 4 || p.P50 != 0 || math.IsInf(p.P99, 0) {
		t.Errorf("extremes: %+v", p)
	}
	s = NewSamples(nil)
	s.ForwardLatency(24 * time.Hour)
	if p := s.History().ForwardLatency[Points-1]; !near(p.P50, 24*3600e3) {
		t.Errorf("a day reads as %v ms", p.P50)
	}
	var none *Samples
	none.ReplicationLag(time.Second)
	if h := none.History(); len(h.ReplicationLag) != Points || h.ReplicationLag[Points-1].N != 0 {
		t.Errorf("nil Samples: %+v", h)
	}
}

// near reports whether a percentile read from the histogram is within its
// bin's 9 % of want.
func near(got, want float64) bool { return math.Abs(got-want) <= want*0.1 }
