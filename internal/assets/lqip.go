package assets

import (
	"image"
	"math"
)

// The placeholder packs a picture into 20 bits that CSS alone turns back
// into a blurred preview (web/static/lqip.css), after the CSS-only LQIP of
// leanrada.com/notes/css-only-lqip: a base colour in Oklab (2 bits of
// lightness, 3 each of the a and b axes) and the lightness of a 3×2 grid of
// cells relative to it (2 bits each).
//
//	bits 19–8: cells left to right, top row first, 2 bits each
//	bits  7–6: base lightness   L = ll/3 × 0.6 + 0.2
//	bits  5–3: base a           a = aaa/8 × 0.7 − 0.35
//	bits  2–0: base b           b = (bbb+1)/8 × 0.7 − 0.35
//
// The number is stored and written out minus 2^19, so it lies in
// [−524288, 524287]; the CSS adds 2^19 back before taking it apart.
const (
	lqipBias = 1 << 19
	gridCols = 3
	gridRows = 2
)

type oklab struct{ L, A, B float64 }

// Placeholder returns the 20-bit placeholder of m, biased as above.
func Placeholder(m *image.RGBA) int {
	var cells [gridCols * gridRows]oklab
	var mean oklab
	for i := range cells {
		cells[i] = cellColour(m, i%gridCols, i/gridCols)
		mean.L += cells[i].L / float64(len(cells))
		mean.A += cells[i].A / float64(len(cells))
		mean.B += cells[i].B / float64(len(cells))
	}
	ll, aaa, bbb := nearestBase(mean)
	baseL := baseColour(ll, aaa, bbb).L
	v := ll<<6 | aaa<<3 | bbb
	for i, c := range cells {
		rel := math.Max(0, math.Min(1, 0.5+c.L-baseL))
		v |= int(math.Round(rel*3)) << (18 - 2*i)
	}
	return v - lqipBias
}

// DecodePlaceholder takes a placeholder apart as the CSS does: the base
// colour and the six cells' lightness levels (0–3).
func DecodePlaceholder(n int) (base oklab, cells [gridCols * gridRows]int) {
	v := n + lqipBias
	base = baseColour(v>>6&3, v>>3&7, v&7)
	for i := range cells {
		cells[i] = v >> (18 - 2*i) & 3
	}
	return base, cells
}

func baseColour(ll, aaa, bbb int) oklab {
	return oklab{
		L: float64(ll)/3*0.6 + 0.2,
		A: float64(aaa)/8*0.7 - 0.35,
		B: float64(bbb+1)/8*0.7 - 0.35,
	}
}

// nearestBase picks, of the 128 base colours, the one closest to c,
// comparing hues with the chroma's square root so that greys stay grey.
func nearestBase(c oklab) (ll, aaa, bbb int) {
	scale := func(x, chroma float64) float64 { return x / (1e-6 + math.Sqrt(chroma)) }
	tc := math.Hypot(c.A, c.B)
	ta, tb := scale(c.A, tc), scale(c.B, tc)
	best := math.Inf(1)
	for l := 0; l < 4; l++ {
		for a := 0; a < 8; a++ {
			for b := 0; b < 8; b++ {
				k := baseColour(l, a, b)
				kc := math.Hypot(k.A, k.B)
				d := math.Pow(k.L-c.L, 2) + math.Pow(scale(k.A, kc)-ta, 2) + math.Pow(scale(k.B, kc)-tb, 2)
				if d < best {
					best, ll, aaa, bbb = d, l, a, b
				}
			}
		}
	}
	return ll, aaa, bbb
}

// cellColour is the mean colour of one cell of the 3×2 grid over m,
// sampled on at most 64×64 points.
func cellColour(m *image.RGBA, col, row int) oklab {
	b := m.Rect
	x0, x1 := b.Min.X+b.Dx()*col/gridCols, b.Min.X+b.Dx()*(col+1)/gridCols
	y0, y1 := b.Min.Y+b.Dy()*row/gridRows, b.Min.Y+b.Dy()*(row+1)/gridRows
	if x1 <= x0 {
		x1 = x0 + 1
	}
	if y1 <= y0 {
		y1 = y0 + 1
	}
	sx, sy := max(1, (x1-x0)/64), max(1, (y1-y0)/64)
	var r, g, bl, n float64
	for y := y0; y < y1 && y < b.Max.Y; y += sy {
		for x := x0; x < x1 && x < b.Max.X; x += sx {
			i := m.PixOffset(x, y)
			r += linear(m.Pix[i])
			g += linear(m.Pix[i+1])
			bl += linear(m.Pix[i+2])
			n++
		}
	}
	if n == 0 {
		return oklab{L: 0.5}
	}
	return linearToOklab(r/n, g/n, bl/n)
}

// linear turns an sRGB byte into linear light.
func linear(c uint8) float64 {
	v := float64(c) / 255
	if v <= 0.04045 {
		return v / 12.92
	}
	return math.Pow((v+0.055)/1.055, 2.4)
}

// linearToOklab is Björn Ottosson's conversion from linear sRGB.
func linearToOklab(r, g, b float64) oklab {
	l := math.Cbrt(0.4122214708*r + 0.5363325363*g + 0.0514459929*b)
	m := math.Cbrt(0.2119034982*r + 0.6806995451*g + 0.1073969566*b)
	s := math.Cbrt(0.0883024619*r + 0.2817188376*g + 0.6299787005*b)
	return oklab{
		L: 0.2104542553*l + 0.7936177850*m - 0.0040720468*s,
		A: 1.9779984951*l - 2.4285922050*m + 0.4505937099*s,
		B: 0.0259040371*l + 0.7827717662*m - 0.8086757660*s,
	}
}
