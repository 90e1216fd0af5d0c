package browsertest

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// AxeVersion is the version of axe-core vendored in axe/axe.min.js; its
// README says where it comes from and how to update it.
const AxeVersion = "4.14.1"

// axeSource is axe-core, minified, as npm ships it (MPL-2.0, axe/LICENSE).
//
//go:embed axe/axe.min.js
var axeSource string

// Violation is one rule of axe-core a page breaks, with the elements that
// break it.
type Violation struct {
	ID          string `json:"id"`
	Impact      string `json:"impact"` // minor, moderate, serious or critical
	Description string `json:"description"`
	HelpURL     string `json:"helpUrl"`
	Nodes       []struct {
		Target         []any  `json:"target"` // CSS selectors; nested lists inside frames
		HTML           string `json:"html"`
		FailureSummary string `json:"failureSummary"`
	} `json:"nodes"`
}

// String tells the rule, its impact and every element that breaks it,
// with axe's own summary of what to fix.
func (v Violation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s\n  %s", v.ID, v.Impact, v.Description, v.HelpURL)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n  - %v: %.200s\n    %s", n.Target, n.HTML,
			strings.ReplaceAll(n.FailureSummary, "\n", "\n    "))
	}
	return b.String()
}

// Accessibility runs axe-core on the page the browser shows now, with its
// default rules (WCAG 2 A and AA and the best practices), and returns the
// rules the page breaks.
//
// axe is put into the page through DevTools (Runtime.evaluate), which the
// pages' Content-Security-Policy does not govern: the policy forbids
// script from anywhere but the blog, and no page ever loads axe itself.
// It is put in once per document; a new page needs it again. axe runs
// asynchronously, so script must be on in the browser when it runs; a
// page loaded with script off is checked as it loaded once it is back on.
func Accessibility(ctx context.Context) ([]Violation, error) {
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err != nil {
		return nil, fmt.Errorf("axe: look for it in the page: %w", err)
	}
	if !loaded {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
			return nil, fmt.Errorf("axe: put it into the page: %w", err)
		}
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]Violation](
		`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations)`, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("axe: run: %w", err)
	}
	return vs, nil
}

// CheckAccessibility runs axe-core on the page the browser shows now and
// fails t, naming the page and listing every violation, unless there is
// none. Browser tests call it after each page they open has loaded.
func CheckAccessibility(ctx context.Context, t testing.TB) {
	t.Helper()
	vs, err := Accessibility(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) == 0 {
		return
	}
	url, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
	scheme, _ := chromedp.Run(ctx, chromedp.Evaluate[string](
		`matchMedia("(prefers-color-scheme: light)").matches ? "light" : "dark"`))
	lines := make([]string, len(vs))
	for i, v := range vs {
		lines[i] = v.String()
	}
	t.Errorf("axe-core %s finds %d violations on %s (%s colours):\n%s", AxeVersion, len(vs), url, scheme,
		strings.Join(lines, "\n"))
}
