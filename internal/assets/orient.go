package assets

import (
	"encoding/binary"
	"image"
)

// Phones store a photograph as the sensor saw it and record in its EXIF
// data how to turn it to stand upright (the Orientation tag, 1–8). The
// stored WebP carries no EXIF, so the turn is made to its pixels, after
// scaling, where the picture is small.

// jpegOrientation returns the EXIF orientation of a JPEG file: 1 (as
// stored) when the file has none or is not a JPEG.
func jpegOrientation(b []byte) int {
	o := 1
	eachJPEGSegment(b, func(marker byte, seg []byte) bool {
		if marker == 0xe1 && len(seg) > 6 && string(seg[:6]) == "Exif\x00\x00" {
			o = tiffOrientation(seg[6:])
			return false
		}
		return true
	})
	return o
}

// tiffOrientation reads the Orientation tag (0x0112) of the first IFD of
// EXIF's TIFF structure.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	ifd := int(order.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > len(t) {
		return 1
	}
	count := int(order.Uint16(t[ifd:]))
	for e := 0; e < count; e++ {
		p := ifd + 2 + 12*e
		if p+12 > len(t) {
			return 1
		}
		if order.Uint16(t[p:]) == 0x0112 && order.Uint16(t[p+2:]) == 3 { // SHORT
			if v := int(order.Uint16(t[p+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

// swapsAxes reports whether orientation o turns the picture a quarter,
// so that its width shows as its height.
func swapsAxes(o int) bool { return o >= 5 && o <= 8 }

// orient returns m turned and mirrored as orientation o says, upright.
func orient(m *image.RGBA, o int) *image.RGBA {
	if o <= 1 || o > 8 {
		return m
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	dw, dh := w, h
	if swapsAxes(o) {
		dw, dh = h, w
	}
	// from maps a pixel of the upright picture to the stored one.
	from := map[int]func(x, y int) (int, int){
		2: func(x, y int) (int, int) { return w - 1 - x, y },
		3: func(x, y int) (int, int) { return w - 1 - x, h - 1 - y },
		4: func(x, y int) (int, int) { return x, h - 1 - y },
		5: func(x, y int) (int, int) { return y, x },
		6: func(x, y int) (int, int) { return y, h - 1 - x },
		7: func(x, y int) (int, int) { return w - 1 - y, h - 1 - x },
		8: func(x, y int) (int, int) { return w - 1 - y, x },
	}[o]
	out := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			sx, sy := from(x, y)
			copy(out.Pix[out.PixOffset(x, y):][:4], m.Pix[m.PixOffset(m.Rect.Min.X+sx, m.Rect.Min.Y+sy):][:4])
		}
	}
	return out
}
