package assets

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"testing"
)

// photo makes a JPEG that compresses like a photograph: smooth gradients,
// shapes and grain, seeded so every run makes the same one.
func photo(t testing.TB, w, h int, seed uint64) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed*7+1))
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	cx, cy := rng.Float64()*float64(w), rng.Float64()*float64(h)
	hue := rng.Float64() * 2 * math.Pi
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			d := math.Hypot(float64(x)-cx, float64(y)-cy) / float64(w)
			wave := math.Sin(float64(x)/37+hue) * math.Cos(float64(y)/53)
			grain := rng.Float64()*24 - 12
			base := 128 + 90*math.Cos(d*6+hue) + 20*wave
			i := m.PixOffset(x, y)
			m.Pix[i] = clamp8(base + grain + 40*math.Sin(hue))
			m.Pix[i+1] = clamp8(base*0.8 + grain + float64(y)/float64(h)*60)
			m.Pix[i+2] = clamp8(255 - base + grain)
			m.Pix[i+3] = 255
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func clamp8(v float64) uint8 { return uint8(max(0, min(255, math.Round(v)))) }

var _ = color.White
