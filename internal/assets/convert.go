package assets

import (
	"bytes"
	"fmt"
	"image"
	stddraw "image/draw"
	_ "image/gif" // GIF: the first frame
	_ "image/jpeg"
	_ "image/png"
	"io"
	"math"
	"runtime"

	"github.com/gen2brain/webp"
	"golang.org/x/image/draw"
	"golang.org/x/image/math/f64"
	xwebp "golang.org/x/image/webp"
)

// Limits on what an import accepts. The pixel limit, like those of
// cost.go, is checked on the file's header, before a single pixel is
// decoded, so that a small file claiming an enormous picture cannot
// exhaust the node's memory.
const (
	MaxBytes  = 20 << 20   // largest image file
	MaxPixels = 40_000_000 // largest picture, width × height
	MaxWidth  = 1600       // wider pictures are scaled down to this width
	Quality   = 80         // WebP quality
)

// Version names the conversion. It is part of every image's hash, so a
// change to the conversion converts every image again on the next import.
const Version = "assets/2 webp q80 w1600 catmullrom lqip20 upright"

// Converted is a picture ready to be stored and served.
type Converted struct {
	ContentType string
	Data        []byte
	Width       int
	Height      int
	// LQIP is the 20-bit placeholder (see lqip.go), nil for pictures with
	// transparent parts, where a placeholder would show through for good,
	// and for SVG.
	LQIP *int
}

