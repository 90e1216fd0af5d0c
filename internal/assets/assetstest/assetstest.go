// Package assetstest makes the image files the tests import: a JPEG
// photograph, a PNG with transparent parts, an animated GIF, an SVG and
// broken files, each drawn by the test that needs it.
package assetstest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"testing"
	"testing/fstest"
)

// Colours of the GIF's two frames: only the first may show.
var (
	FirstFrame  = color.RGBA{0x20, 0x60, 0xe0, 0xff}
	SecondFrame = color.RGBA{0xe0, 0x30, 0x20, 0xff}
)

// Photo returns a JPEG of w×h that compresses like a photograph: smooth
// gradients, waves and grain, the same for the same seed.
func Photo(t testing.TB, w, h int, seed uint64) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed*7+1))
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	cx, cy := rng.Float64()*float64(w), rng.Float64()*float64(h)
	hue := rng.Float64() * 2 * math.Pi
	// Texture at two scales, as leaves, gravel or fabric give a photograph:
	// it survives scaling down, where per-pixel grain averages away.
	fine, coarse := valueNoise(rng, w, h, 5), valueNoise(rng, w, h, 29)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			d := math.Hypot(float64(x)-cx, float64(y)-cy) / float64(w)
			wave := math.Sin(float64(x)/37+hue) * math.Cos(float64(y)/53)
			v := 128 + 70*math.Cos(d*6+hue) + 15*wave + 28*fine(x, y) + 36*coarse(x, y) + rng.Float64()*16 - 8
			m.Y[m.YOffset(x, y)] = clamp8(v)
		}
	}
	for y := 0; y < (h+1)/2; y++ {
		for x := 0; x < (w+1)/2; x++ {
			i := y*m.CStride + x
			m.Cb[i] = clamp8(128 + 50*math.Sin(hue+float64(x)/float64(w)*6))
			m.Cr[i] = clamp8(128 + 50*math.Cos(hue+float64(y)/float64(h)*6))
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// valueNoise returns smooth noise in [-1, 1] whose features are about cell
// pixels across: random values on a grid, blended bilinearly.
func valueNoise(rng *rand.Rand, w, h, cell int) func(x, y int) float64 {
	gw, gh := w/cell+2, h/cell+2
	grid := make([]float64, gw*gh)
	for i := range grid {
		grid[i] = rng.Float64()*2 - 1
	}
	return func(x, y int) float64 {
		gx, gy := x/cell, y/cell
		fx, fy := float64(x%cell)/float64(cell), float64(y%cell)/float64(cell)
		at := func(i, j int) float64 { return grid[j*gw+i] }
		top := at(gx, gy)*(1-fx) + at(gx+1, gy)*fx
		bottom := at(gx, gy+1)*(1-fx) + at(gx+1, gy+1)*fx
		return top*(1-fy) + bottom*fy
	}
}

func clamp8(v float64) uint8 { return uint8(max(0, min(255, math.Round(v)))) }

// Secret is text that WithEXIF hides in a JPEG's metadata.
const Secret = "GPS 51.5007N 0.1246W camera serial 0042"

// WithEXIF returns the JPEG with an EXIF segment that carries Secret, as a
// phone's photograph carries where it was taken.
func WithEXIF(jpegData []byte) []byte {
	payload := append([]byte("Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08"), Secret...)
	seg := []byte{0xff, 0xe1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	out := append([]byte{}, jpegData[:2]...) // SOI
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, jpegData[2:]...)
}

// WithOrientation returns the JPEG with an EXIF segment whose Orientation
// tag is o (1–8), as a phone writes it for a photograph taken turned.
func WithOrientation(jpegData []byte, o uint16) []byte {
	tiff := []byte("II*\x00\x08\x00\x00\x00")         // little-endian, first IFD at 8
	tiff = append(tiff, 1, 0)                         // one entry
	tiff = append(tiff, 0x12, 0x01, 3, 0, 1, 0, 0, 0) // Orientation, SHORT, count 1
	tiff = append(tiff, byte(o), byte(o>>8), 0, 0)    // its value
	tiff = append(tiff, 0, 0, 0, 0)                   // no next IFD
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xff, 0xe1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	out := append([]byte{}, jpegData[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, jpegData[2:]...)
}

// Halves returns a w×h JPEG whose left half is red and right half blue.
func Halves(t testing.TB, w, h int) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{0xe0, 0x10, 0x10, 0xff}
			if x >= w/2 {
				c = color.RGBA{0x10, 0x10, 0xe0, 0xff}
			}
			m.SetRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TransparentPNG returns a w×h PNG whose left half is a solid green and
// whose right half is fully transparent.
func TransparentPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w/2; x++ {
			m.SetNRGBA(x, y, color.NRGBA{0x10, 0xa0, 0x40, 0xff})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// AnimatedGIF returns a w×h GIF of two frames, FirstFrame then
// SecondFrame.
func AnimatedGIF(t testing.TB, w, h int) []byte {
	t.Helper()
	pal := color.Palette{FirstFrame, SecondFrame}
	frame := func(i uint8) *image.Paletted {
		p := image.NewPaletted(image.Rect(0, 0, w, h), pal)
		for j := range p.Pix {
			p.Pix[j] = i
		}
		return p
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, &gif.GIF{Image: []*image.Paletted{frame(0), frame(1)}, Delay: []int{50, 50}}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// SVG is a small drawing that states its size, 120×80.
const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80" viewBox="0 0 120 80">` +
	`<rect width="120" height="80" fill="#fde68a"/><circle cx="60" cy="40" r="30" fill="#7c3aed"/></svg>`

// Truncated returns the first half of a JPEG: its header reads, its
// pixels do not.
func Truncated(t testing.TB) []byte {
	t.Helper()
	b := Photo(t, 64, 48, 9)
	return b[:len(b)/2]
}

// HugePNG returns a valid PNG header that claims w×h pixels, followed by
// no pixels: a decoder that believed it would allocate w×h×4 bytes.
func HugePNG(w, h uint32) []byte { return PNGHeader(w, h, 8, false) }

// PNGHeader returns the header of an RGBA PNG of depth (8 or 16) bits a
// channel, interlaced (Adam7) or not, that claims w×h pixels, followed by
// no pixels.
func PNGHeader(w, h uint32, depth uint8, interlaced bool) []byte {
	hdr := ihdr(w, h, depth)
	if interlaced {
		hdr[12] = 1
	}
	var b bytes.Buffer
	b.WriteString(pngSignature)
	pngChunk(&b, "IHDR", hdr)
	return b.Bytes()
}

// FlatPNG returns a w×h PNG of one opaque colour, with depth (8 or 16)
// bits a channel, red, green, blue and alpha. It is written a row at a
// time and compresses to almost nothing: at 16 bits a 6320×6320 picture,
// 305 MiB once decoded, is a file of about 300 KB, made without holding
// its pixels.
func FlatPNG(t testing.TB, w, h, depth int) []byte {
	t.Helper()
	// Filter "Sub" stores each byte as its difference from the byte one
	// pixel before: the first pixel, then zeros.
	row := make([]byte, 1+w*4*depth/8)
	row[0] = 1
	for i, c := range []byte{0x20, 0x80, 0xc0, 0xff} { // red, green, blue, alpha
		for j := range depth / 8 {
			row[1+i*depth/8+j] = c
		}
	}
	var idat bytes.Buffer
	z, err := zlib.NewWriterLevel(&idat, zlib.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	for range h {
		if _, err := z.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString(pngSignature)
	pngChunk(&b, "IHDR", ihdr(uint32(w), uint32(h), uint8(depth)))
	pngChunk(&b, "IDAT", idat.Bytes())
	pngChunk(&b, "IEND", nil)
	return b.Bytes()
}

// JPEGHeader returns the header of a JPEG (JFIF, YCbCr 4:2:0, baseline
// or progressive) that claims w×h pixels, followed by no pixels.
func JPEGHeader(w, h uint16, progressive bool) []byte {
	b := []byte{0xff, 0xd8}                                                            // start of image
	b = append(b, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0) // JFIF
	sof := byte(0xc0)
	if progressive {
		sof = 0xc2
	}
	b = append(b, 0xff, sof, 0, 17, 8, byte(h>>8), byte(h), byte(w>>8), byte(w), 3)
	return append(b, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1) // Y sampled 2×2, Cb and Cr 1×1
}

const pngSignature = "\x89PNG\r\n\x1a\n"

// ihdr is the header of a w×h RGBA PNG of depth bits a channel.
func ihdr(w, h uint32, depth uint8) []byte {
	b := make([]byte, 13)
	binary.BigEndian.PutUint32(b[0:], w)
	binary.BigEndian.PutUint32(b[4:], h)
	b[8], b[9] = depth, 6 // colour type 6: RGBA
	return b
}

func pngChunk(b *bytes.Buffer, kind string, data []byte) {
	chunk := append([]byte(kind), data...)
	_ = binary.Write(b, binary.BigEndian, uint32(len(data)))
	b.Write(chunk)
	_ = binary.Write(b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
}

// Tree returns a content tree with one image of each kind in assets/:
// photo.jpg (2400×1200, wider than the blog keeps, with EXIF), clear.png (200×100,
// half transparent), anim.gif (60×40), drawing.svg; and a post that shows
// them, posts/pictures.md.
func Tree(t testing.TB) fstest.MapFS {
	t.Helper()
	return fstest.MapFS{
		"assets/photo.jpg":   {Data: WithEXIF(Photo(t, 2400, 1200, 1))},
		"assets/clear.png":   {Data: TransparentPNG(t, 200, 100)},
		"assets/anim.gif":    {Data: AnimatedGIF(t, 60, 40)},
		"assets/drawing.svg": {Data: []byte(SVG)},
		"posts/pictures.md": {Data: []byte("---\ntitle: Pictures\nslug: pictures\npublished_at: 2026-03-01\n---\n" +
			"A photograph:\n\n![A \"wide\" photograph](../assets/photo.jpg)\n\n" +
			"A drawing: ![The drawing](/assets/images/drawing)\n\n" +
			"![Half clear](/assets/images/clear.png) and ![Moving](../assets/anim.gif)\n\n" +
			"Elsewhere: ![A remote picture](https://example.com/remote.png)\n")},
	}
}
