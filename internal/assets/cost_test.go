package assets

import (
	"bytes"
	"image"
	"strings"
	"testing"

	"blog/internal/assets/assetstest"
)

// A picture is refused on its header when decoding it would take more
// than MaxDecoded bytes, counted as its decoder holds its pixels, or when
// its stored form would be too big to encode within memory or for WebP.
func TestCostIsCheckedOnTheHeader(t *testing.T) {
	for _, tc := range []struct {
		name   string
		file   []byte
		turned bool   // its EXIF turns it a quarter
		says   string // "" when accepted
	}{
		{"16-bit 6320×6320 PNG", assetstest.PNGHeader(6320, 6320, 16, false), false,
			"decodes to 305 MiB (6320×6320, 8 bytes a pixel); at most 160 MiB are accepted"},
		{"8-bit 6320×6320 PNG, 152 MiB", assetstest.PNGHeader(6320, 6320, 8, false), false, ""},
		{"16-bit 4570×4570 PNG, 159.3 MiB", assetstest.PNGHeader(4570, 4570, 16, false), false, ""},
		{"16-bit 4580×4580 PNG, 160.04 MiB", assetstest.PNGHeader(4580, 4580, 16, false), false,
			"decodes to 161 MiB (4580×4580, 8 bytes a pixel)"},
		{"interlaced 8-bit 6320×6320 PNG", assetstest.PNGHeader(6320, 6320, 8, true), false,
			"decodes to 305 MiB (6320×6320, interlaced PNG, 8 bytes a pixel)"},
		{"baseline 40 MP JPEG", assetstest.JPEGHeader(7728, 5152, false), false, ""},
		{"progressive 40 MP JPEG", assetstest.JPEGHeader(7728, 5152, true), false,
			"decodes to 285 MiB (7728×5152, progressive JPEG, 7.5 bytes a pixel)"},
		{"progressive 20 MP JPEG", assetstest.JPEGHeader(5472, 3648, true), false, ""},
		{"1600×3750, the most stored", assetstest.PNGHeader(1600, 3750, 8, false), false, ""},
		{"1600×3751", assetstest.PNGHeader(1600, 3751, 8, false), false,
			"would be stored as 1600×3751, 6.0 megapixels; at most 6 megapixels"},
		{"scaled to 1600×6000", assetstest.PNGHeader(3200, 12000, 8, false), false,
			"would be stored as 1600×6000, 9.6 megapixels"},
		{"taller than WebP", assetstest.PNGHeader(300, 17000, 8, false), false,
			"would be stored as 300×17000, 5.1 megapixels; at most 6 megapixels and 16383 pixels a side"},
		{"3750×1600 turned upright", assetstest.JPEGHeader(3750, 1600, false), true, ""},
		{"9000×1600 turned upright", assetstest.JPEGHeader(9000, 1600, false), true,
			"would be stored as 1600×9000, 14.4 megapixels"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, _, err := image.DecodeConfig(bytes.NewReader(tc.file))
			if err != nil {
				t.Fatal(err)
			}
			err = checkCost(cfg, tc.file, tc.turned)
			switch {
			case tc.says == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.says != "" && (err == nil || !strings.Contains(err.Error(), tc.says)):
				t.Fatalf("error %v, want it to say %q", err, tc.says)
			}
		})
	}
}

// The estimate is what the decoder holds: a 16-bit PNG decodes to 8
// bytes a pixel, and a 4:2:0 JPEG's estimate is its Y, Cb and Cr planes.
func TestCostMatchesTheDecodedPicture(t *testing.T) {
	for _, tc := range []struct {
		name string
		file []byte
	}{
		{"16-bit PNG", assetstest.FlatPNG(t, 300, 200, 16)},
		{"8-bit PNG", assetstest.FlatPNG(t, 300, 200, 8)},
		{"4:2:0 JPEG", assetstest.Photo(t, 320, 240, 1)},
	} {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(tc.file))
		if err != nil {
			t.Fatal(err)
		}
		m, _, err := image.Decode(bytes.NewReader(tc.file))
		if err != nil {
			t.Fatal(err)
		}
		var held int
		switch m := m.(type) {
		case *image.NRGBA64:
			held = len(m.Pix)
		case *image.NRGBA:
			held = len(m.Pix)
		case *image.YCbCr:
			held = len(m.Y) + len(m.Cb) + len(m.Cr)
		default:
			t.Fatalf("%s decodes as %T", tc.name, m)
		}
		if got := costOf(cfg, tc.file).bytes; got != int64(held) {
			t.Errorf("%s: estimated %d bytes, the decoded %T holds %d", tc.name, got, m, held)
		}
	}
}
