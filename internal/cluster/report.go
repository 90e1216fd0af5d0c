// Package cluster is the operator's view of the deployment. Each node
// reports itself (Report: its role, region, primary, transaction, the row
// counts of its tables at that transaction, its open streams, and the last
// hour of replication lag and forwarded-write latency, kept by Samples);
// GET /admin/node answers with it. `blog check` fetches the reports of the
// nodes it is given and compares them (Compare); the cluster page
// (/admin/cluster) shows this node's and those of the other nodes it knows
// of (Survey), fetched the same way.
package cluster

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"

	"blog/internal/litefs"
)

// Report is what one node says of itself: GET /admin/node's answer.
type Report struct {
	// ID is drawn at random when the blog starts: it tells two nodes apart
	// even on one machine, and one node reached by two addresses.
	ID string `json:"id"`
	// Name is FLY_MACHINE_ID on Fly.io, else the machine's host name.
	Name    string `json:"name"`
	Region  string `json:"region"` // FLY_REGION; "" off Fly.io
	Version string `json:"version"`
	Role    string `json:"role"`    // standalone, primary or replica
	Primary string `json:"primary"` // on a replica, the primary's host name
	// TXID is the LiteFS transaction the counts were read at: 16 hex
	// digits, "" off LiteFS.
	TXID    string    `json:"txid"`
	Counts  Counts    `json:"counts"`
	Streams int       `json:"streams"` // live streams (open pages) on this node
	Time    time.Time `json:"time"`    // when the report was made, by the node's clock
	History History   `json:"history"`
}

// Counts are the rows of the node's tables, read in one transaction.
type Counts struct {
	Tags            int64 `json:"tags"`
	Posts           int64 `json:"posts"`
	Projects        int64 `json:"projects"`
	Assets          int64 `json:"assets"`
	IdempotencyKeys int64 `json:"idempotency_keys"`
}

// Tables names the counts in the order they are shown, with their values.
func (c Counts) Tables() []Count {
	return []Count{
		{"tags", c.Tags}, {"posts", c.Posts}, {"projects", c.Projects},
		{"assets", c.Assets}, {"idempotency_keys", c.IdempotencyKeys},
	}
}

// Count is one table's row count.
type Count struct {
	Table string
	Rows  int64
}

// History is the last hour of a node's measurements, a point a step,
// oldest first, the last ending at End.
type History struct {
	StepSeconds    int       `json:"step_seconds"`
	End            time.Time `json:"end"`
	ReplicationLag []Point   `json:"replication_lag"` // on a replica, of each transaction applied
	ForwardLatency []Point   `json:"forward_latency"` // of each write forwarded to the primary
}

// Point summarises one step's measurements, in milliseconds; N is 0 for a
// step without any.
type Point struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50_ms"`
	P99 float64 `json:"p99_ms"`
}

// Bounds of what a report may hold. A node's own is always within them;
// one fetched from elsewhere is checked against them (Check), so that a
// node that answers nonsense cannot stretch the page or the check.
const (
	maxText = 255             // bytes of a name, region, version or primary
	maxMs   = 7 * 24 * 3600e3 // a week: more than any bin of Samples reads
	maxN    = math.MaxUint32  // measurements in a step
)

// Check reports what is wrong with a report that came from another node,
// and keeps of its history only what the page can draw: Points points of
// a minute, each within bounds.
func (r *Report) Check() error {
	for _, f := range []struct{ name, v string }{
		{"id", r.ID}, {"name", r.Name}, {"region", r.Region}, {"version", r.Version}, {"primary", r.Primary},
	} {
		if len(f.v) > maxText || strings.IndexFunc(f.v, func(c rune) bool { return !unicode.IsPrint(c) }) >= 0 {
			return fmt.Errorf("its %s is not a short line of text", f.name)
		}
	}
	if r.ID == "" {
		return fmt.Errorf("it has no id")
	}
	switch litefs.Role(r.Role) {
	case litefs.Standalone, litefs.Primary, litefs.Replica:
	default:
		return fmt.Errorf("its role %.40q is none of standalone, primary and replica", r.Role)
	}
	if r.TXID != "" {
		if _, err := litefs.ParseTXID(r.TXID); err != nil {
			return err
		}
	}
	for _, c := range r.Counts.Tables() {
		if c.Rows < 0 {
			return fmt.Errorf("it counts %d rows of %s", c.Rows, c.Table)
		}
	}
	if r.Streams < 0 {
		return fmt.Errorf("it holds %d streams", r.Streams)
	}
	if r.History.StepSeconds != int(Step/time.Second) {
		r.History = History{} // measured otherwise: not drawn
	}
	for _, s := range []*[]Point{&r.History.ReplicationLag, &r.History.ForwardLatency} {
		if len(*s) > Points {
			*s = (*s)[len(*s)-Points:]
		}
		for i, p := range *s {
			if p.N < 0 || p.N > maxN || !inRange(p.P50) || !inRange(p.P99) {
				(*s)[i] = Point{} // a point no node measures: not drawn
			}
		}
	}
	return nil
}

func inRange(ms float64) bool { return ms >= 0 && ms <= maxMs }
