package views

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"blog/internal/cluster"
)

// ClusterPage is what the cluster page shows: every node this one knows
// of, asked at At.
type ClusterPage struct {
	Members []cluster.Member
	At      time.Time
}

// nodeLabel names a node by where it was asked, this node by itself.
func nodeLabel(m cluster.Member) string {
	if m.Self {
		return "this node"
	}
	if m.Err != nil {
		return strings.TrimPrefix(m.Err.URL, "http://")
	}
	return strings.TrimPrefix(m.URL, "http://")
}

// nodeID is an id for a node's section, unique on the page.
func nodeID(i int) string { return "node-" + strconv.Itoa(i) }

func region(r cluster.Report) string {
	if r.Region == "" {
		return "local"
	}
	return r.Region
}

// lagText says how far a node is behind the primary.
func lagText(m cluster.Member) string {
	switch {
	case m.Report.Role == "primary":
		return "primary"
	case m.Report.Role == "standalone":
		return "standalone"
	case m.InStep:
		return "in step"
	case m.Behind > 0:
		return strconv.FormatUint(m.Behind, 10) + " tx behind"
	}
	return "primary not known"
}

func fetchProblem(m cluster.Member) string { return strings.TrimPrefix(m.Err.Error(), m.Err.URL+": ") }

// chart is one of a node's two charts, drawn on the server as SVG.
type chart struct {
	ID      string // the figure's id, unique on the page
	Kind    string // "lag" or "forward"
	Title   string
	Empty   string // what the chart says when it has no point
	Points  []cluster.Point
	Samples int // measurements in the hour
}

// nodeCharts are a node's charts: its replication lag and the latency of
// the writes it forwarded, over the last hour.
func nodeCharts(i int, m cluster.Member) []chart {
	lag := chart{ID: nodeID(i) + "-lag", Kind: "lag", Title: "Replication lag", Points: m.Report.History.ReplicationLag,
		Empty: "No transaction replicated in the last hour."}
	fwd := chart{ID: nodeID(i) + "-forward", Kind: "forward", Title: "Forwarded-write latency", Points: m.Report.History.ForwardLatency,
		Empty: "No write forwarded in the last hour."}
	switch m.Report.Role {
	case "primary":
		lag.Empty = "The primary commits every write: it has no lag."
		fwd.Empty = "The primary forwards no writes."
	case "standalone":
		lag.Empty = "Not on LiteFS: nothing is replicated."
		fwd.Empty = "Not on LiteFS: nothing is forwarded."
	}
	for _, c := range []*chart{&lag, &fwd} {
		for _, p := range c.Points {
			c.Samples += p.N
		}
	}
	return []chart{lag, fwd}
}

// The chart's drawing, in the SVG's own units: the plot sits inside the
// margins, the axis labels in them.
const (
	chartViewBox          = "0 0 320 128"
	plotLeft, plotRight   = 44, 314
	plotTop, plotBottom   = 8, 106
	plotWidth, plotHeight = plotRight - plotLeft, plotBottom - plotTop
	xLabelY               = 122
	yLabelX               = 40
	emptyX, emptyY        = (plotLeft + plotRight) / 2, (plotTop + plotBottom) / 2
)

// scale is the top of the chart's y axis: the highest p99 of the hour,
// rounded up to 1, 2 or 5 times a power of ten, and at least 1 ms.
func (c chart) scale() float64 {
	top := 1.0
	for _, p := range c.Points {
		if p.N > 0 {
			top = max(top, p.P99, p.P50)
		}
	}
	mag := math.Pow(10, math.Floor(math.Log10(top)))
	for _, f := range []float64{1, 2, 5, 10} {
		if top <= f*mag {
			return f * mag
		}
	}
	return 10 * mag
}

func (c chart) x(i int) float64 {
	return plotLeft + (float64(i)+0.5)*plotWidth/float64(max(len(c.Points), 1))
}

func (c chart) y(ms float64) float64 {
	return plotBottom - min(ms/c.scale(), 1)*plotHeight
}

// line is a run of minutes with measurements, drawn as one polyline, or as
// a dot when it is one minute long.
type line struct {
	Points string // "x,y x,y …"
	Dot    bool
	X, Y   string // the dot's centre
}

// lines returns the runs of the percentile pick reads.
func (c chart) lines(pick func(cluster.Point) float64) []line {
	var out []line
	var run []string
	var last [2]float64
	flush := func() {
		switch len(run) {
		case 0:
		case 1:
			out = append(out, line{Dot: true, X: num(last[0]), Y: num(last[1])})
		default:
			out = append(out, line{Points: strings.Join(run, " ")})
		}
		run = nil
	}
	for i, p := range c.Points {
		if p.N == 0 {
			flush()
			continue
		}
		last = [2]float64{c.x(i), c.y(pick(p))}
		run = append(run, num(last[0])+","+num(last[1]))
	}
	flush()
	return out
}

func p50(p cluster.Point) float64 { return p.P50 }
func p99(p cluster.Point) float64 { return p.P99 }

// gridLines are the y axis's marks: none, half the scale, the scale.
func (c chart) gridLines() []gridLine {
	top := c.scale()
	var out []gridLine
	for _, v := range []float64{0, top / 2, top} {
		out = append(out, gridLine{Y: num(c.y(v)), Label: ms(v)})
	}
	return out
}

type gridLine struct{ Y, Label string }

// summary says in words what the chart draws, for those who do not see it.
func (c chart) summary() string {
	if c.Samples == 0 {
		return c.Empty
	}
	var latest cluster.Point
	var worst float64
	for _, p := range c.Points {
		if p.N > 0 {
			latest = p
			worst = max(worst, p.P99)
		}
	}
	what := "writes"
	if c.Kind == "lag" {
		what = "transactions"
	}
	return fmt.Sprintf("%d %s in the last hour. Latest minute with any: median %s, 99th percentile %s. Highest 99th percentile of the hour: %s.",
		c.Samples, what, ms(latest.P50), ms(latest.P99), ms(worst))
}

// ms writes a duration in milliseconds the way the chart labels it.
func ms(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 1000:
		return strconv.FormatFloat(v/1000, 'f', -1, 64) + " s"
	case v < 10:
		return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64) + " ms"
	default:
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64) + " ms"
	}
}

// num writes an SVG coordinate.
func num(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

func clock(t time.Time) string { return t.UTC().Format("15:04:05 UTC") }