// convertRaster decodes a JPEG, PNG, GIF (its first frame) or WebP file,
// scales it to at most MaxWidth wide and encodes it as WebP. Only pixels
// are carried over: EXIF, ICC profiles and comments are left behind. With
// headerOnly it only checks the file's header: its kind and its size.
func convertRaster(src []byte, headerOnly bool) (Converted, error) {
	decodeConfig, decode := image.DecodeConfig, image.Decode
	if isWebP(src) {
		// The pure Go decoder, whatever order the packages registered in.
		decodeConfig = func(r io.Reader) (image.Config, string, error) {
			c, err := xwebp.DecodeConfig(r)
			return c, "webp", err
		}
		decode = func(r io.Reader) (image.Image, string, error) {
			m, err := xwebp.Decode(r)
			return m, "webp", err
		}
	}
	cfg, _, err := decodeConfig(bytes.NewReader(src))
	if err != nil {
		return Converted{}, fmt.Errorf("is not a picture the blog can read (JPEG, PNG, GIF, WebP or SVG): %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return Converted{}, fmt.Errorf("has no pixels (%d×%d)", cfg.Width, cfg.Height)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > MaxPixels {
		return Converted{}, fmt.Errorf("is %d×%d, %.1f megapixels; at most %d are accepted",
			cfg.Width, cfg.Height, float64(px)/1e6, MaxPixels/1_000_000)
	}
	o := jpegOrientation(src)
	if err := checkCost(cfg, src, swapsAxes(o)); err != nil {
		return Converted{}, err
	}
	if headerOnly {
		return Converted{ContentType: "image/webp", Width: cfg.Width, Height: cfg.Height}, nil
	}
	m, _, err := decode(bytes.NewReader(src))
	if err != nil {
		return Converted{}, fmt.Errorf("does not decode: %w", err)
	}
	scaled := orient(fit(m, MaxWidth, swapsAxes(o)), o)
	// m, the full-size pixels (up to MaxDecoded bytes), is garbage from
	// here on: collect it before the encoder's buffers pile up on it.
	runtime.GC()
	c := Converted{
		ContentType: "image/webp",
		Width:       scaled.Rect.Dx(),
		Height:      scaled.Rect.Dy(),
	}
	if scaled.Opaque() {
		n := Placeholder(scaled)
		c.LQIP = &n
	}
	var out bytes.Buffer
	if err := webp.Encode(&out, unpremultiply(scaled), webp.Options{Quality: Quality, Method: webp.DefaultMethod}); err != nil {
		return Converted{}, fmt.Errorf("does not encode as WebP: %w", err)
	}
	c.Data = out.Bytes()
	return c, nil
}

func isWebP(b []byte) bool {
	return len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP"
}

// fit returns m as RGBA, at most maxWidth wide, keeping its proportions;
// with turned, at most maxWidth high, since it will be turned a quarter.
// A picture to shrink is converted to RGBA a band of rows at a time and
// scaled band by band (scaleBands), so that no step holds more than the
// decoded picture, the result and one band.
func fit(m image.Image, maxWidth int, turned bool) *image.RGBA {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := fitted(w, h, maxWidth, turned)
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	if dw == w && dh == h {
		stddraw.Draw(dst, dst.Rect, m, b.Min, stddraw.Src)
		return dst
	}
	scaleBands(dst, m)
	return dst
}

// fitted returns the size fit scales a w×h picture to.
func fitted(w, h, maxWidth int, turned bool) (int, int) {
	shown := w // the side that will show as the width
	if turned {
		shown = h
	}
	if shown <= maxWidth {
		return w, h
	}
	scale := float64(maxWidth) / float64(shown)
	return max(1, int(math.Round(float64(w)*scale))), max(1, int(math.Round(float64(h)*scale)))
}

// bandRows is about how many rows of the result each band makes.
const bandRows = 32

// scaleBands scales all of src onto all of dst with the Catmull-Rom
// kernel. Scaling the whole picture at once needs a working buffer of 32
// bytes per pixel of the result's width times the source's height (150 MB
// for a 4000×3000 photograph); in bands it needs one band's worth. A band
// is exact when it starts on a source row that maps onto a whole
// destination row: with sh source and dh destination rows, every sh/g
// source rows make dh/g destination rows (g their greatest common
// divisor). Each band is scaled with enough rows around it for the
// kernel's reach and only its own rows are kept, so the bands join
// without seams. When the rows do not align in small steps the picture is
// transformed instead, which needs no buffer but takes longer.
func scaleBands(dst *image.RGBA, src image.Image) {
	sb := src.Bounds()
	sw, sh := sb.Dx(), sb.Dy()
	dw, dh := dst.Rect.Dx(), dst.Rect.Dy()
	g := gcd(sh, dh)
	ss, ds := sh/g, dh/g // ss source rows make ds destination rows
	if ds > bandRows {
		s2d := f64.Aff3{float64(dw) / float64(sw), 0, 0, 0, float64(dh) / float64(sh), 0}
		for y := 0; y < dh; y += bandRows {
			band := dst.SubImage(image.Rect(0, y, dw, min(dh, y+bandRows))).(*image.RGBA)
			draw.CatmullRom.Transform(band, s2d, src, sb, draw.Src, nil)
		}
		return
	}
	// The kernel reaches 2 destination rows, 2·sh/dh source rows, either side.
	reach := int(math.Ceil((2*float64(sh)/float64(dh)+2)/float64(ss))) + 1
	per := max(1, bandRows/ds) // units of ss/ds rows per band
	garbage := 0               // bytes of the kernel's buffers since the last collection
	for u := 0; u < g; u += per {
		u0, u1 := max(0, u-reach), min(g, u+per+reach)
		sr := image.Rect(sb.Min.X, sb.Min.Y+u0*ss, sb.Max.X, sb.Min.Y+u1*ss)
		dr := image.Rect(0, u0*ds, dw, u1*ds) // where sr lands
		band := dst.SubImage(image.Rect(0, u*ds, dw, min(g, u+per)*ds)).(*image.RGBA)
		draw.CatmullRom.Scale(band, dr, src, sr, draw.Src, nil)
		// Each band's buffer is garbage once scaled. Left alone, the
		// collector lets garbage grow to the size of the live heap, the
		// decoded picture, before it runs: up to MaxDecoded more. The
		// pixels hold no pointers, so a collection every few bands is
		// quick.
		if garbage += 32 * dr.Dx() * sr.Dy(); garbage >= bandGarbage {
			runtime.GC()
			garbage = 0
		}
	}
}

// bandGarbage is how many bytes of band buffers scaleBands lets pile up.
const bandGarbage = 32 << 20

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// unpremultiply returns m's pixels with straight alpha, as the encoder
// expects them, converted in place: m is not used again. An opaque
// picture's bytes are the same either way.
func unpremultiply(m *image.RGBA) *image.NRGBA {
	n := &image.NRGBA{Pix: m.Pix, Stride: m.Stride, Rect: m.Rect}
	if m.Opaque() {
		return n
	}
	for i := 0; i < len(m.Pix); i += 4 {
		a := uint32(m.Pix[i+3])
		if a == 0 || a == 0xff {
			continue
		}
		for c := 0; c < 3; c++ {
			n.Pix[i+c] = uint8((uint32(m.Pix[i+c])*255 + a/2) / a)
		}
	}
	return n
}
