package assets

import (
	"image"
	"image/color"
	"math"
	"testing"
)

func solid(w, h int, c func(x, y int) color.RGBA) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.SetRGBA(x, y, c(x, y))
		}
	}
	return m
}

// The placeholder's base colour is the nearest of its 128 to the
// picture's, and its cells follow the picture's light and dark parts.
func TestPlaceholder(t *testing.T) {
	for _, tc := range []struct {
		name  string
		m     *image.RGBA
		check func(base oklab, cells [6]int) string
	}{
		{"mid grey", solid(90, 60, func(int, int) color.RGBA { return color.RGBA{119, 119, 119, 255} }),
			func(b oklab, cells [6]int) string {
				if math.Abs(b.A) > 0.05 || math.Abs(b.B) > 0.05 {
					return "grey has a hue"
				}
				for _, c := range cells {
					if c != cells[0] {
						return "an even picture has uneven cells"
					}
				}
				return ""
			}},
		{"red", solid(90, 60, func(int, int) color.RGBA { return color.RGBA{220, 30, 30, 255} }),
			func(b oklab, _ [6]int) string {
				if b.A < 0.1 || math.Abs(b.B) > b.A {
					return "red is not mostly +a"
				}
				return ""
			}},
		{"dark left, light right", solid(90, 60, func(x, _ int) color.RGBA {
			v := uint8(x * 255 / 89)
			return color.RGBA{v, v, v, 255}
		}), func(_ oklab, c [6]int) string {
			if !(c[0] <= c[1] && c[1] <= c[2] && c[0] < c[2]) || c[0] != c[3] || c[2] != c[5] {
				return "cells do not brighten left to right in both rows"
			}
			return ""
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := Placeholder(tc.m)
			if n < -1<<19 || n >= 1<<19 {
				t.Fatalf("placeholder %d is not 20 bits", n)
			}
			base, cells := DecodePlaceholder(n)
			if msg := tc.check(base, cells); msg != "" {
				t.Errorf("%s: placeholder %d decodes to base %+v, cells %v", msg, n, base, cells)
			}
		})
	}
}
