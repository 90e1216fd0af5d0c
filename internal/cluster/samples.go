package cluster

import (
	"math"
	"sync"
	"time"
)

// The charts' window: the last hour, a point a minute.
const (
	Step   = time.Minute
	Points = 60
)

// Samples keeps, in memory, what the cluster page charts for this node:
// the replication lag of every transaction a replica applied, and the
// latency of every write it forwarded. Each minute of the last hour holds
// a histogram of its measurements, so the memory is the same however many
// there are (60 KB in all), and the page reads the median and the
// 99th percentile of each minute from it. What is older than an hour is
// forgotten. It is safe for concurrent use.
type Samples struct {
	now func() time.Time

	mu      sync.Mutex
	lag     series
	forward series
}

// NewSamples returns empty Samples reading the time from now (time.Now
// when nil).
func NewSamples(now func() time.Time) *Samples {
	if now == nil {
		now = time.Now
	}
	return &Samples{now: now}
}

// ReplicationLag records how long after the primary's commit a transaction
// was readable on this replica.
func (s *Samples) ReplicationLag(d time.Duration) {
	if s != nil {
		s.record(&s.lag, d)
	}
}

// ForwardLatency records how long a write this node forwarded to the
// primary took, retries included.
func (s *Samples) ForwardLatency(d time.Duration) {
	if s != nil {
		s.record(&s.forward, d)
	}
}

func (s *Samples) record(se *series, d time.Duration) {
	minute := s.now().Unix() / int64(Step/time.Second)
	s.mu.Lock()
	se.add(minute, d)
	s.mu.Unlock()
}

// History returns the last hour, minute by minute, oldest first.
func (s *Samples) History() History {
	h := History{StepSeconds: int(Step / time.Second)}
	if s == nil {
		h.End = time.Now().Truncate(Step).Add(Step).UTC()
		h.ReplicationLag, h.ForwardLatency = make([]Point, Points), make([]Point, Points)
		return h
	}
	now := s.now()
	minute := now.Unix() / int64(Step/time.Second)
	h.End = time.Unix((minute+1)*int64(Step/time.Second), 0).UTC()
	s.mu.Lock()
	defer s.mu.Unlock()
	h.ReplicationLag = s.lag.points(minute)
	h.ForwardLatency = s.forward.points(minute)
	return h
}

// A measurement falls in one of bins, on a logarithmic scale: the first
// holds everything under binFloor, each next one is binGrowth times wider
// than the one before (four a doubling), and the last holds everything
// from about 30 hours up, so that even a replica that comes back after a
// day away shows how far behind it was. A percentile read from them is
// within 9 % of the measurement's.
const (
	bins      = 122
	binFloor  = 0.1               // ms
	binGrowth = 1.189207115002721 // 2^(1/4)
)

// binOf returns the bin of a measurement of ms milliseconds.
func binOf(ms float64) int {
	if ms < binFloor || math.IsNaN(ms) {
		return 0
	}
	b := 1 + int(math.Floor(math.Log(ms/binFloor)/math.Log(binGrowth)))
	return min(max(b, 1), bins-1)
}

// binValue is the measurement a bin stands for: the middle of its bounds
// on the logarithmic scale; the first bin stands for none at all.
func binValue(b int) float64 {
	if b <= 0 {
		return 0
	}
	low := binFloor * math.Pow(binGrowth, float64(b-1))
	return low * math.Sqrt(binGrowth)
}

// series is one measurement's last hour: a ring of minutes.
type series struct {
	minutes [Points]minuteHistogram
}

type minuteHistogram struct {
	minute int64 // the Unix minute it holds; an older one is stale
	n      uint32
	counts [bins]uint32
}

func (se *series) add(minute int64, d time.Duration) {
	m := &se.minutes[minute%Points]
	if m.minute != minute {
		*m = minuteHistogram{minute: minute}
	}
	if m.n == math.MaxUint32 {
		return
	}
	m.n++
	m.counts[binOf(float64(d)/float64(time.Millisecond))]++
}

// points returns the Points minutes up to and including minute.
func (se *series) points(minute int64) []Point {
	out := make([]Point, Points)
	for i := range out {
		want := minute - Points + 1 + int64(i)
		m := &se.minutes[((want%Points)+Points)%Points]
		if m.minute != want || m.n == 0 {
			continue
		}
		out[i] = Point{N: int(m.n), P50: m.quantile(0.50), P99: m.quantile(0.99)}
	}
	return out
}

// quantile returns the value under which a fraction q of the minute's
// measurements fall.
func (m *minuteHistogram) quantile(q float64) float64 {
	rank := uint32(math.Ceil(q * float64(m.n)))
	var seen uint32
	for b, c := range m.counts {
		seen += c
		if seen >= rank && c > 0 {
			return round2(binValue(b))
		}
	}
	return 0
}

// round2 keeps two decimals, as the page shows them.
func round2(v float64) float64 { return math.Round(v*100) / 100 }
