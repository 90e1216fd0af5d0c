package assets

import (
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"math"
)

// What converting a picture costs in memory is known from its header,
// before a pixel is decoded: the decoded picture takes a number of bytes a
// pixel that depends on the format and its colours, and encoding the
// result takes about 26 bytes a pixel of the stored picture (libwebp's
// buffers inside WebAssembly memory that grows by copying). The pixel
// limit alone let a PNG of 310 KB claim 6320×6320 pixels at 16 bits a
// channel, 305 MiB decoded, and a picture 1600×16383 be stored at full
// size: the process peaked at 760 and 920 MiB converting them. With a
// limit on each, the largest accepted pictures (8 bits a channel at 40
// megapixels; 1600×3750 stored) peak at about 240 MiB.
const (
	MaxDecoded      = 160 << 20 // largest decoded picture, in bytes
	MaxStoredPixels = 6_000_000 // largest stored picture, width × height (1600×3750)
	maxWebPSide     = 16383     // the most pixels WebP stores on a side
)

// decodeCost is what decoding a picture allocates: its bytes in all, and
// how its pixels are held, for a message.
type decodeCost struct {
	bytes    int64
	perPixel float64 // bytes a pixel
	kind     string  // "progressive JPEG", "interlaced PNG" or ""
}

// costOf returns what decoding the picture of cfg, whose file is src,
// allocates, as the standard library's and x/image's decoders do it.
func costOf(cfg image.Config, src []byte) decodeCost {
	per, kind := bytesPerPixel(cfg.ColorModel), ""
	switch {
	case isJPEG(src):
		if f, ok := jpegFrameOf(src); ok {
			per = f.bytesPerPixel(cfg.ColorModel)
			if f.progressive {
				kind = "progressive JPEG"
			}
		}
	case isPNG(src) && src[28] == 1:
		// Adam7: the whole picture, then seven passes that add up to it
		// again, garbage only once merged.
		per, kind = 2*per, "interlaced PNG"
	case isWebP(src):
		per = webpBytesPerPixel(cfg.ColorModel)
	}
	px := float64(cfg.Width) * float64(cfg.Height)
	return decodeCost{bytes: int64(math.Ceil(px * per)), perPixel: per, kind: kind}
}

// bytesPerPixel returns the bytes a pixel of a decoded picture of the
// colour model takes, 8 (the widest) when the model is unknown.
func bytesPerPixel(m color.Model) float64 {
	switch m {
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel:
		return 4
	case color.YCbCrModel:
		return 3 // without chroma subsampling
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.GrayModel, color.AlphaModel:
		return 1
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 8
}

// webpBytesPerPixel is what x/image/webp holds a pixel in: lossy pictures
// as YCbCr 4:2:0 (1.5), with an alpha plane (1) that is itself decoded as
// lossless RGBA first (4); lossless ones as RGBA (4), also when the header
// (VP8X) announces YCbCr.
func webpBytesPerPixel(m color.Model) float64 {
	if m == color.NYCbCrAModel {
		return 1.5 + 1 + 4
	}
	return 4
}

func isPNG(b []byte) bool { return len(b) > 28 && string(b[:8]) == "\x89PNG\r\n\x1a\n" }

func isJPEG(b []byte) bool { return len(b) > 2 && b[0] == 0xff && b[1] == 0xd8 }

// jpegFrame is what a JPEG's frame header (SOF) says of its pixels.
type jpegFrame struct {
	progressive bool
	samples     float64 // samples a pixel over all components: 3 for 4:4:4, 1.5 for 4:2:0, 1 for grey
}

// bytesPerPixel follows image/jpeg: a byte a sample; a picture that is
// not YCbCr or grey (model RGBA or CMYK) is then copied into 4 bytes a
// pixel; a progressive JPEG also keeps every coefficient, an int32 a
// sample, until its last scan.
func (f jpegFrame) bytesPerPixel(m color.Model) float64 {
	per := f.samples
	if m == color.RGBAModel || m == color.CMYKModel {
		per += 4
	}
	if f.progressive {
		per += 4 * f.samples
	}
	return per
}

// jpegFrameOf reads the frame header of a JPEG, which comes before its
// pixels; ok is false when it has none that image/jpeg reads.
func jpegFrameOf(b []byte) (f jpegFrame, ok bool) {
	eachJPEGSegment(b, func(marker byte, seg []byte) bool {
		if marker != 0xc0 && marker != 0xc1 && marker != 0xc2 {
			return true
		}
		// Precision, height, width, count, then per component its id,
		// sampling factors (horizontal<<4 | vertical) and table.
		if len(seg) < 6 {
			return false
		}
		n := int(seg[5])
		if n == 0 || len(seg) < 6+3*n {
			return false
		}
		var hmax, vmax, sum int
		for i := range n {
			h, v := int(seg[7+3*i]>>4), int(seg[7+3*i]&15)
			hmax, vmax, sum = max(hmax, h), max(vmax, v), sum+h*v
		}
		if hmax == 0 || vmax == 0 {
			return false
		}
		f = jpegFrame{progressive: marker == 0xc2, samples: float64(sum) / float64(hmax*vmax)}
		ok = true
		return false
	})
	return f, ok
}

// eachJPEGSegment calls f with the marker and payload of each segment of a
// JPEG's header, up to its pixels, while f answers true.
func eachJPEGSegment(b []byte, f func(marker byte, seg []byte) bool) {
	if !isJPEG(b) {
		return
	}
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xff {
			return
		}
		marker := b[i+1]
		if marker == 0xda || marker == 0xd9 { // the pixels begin, or the end
			return
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return
		}
		if !f(marker, b[i+4:i+2+n]) {
			return
		}
		i += 2 + n
	}
}

// checkCost refuses a picture whose decoding or stored form would take
// more memory than the limits allow.
func checkCost(cfg image.Config, src []byte, turned bool) error {
	c := costOf(cfg, src)
	if c.bytes > MaxDecoded {
		how := fmt.Sprintf("%g bytes a pixel", c.perPixel)
		if c.kind != "" {
			how = c.kind + ", " + how
		}
		return fmt.Errorf("decodes to %d MiB (%d×%d, %s); at most %d MiB are accepted",
			(c.bytes+1<<20-1)>>20, cfg.Width, cfg.Height, how, MaxDecoded>>20)
	}
	w, h := fitted(cfg.Width, cfg.Height, MaxWidth, turned)
	if turned {
		w, h = h, w
	}
	if px := int64(w) * int64(h); px > MaxStoredPixels || max(w, h) > maxWebPSide {
		return fmt.Errorf("would be stored as %d×%d, %.1f megapixels; at most %.0f megapixels and %d pixels a side are accepted",
			w, h, float64(px)/1e6, float64(MaxStoredPixels)/1e6, maxWebPSide)
	}
	return nil
}
