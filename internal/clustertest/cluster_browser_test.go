package clustertest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"blog/internal/browsertest"
)

// TestBrowserClusterPage opens the cluster page as the admin on a replica
// a region away from its primary (40 ms each way): it lists both nodes,
// draws each one's charts, and after writes through the replica the
// replica's lag and forwarded-write charts take them in, without a reload.
// The page is then shot at a desktop's and a phone's width in both themes,
// each shot checked with axe-core and for anything wider than the screen.
func TestBrowserClusterPage(t *testing.T) {
	c := Start(t, Options{Delay: 40 * time.Millisecond})
	ctx := browsertest.New(t)
	if err := browsertest.BasicAuth(ctx, "admin", c.AdminPassword); err != nil {
		t.Fatal(err)
	}
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		return s
	}
	waitFor := func(what, js string, within time.Duration) time.Duration {
		t.Helper()
		start := time.Now()
		for eval("String("+js+")") != "true" {
			if time.Since(start) > within {
				t.Fatalf("%s: not within %v", what, within)
			}
			time.Sleep(100 * time.Millisecond)
		}
		return time.Since(start)
	}
	samples := func(id string) int {
		n, err := strconv.Atoi(eval(`document.getElementById("` + id + `").dataset.samples`))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	run("open the cluster page on the replica", emulate(1280, "dark"),
		chromedp.Navigate(c.Replica.URL+"/admin/cluster"), chromedp.WaitVisible(chromedp.CSS("#cluster-nodes")))
	rows := eval(`Array.from(document.querySelectorAll("#cluster-nodes tbody tr")).map(r => r.dataset.role + " " + r.dataset.node).join("|")`)
	self, primary, ok := strings.Cut(rows, "|")
	if !ok || self != "replica this node" || !strings.HasPrefix(primary, "primary "+PrimaryIP+":") || strings.Contains(primary, "|") {
		t.Fatalf("the replica's cluster page lists %q, want itself and the primary at %s", rows, PrimaryIP)
	}
	if n := eval(`String(document.querySelectorAll("figure.chart svg").length)`); n != "4" {
		t.Fatalf("%s charts, want two for each node", n)
	}
	waitFor("the replica in step with the primary", `document.querySelector("#cluster-nodes tbody tr").textContent.includes("in step")`, 15*time.Second)

	// Writes through the replica: forwarded to the primary, then
	// replicated back, each measured.
	lag0, fwd0 := samples("node-0-lag"), samples("node-0-forward")
	eval(`window.stayed = "yes"`)
	for range 3 {
		c.mustCreateTag(t, c.Replica, unique("charted"))
	}
	took := waitFor("the charts take the writes in",
		fmt.Sprintf(`+document.getElementById("node-0-lag").dataset.samples > %d && +document.getElementById("node-0-forward").dataset.samples >= %d`, lag0, fwd0+3),
		15*time.Second)
	t.Logf("the open page showed the writes in its charts after %v", took.Round(time.Millisecond))
	if eval(`String(window.stayed)`) != "yes" {
		t.Error("the page was reloaded, not updated in place")
	}
	for _, id := range []string{"node-0-lag", "node-0-forward"} {
		if n := eval(`String(document.querySelectorAll("#` + id + ` svg .p50, #` + id + ` svg .p99").length)`); n == "0" {
			t.Errorf("%s draws no line after the writes", id)
		}
	}
	// A region away, a transaction takes at least the delay to arrive.
	if got := eval(`document.getElementById("node-0-lag-summary").textContent`); !strings.Contains(got, "transactions in the last hour") {
		t.Errorf("the lag chart says %q", got)
	}

	// Hold the page still for the shots: live.js lets go of the stream
	// when the page is hidden.
	eval(`window.dispatchEvent(new PageTransitionEvent("pagehide")), "ok"`)
	for _, scheme := range []string{"dark", "light"} {
		for _, width := range []int64{1280, 390} {
			run("look", emulate(width, scheme))
			browsertest.Screenshot(ctx, t, fmt.Sprintf("cluster-%s-%d.png", scheme, width))
			if wide := eval(overflowing); wide != "" {
				t.Errorf("%s at %d px: wider than the screen: %s", scheme, width, wide)
			}
			browsertest.CheckAccessibility(ctx, t)
		}
	}
}

// emulate sizes the window and sets the reader's colour scheme, with
// reduced motion and scrollbars that take no room, as on a phone.
func emulate(width int64, scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
			return err
		}
		if _, err := chromedp.Call(ctx, emulation.SetScrollbarsHidden, emulation.SetScrollbarsHiddenParams{Hidden: true}); err != nil {
			return err
		}
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{
				{Name: "prefers-color-scheme", Value: scheme},
				{Name: "prefers-reduced-motion", Value: "reduce"},
			},
		})
		return err
	})
}

// overflowing names what reaches past the right edge of the page, "" when
// nothing does: only the table of nodes may scroll, inside itself.
const overflowing = `(() => {
	const edge = document.documentElement.clientWidth;
	if (document.documentElement.scrollWidth <= edge) return "";
	const out = [];
	for (const el of document.body.querySelectorAll("*")) {
		const r = el.getBoundingClientRect();
		if (r.right > edge + 1 && r.width > 0 && !el.closest(".table-scroll")) out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " " + Math.round(r.right));
		if (out.length > 8) break;
	}
	return "scrollWidth " + document.documentElement.scrollWidth + " > " + edge + ": " + out.join(", ");
})()`
