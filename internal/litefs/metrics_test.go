package litefs

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// gather scrapes reg into "name{label="value",…}" → value; histograms give
// their sample count.
func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			sort.Strings(labels)
			name := f.GetName()
			if len(labels) > 0 {
				name += "{" + strings.Join(labels, ",") + "}"
			}
			switch {
			case m.Counter != nil:
				out[name] = m.GetCounter().GetValue()
			case m.Gauge != nil:
				out[name] = m.GetGauge().GetValue()
			case m.Histogram != nil:
				out[name] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}

func TestRoleGaugeFollowsTheMount(t *testing.T) {
	m := newMount(t, Standalone, "")
	reg := prometheus.NewRegistry()
	NewMetrics(reg, NewNode(m.db))

	for _, role := range []Role{Standalone, Primary, Replica, Primary} {
		m.setRole(role, "p")
		got := gather(t, reg)
		for _, r := range []Role{Standalone, Primary, Replica} {
			want := 0.0
			if r == role {
				want = 1
			}
			name := fmt.Sprintf("blog_node_role{role=%q}", r)
			if v, ok := got[name]; !ok || v != want {
				t.Errorf("as %s: %s = %v (present %v), want %v", role, name, v, ok, want)
			}
		}
	}
}

func TestForwardMetrics(t *testing.T) {
	p := newPrimaryServer(t, "127.0.0.1", "")
	primaryReg := prometheus.NewRegistry()
	// The primary counts ledger replays; its chain is rebuilt here with
	// the metrics in front.
	p.store.repo.Use(NewMetrics(primaryReg, nil).Middleware())

	p.misbehave = func(n int, w http.ResponseWriter, _ *http.Request, _ http.Handler) bool {
		if n == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return true
		}
		return false
	}
	replicaReg := prometheus.NewRegistry()
	replicaMetrics := NewMetrics(replicaReg, nil)
	rec := &lags{}
	replicaMetrics.RecordTo(rec)
	r := newReplica(t, "127.0.0.1", p.port(), ForwarderConfig{Metrics: replicaMetrics})
	r.store.repo.Use(r.fwd.metrics.Middleware())

	ctx := context.Background()
	decodeTag(t, r.store.repo.Do(ctx, insertOp("go"))) // ok, after one retry
	r.store.repo.Do(ctx, insertOp("Go"))               // conflict: error
	once := insertOp("rust")
	once.Key = "k-rust"
	decodeTag(t, r.store.repo.Do(ctx, once)) // ok
	decodeTag(t, r.store.repo.Do(ctx, once)) // ok, replayed by the primary's ledger

	got := gather(t, replicaReg)
	for name, want := range map[string]float64{
		`blog_forwarded_writes_total{outcome="ok"}`:          3,
		`blog_forwarded_writes_total{outcome="error"}`:       1,
		`blog_forwarded_writes_total{outcome="unavailable"}`: 0,
		"blog_forward_retries_total":                         1,
		"blog_forward_duration_seconds":                      4,
		"blog_replication_wait_seconds":                      4,
		"blog_idempotency_replays_total":                     0, // counted where the ledger answered
	} {
		if got[name] != want {
			t.Errorf("replica: %s = %v, want %v", name, got[name], want)
		}
	}
	if v := gather(t, primaryReg)["blog_idempotency_replays_total"]; v != 1 {
		t.Errorf("primary: blog_idempotency_replays_total = %v, want 1", v)
	}
	// The cluster page charts each forwarded write's latency, as the
	// histogram counts it.
	if n := len(rec.forwarding); n != 4 {
		t.Errorf("forward latencies recorded for the cluster page: %d, want 4", n)
	}
}

func TestNilMetricsCountNothing(t *testing.T) {
	var m *Metrics
	m.forwardedWrite(OutcomeOK, 0, 0)
	m.replicated(time.Millisecond)
	m.retried()
	m.Middleware().After(context.Background(), insertOp("go"), nil)
}
