package views

import (
	"strings"
	"testing"

	"blog/internal/cluster"
)

// TestChartDrawsRunsOfMinutes: minutes with measurements next to each
// other are one line, a lone minute a dot, and a minute without any
// breaks the line; the y axis ends at a round number above the highest
// 99th percentile.
func TestChartDrawsRunsOfMinutes(t *testing.T) {
	pts := make([]cluster.Point, cluster.Points)
	pts[10] = cluster.Point{N: 1, P50: 3, P99: 4}
	pts[20] = cluster.Point{N: 2, P50: 10, P99: 30}
	pts[21] = cluster.Point{N: 5, P50: 12, P99: 44}
	pts[22] = cluster.Point{N: 1, P50: 11, P99: 41}
	c := chart{Kind: "lag", Points: pts, Samples: 9}
	if got := c.scale(); got != 50 {
		t.Errorf("scale %v, want 50 above a p99 of 44", got)
	}
	lines := c.lines(p99)
	if len(lines) != 2 || !lines[0].Dot || lines[1].Dot || strings.Count(lines[1].Points, ",") != 3 {
		t.Fatalf("lines %+v, want a dot for minute 10 and a line through minutes 20 to 22", lines)
	}
	// The top of the axis is the top of the plot; nothing is drawn outside.
	if y := c.y(50); y != plotTop {
		t.Errorf("y(50 ms) = %v, want the plot's top %v", y, plotTop)
	}
	if y := c.y(500); y != plotTop {
		t.Errorf("y(500 ms) = %v, outside the plot", y)
	}
	if s := c.summary(); !strings.Contains(s, "9 transactions") || !strings.Contains(s, "median 11 ms, 99th percentile 41 ms") ||
		!strings.Contains(s, "Highest 99th percentile of the hour: 44 ms") {
		t.Errorf("summary %q", s)
	}
	for v, want := range map[float64]string{0: "0", 0.25: "0.25 ms", 2.5: "2.5 ms", 44.4: "44 ms", 1500: "1.5 s"} {
		if got := ms(v); got != want {
			t.Errorf("ms(%v) = %q, want %q", v, got, want)
		}
	}
	if got := (chart{Points: make([]cluster.Point, cluster.Points)}).scale(); got != 1 {
		t.Errorf("an empty chart's scale is %v, want 1 ms", got)
	}
}
