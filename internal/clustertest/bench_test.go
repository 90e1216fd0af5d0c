package clustertest

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"
)

// BenchmarkForwardedWrite compares a tag created on the primary with one
// created on the replica, which forwards it to the primary and waits until
// it has replicated the write. It reports the median and 99th percentile of
// each in milliseconds, and the ratio of the medians.
//
//	go test -tags sqlite3_flock -run '^$' -bench ForwardedWrite ./internal/clustertest
func BenchmarkForwardedWrite(b *testing.B) {
	c := Start(b, Options{})
	prefix := unique("bench")
	var direct, forwarded []time.Duration
	i := 0
	for b.Loop() {
		for _, w := range []struct {
			node *Node
			took *[]time.Duration
		}{{c.Primary, &direct}, {c.Replica, &forwarded}} {
			label := fmt.Sprintf("%s-%s-%d", prefix, w.node.Name, i)
			start := time.Now()
			_, a, err := c.createTag(w.node, label)
			*w.took = append(*w.took, time.Since(start))
			if err != nil {
				b.Fatal(err)
			}
			if a.Status != http.StatusCreated {
				b.Fatalf("POST /api/tags on the %s: %s", w.node.Name, a)
			}
		}
		i++
	}
	p50Direct, p50Forwarded := percentile(direct, 50), percentile(forwarded, 50)
	b.ReportMetric(ms(p50Direct), "primary-p50-ms")
	b.ReportMetric(ms(percentile(direct, 99)), "primary-p99-ms")
	b.ReportMetric(ms(p50Forwarded), "replica-p50-ms")
	b.ReportMetric(ms(percentile(forwarded, 99)), "replica-p99-ms")
	if p50Direct > 0 {
		b.ReportMetric(float64(p50Forwarded)/float64(p50Direct), "replica/primary-p50")
	}
	// One iteration is two writes of different kinds; its time means little.
	b.ReportMetric(0, "ns/op")
}

// percentile returns the p-th percentile of ds, nearest rank.
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := (p*len(s) + 99) / 100 // ceil(p/100 · n)
	return s[max(rank, 1)-1]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
