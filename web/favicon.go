package web

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"math"
)

// faviconICO is faviconPNG inside an ICO file.
func faviconICO() []byte {
	pngData := faviconPNG()
	const size = 32
	// ICONDIR, one ICONDIRENTRY, then the PNG itself.
	var ico bytes.Buffer
	_ = binary.Write(&ico, binary.LittleEndian, [3]uint16{0, 1, 1})
	ico.Write([]byte{size, size, 0, 0})
	_ = binary.Write(&ico, binary.LittleEndian, [2]uint16{1, 32})
	_ = binary.Write(&ico, binary.LittleEndian, [2]uint32{uint32(len(pngData)), 6 + 16})
	ico.Write(pngData)
	return ico.Bytes()
}

// faviconPNG draws the mark of web/static/favicon.svg, a white R on a
// rounded violet square, as a 32×32 PNG.
func faviconPNG() []byte {
	const size, samples = 32, 4
	violet := color.NRGBA{0x7c, 0x3a, 0xed, 0xff}
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	// The R as in the SVG: strokes 3 wide along these segments and the bowl.
	segs := [][4]float64{{9, 22, 9, 10}, {9, 10, 16, 10}, {16, 18, 13, 18}, {13, 18, 18, 22}}
	inR := func(x, y float64) bool {
		for _, s := range segs {
			if distToSegment(x, y, s) <= 1.5 {
				return true
			}
		}
		if x >= 16 { // the bowl: a half circle of radius 4 around (16, 14)
			return math.Abs(math.Hypot(x-16, y-14)-4) <= 1.5
		}
		return false
	}
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var bg, fg int
			for sy := 0; sy < samples; sy++ {
				for sx := 0; sx < samples; sx++ {
					x := float64(px) + (float64(sx)+0.5)/samples
					y := float64(py) + (float64(sy)+0.5)/samples
					if !inRoundedSquare(x, y, size, 7) {
						continue
					}
					if inR(x, y) {
						fg++
					} else {
						bg++
					}
				}
			}
			n := float64(samples * samples)
			a := float64(bg+fg) / n
			if a == 0 {
				continue
			}
			f := float64(fg) / float64(bg+fg)
			mix := func(c uint8) uint8 { return uint8(math.Round(float64(c)*(1-f) + 255*f)) }
			img.SetNRGBA(px, py, color.NRGBA{mix(violet.R), mix(violet.G), mix(violet.B), uint8(math.Round(255 * a))})
		}
	}
	var pngData bytes.Buffer
	_ = png.Encode(&pngData, img)
	return pngData.Bytes()
}

func inRoundedSquare(x, y, size, r float64) bool {
	cx := math.Max(r, math.Min(size-r, x))
	cy := math.Max(r, math.Min(size-r, y))
	return math.Hypot(x-cx, y-cy) <= r
}

func distToSegment(x, y float64, s [4]float64) float64 {
	dx, dy := s[2]-s[0], s[3]-s[1]
	t := ((x-s[0])*dx + (y-s[1])*dy) / (dx*dx + dy*dy)
	t = math.Max(0, math.Min(1, t))
	return math.Hypot(x-(s[0]+t*dx), y-(s[1]+t*dy))
}
