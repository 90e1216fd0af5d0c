package litefs

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"blog/internal/repo"
)

// Outcomes of a forwarded write, as counted by blog_forwarded_writes_total.
const (
	OutcomeOK          = "ok"          // the primary ran the write
	OutcomeError       = "error"       // the primary answered with an error, or refused the request
	OutcomeUnavailable = "unavailable" // no primary answered in time
)

// Metrics counts what forwarding and replication do on this node. A nil
// *Metrics counts nothing, so code and tests may go without.
type Metrics struct {
	forwarded *prometheus.CounterVec
	latency   prometheus.Histogram
	wait      prometheus.Histogram
	lag       prometheus.Histogram
	retries   prometheus.Counter
	replays   prometheus.Counter
	recorder  Recorder // nil: none

	eventsLive       prometheus.Gauge
	eventsReconnects prometheus.Counter
}

// NewMetrics returns Metrics registered with reg (when not nil), and, when
// node is not nil, a blog_node_role gauge that reads node's role at every
// scrape.
func NewMetrics(reg prometheus.Registerer, node *Node) *Metrics {
	m := &Metrics{
		forwarded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "blog_forwarded_writes_total",
			Help: "Writes a replica forwarded to the primary, by outcome (ok, error, unavailable).",
		}, []string{"outcome"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "blog_forward_duration_seconds",
			Help:    "Time from forwarding a write until the primary answered or the replica gave up, retries included.",
			Buckets: prometheus.DefBuckets,
		}),
		wait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "blog_replication_wait_seconds",
			Help:    "Time a replica waited, after the primary answered, until it had replicated the write.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14), // 0.5 ms to about 4 s
		}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "blog_replication_lag_seconds",
			Help: "Time from the primary's commit of a transaction until this replica had applied it, " +
				"by the primary's clock and this node's.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16), // 0.5 ms to about 16 s
		}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "blog_forward_retries_total",
			Help: "Attempts to reach the primary that were repeated after a failure.",
		}),
		replays: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "blog_idempotency_replays_total",
			Help: "Writes answered from the idempotency ledger instead of running again.",
		}),
		eventsLive: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "blog_litefs_events_up",
			Help: "1 while the node follows LiteFS's event stream, 0 while it reads the role and position from the mount instead.",
		}),
		eventsReconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "blog_litefs_events_reconnects_total",
			Help: "Attempts to open LiteFS's event stream again after it broke, was closed or could not be opened.",
		}),
	}
	// Show every outcome from the start, so rates work before the first failure.
	for _, o := range []string{OutcomeOK, OutcomeError, OutcomeUnavailable} {
		m.forwarded.WithLabelValues(o)
	}
	if reg != nil {
		reg.MustRegister(m.forwarded, m.latency, m.wait, m.lag, m.retries, m.replays, m.eventsLive, m.eventsReconnects)
		if node != nil {
			reg.MustRegister(newRoleCollector(node))
		}
	}
	return m
}

// Recorder keeps what the operator's cluster page charts besides the
// metrics (internal/cluster's Samples): each transaction's replication lag
// on a replica, and each forwarded write's latency.
type Recorder interface {
	ReplicationLag(time.Duration)
	ForwardLatency(time.Duration)
}

// RecordTo hands every replication lag and forward latency measured from
// now on to r as well. Call it before m is shared.
func (m *Metrics) RecordTo(r Recorder) { m.recorder = r }

// Middleware returns an After-only middleware counting the writes the
// ledger answered on this node. A replica's forwarded writes are counted on
// the primary, where the ledger answered them, and not a second time here.
func (m *Metrics) Middleware() repo.Middleware {
	return repo.Middleware{
		Name: "litefs.metrics",
		After: func(_ context.Context, _ repo.Op, res *repo.Result) {
			if m != nil && res.Replayed && res.HaltedBy == "" {
				m.replays.Inc()
			}
		},
	}
}

func (m *Metrics) forwardedWrite(outcome string, latency, wait time.Duration) {
	if m == nil {
		return
	}
	m.forwarded.WithLabelValues(outcome).Inc()
	m.latency.Observe(latency.Seconds())
	if outcome != OutcomeUnavailable {
		m.wait.Observe(wait.Seconds())
	}
	if m.recorder != nil {
		m.recorder.ForwardLatency(latency)
	}
}

// replicated observes a transaction applied on this replica lag after the
// primary committed it. A negative lag, which only clocks that disagree
// can give, counts as none.
func (m *Metrics) replicated(lag time.Duration) {
	if m == nil {
		return
	}
	lag = max(lag, 0)
	m.lag.Observe(lag.Seconds())
	if m.recorder != nil {
		m.recorder.ReplicationLag(lag)
	}
}

func (m *Metrics) eventsUp(up bool) {
	if m == nil {
		return
	}
	if up {
		m.eventsLive.Set(1)
	} else {
		m.eventsLive.Set(0)
	}
}

func (m *Metrics) retried() {
	if m == nil {
		return
	}
	m.retries.Inc()
}

// roleCollector reports the node's role when scraped rather than when it
// last changed, because LiteFS may change it while the event stream is down.
type roleCollector struct {
	node *Node
	desc *prometheus.Desc
}

func newRoleCollector(node *Node) roleCollector {
	return roleCollector{node: node, desc: prometheus.NewDesc("blog_node_role",
		"1 for the node's current role (standalone, primary or replica), 0 for the others.",
		[]string{"role"}, nil)}
}

func (c roleCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c roleCollector) Collect(ch chan<- prometheus.Metric) {
	role, _, err := c.node.Role()
	if err != nil {
		// A missing series says "unknown" without failing the whole scrape.
		return
	}
	for _, r := range []Role{Standalone, Primary, Replica} {
		v := 0.0
		if r == role {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, v, string(r))
	}
}
