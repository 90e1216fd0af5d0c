package assets

import (
	"bytes"
	"image"
	"testing"

	"golang.org/x/image/draw"

	"blog/internal/assets/assetstest"
)

// Scaling in bands gives the picture scaling all at once gives, whether
// the rows align (banded Scale) or not (Transform), to within rounding.
func TestScaleBandsMatchesWholeScale(t *testing.T) {
	for _, tc := range []struct{ w, h, dw, dh int }{
		{2000, 1500, 800, 600}, // aligned: 5 source rows make 2
		{1000, 751, 800, 601},  // not aligned: transformed
		{1700, 90, 1600, 85},
	} {
		src, _, err := image.Decode(bytes.NewReader(assetstest.Photo(t, tc.w, tc.h, 3)))
		if err != nil {
			t.Fatal(err)
		}
		want := image.NewRGBA(image.Rect(0, 0, tc.dw, tc.dh))
		draw.CatmullRom.Scale(want, want.Rect, src, src.Bounds(), draw.Src, nil)
		got := image.NewRGBA(want.Rect)
		scaleBands(got, src)
		worst, sum := 0, 0
		for i := range want.Pix {
			d := int(got.Pix[i]) - int(want.Pix[i])
			if d < 0 {
				d = -d
			}
			worst = max(worst, d)
			sum += d
		}
		mean := float64(sum) / float64(len(want.Pix))
		if worst > 24 || mean > 0.5 {
			t.Errorf("%d×%d → %d×%d: bands differ from one scale by up to %d (mean %.3f)", tc.w, tc.h, tc.dw, tc.dh, worst, mean)
		}
		t.Logf("%d×%d → %d×%d: worst %d, mean %.4f", tc.w, tc.h, tc.dw, tc.dh, worst, mean)
	}
}
