package static_test

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"blog/web/static"
)

// The text of the pages must be readable in both themes: WCAG 2's
// contrast ratio of at least 4.5:1 for body text. The colours are read
// from style.css itself, the dark theme from its first :root block and the
// light one from the :root block under prefers-color-scheme: light.
func TestTextContrast(t *testing.T) {
	css, err := static.FS.ReadFile("style.css")
	if err != nil {
		t.Fatal(err)
	}
	themes, err := themeColours(string(css))
	if err != nil {
		t.Fatal(err)
	}
	// Pairs of text and background the pages use for reading.
	pairs := []struct{ text, background string }{
		{"--fg", "--bg"},             // body text
		{"--fg-muted", "--bg"},       // dates, descriptions, the tagline
		{"--link", "--bg"},           // links
		{"--heading", "--bg"},        // headings
		{"--fg", "--bg-2"},           // notes, flashes, code blocks
		{"--fg-muted", "--bg-2"},     // comments in code blocks
		{"--code-fg", "--bg-3"},      // inline code
		{"--tag", "--bg"},            // tags
		{"--badge-fg", "--block-bg"}, // titles, yellow on blue
		{"--block-fg", "--block-bg"}, // the status line's RSS and Source
		{"--bsod-fg", "--bsod-bg"},   // the bluescreen
		{"--bsod-badge-fg", "--bsod-badge-bg"},
	}
	for _, theme := range []string{"dark", "light"} {
		vars := themes[theme]
		for _, p := range pairs {
			fg, err := resolve(vars, p.text)
			if err != nil {
				t.Fatalf("%s theme: %v", theme, err)
			}
			bg, err := resolve(vars, p.background)
			if err != nil {
				t.Fatalf("%s theme: %v", theme, err)
			}
			ratio := contrast(fg, bg)
			t.Logf("%s theme: %s %s on %s %s = %.2f:1", theme, p.text, fg, p.background, bg, ratio)
			if ratio < 4.5 {
				t.Errorf("%s theme: %s (%s) on %s (%s) has contrast %.2f:1, below 4.5:1", theme, p.text, fg, p.background, bg, ratio)
			}
		}
	}
}

// The measure itself: known values from the WCAG definition.
func TestContrastRatio(t *testing.T) {
	cases := []struct {
		a, b string
		want float64
	}{
		{"#000000", "#ffffff", 21},
		{"#ffffff", "#ffffff", 1},
		{"#777777", "#ffffff", 4.48}, // the classic grey that just fails
		{"#0000aa", "#ffffff", 13.29},
	}
	for _, c := range cases {
		if got := contrast(c.a, c.b); math.Abs(got-c.want) > 0.05 {
			t.Errorf("contrast(%s, %s) = %.2f, want %.2f", c.a, c.b, got, c.want)
		}
	}
	// A stylesheet without the light theme, or with a colour that is not
	// one, is refused rather than passed.
	if _, err := themeColours(":root { --bg: #000; --fg: #fff; }"); err == nil {
		t.Error("a stylesheet without a light theme was accepted")
	}
	vars := map[string]string{"--fg": "var(--nowhere)", "--bg": "red"}
	if _, err := resolve(vars, "--fg"); err == nil {
		t.Error("an undefined variable was resolved")
	}
	if _, err := resolve(vars, "--bg"); err == nil {
		t.Error("a named colour was taken as a hex colour")
	}
}

var (
	rootBlock  = regexp.MustCompile(`(?s):root\s*\{(.*?)\}`)
	lightMedia = regexp.MustCompile(`(?s)@media\s*\(prefers-color-scheme:\s*light\)\s*\{\s*:root\s*\{(.*?)\}`)
	customProp = regexp.MustCompile(`(--[\w-]+)\s*:\s*([^;]+);`)
)

// themeColours returns the custom properties of each theme: the light
// theme is the dark one with the light block's properties over it.
func themeColours(css string) (map[string]map[string]string, error) {
	css = regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(css, "")
	light := lightMedia.FindStringSubmatch(css)
	if light == nil {
		return nil, fmt.Errorf("no :root block under @media (prefers-color-scheme: light)")
	}
	dark := rootBlock.FindStringSubmatch(css)
	if dark == nil {
		return nil, fmt.Errorf("no :root block")
	}
	d := map[string]string{}
	for _, m := range customProp.FindAllStringSubmatch(dark[1], -1) {
		d[m[1]] = strings.TrimSpace(m[2])
	}
	l := map[string]string{}
	for k, v := range d {
		l[k] = v
	}
	for _, m := range customProp.FindAllStringSubmatch(light[1], -1) {
		l[m[1]] = strings.TrimSpace(m[2])
	}
	return map[string]map[string]string{"dark": d, "light": l}, nil
}

var varRef = regexp.MustCompile(`^var\((--[\w-]+)\)$`)
var hexColour = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// resolve follows var() references to a hex colour.
func resolve(vars map[string]string, name string) (string, error) {
	for range 10 {
		v, ok := vars[name]
		if !ok {
			return "", fmt.Errorf("%s is not defined", name)
		}
		if m := varRef.FindStringSubmatch(v); m != nil {
			name = m[1]
			continue
		}
		if !hexColour.MatchString(v) {
			return "", fmt.Errorf("%s is %q, not a #rrggbb colour", name, v)
		}
		return v, nil
	}
	return "", fmt.Errorf("%s: var() references nest too deep", name)
}

// contrast is WCAG 2's contrast ratio of two #rgb or #rrggbb colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(hex string) float64 {
	h := strings.TrimPrefix(hex, "#")
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	channel := func(s string) float64 {
		n, _ := strconv.ParseUint(s, 16, 8)
		c := float64(n) / 255
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*channel(h[0:2]) + 0.7152*channel(h[2:4]) + 0.0722*channel(h[4:6])
}
