package assets_test

import (
	"bytes"
	"context"
	"database/sql"
	"image"
	"image/color"
	"strings"
	"testing"
	"testing/fstest"

	gwebp "github.com/gen2brain/webp"
	"golang.org/x/image/webp"

	"blog/internal/assets"
	"blog/internal/assets/assetstest"
	"blog/internal/repo"
	"blog/internal/sqlite/sqlitetest"
)

// openRepo returns a repo on a fresh database with the asset operations
// registered, and a counter of the writes that reach its chain.
func openRepo(t *testing.T) (*repo.Repo, *int) {
	t.Helper()
	r := repo.New(sqlitetest.Open(t))
	assets.Register(r)
	writes := new(int)
	r.Use(repo.Middleware{Name: "count", Before: func(context.Context, *repo.Op) *repo.Result {
		*writes++
		return nil
	}})
	return r, writes
}

func importImages(t *testing.T, r *repo.Repo, fsys fstest.MapFS) *assets.Plan {
	t.Helper()
	ctx := context.Background()
	p, err := assets.Prepare(ctx, r.DB(), fsys)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Apply(ctx, r); err != nil {
		t.Fatal(err)
	}
	return p
}

type row struct {
	source, contentType string
	data                []byte
	width, height       int
	lqip                sql.NullInt64
}

func stored(t *testing.T, db *sql.DB) map[string]row {
	t.Helper()
	rows, err := db.Query(`SELECT name, source, content_type, data, width, height, lqip FROM assets`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	m := map[string]row{}
	for rows.Next() {
		var name string
		var r row
		if err := rows.Scan(&name, &r.source, &r.contentType, &r.data, &r.width, &r.height, &r.lqip); err != nil {
			t.Fatal(err)
		}
		m[name] = r
	}
	return m
}

// Every kind of image is stored under its base name: pictures as WebP
// that decode at the stored size, at most 1600 wide; the SVG as it is.
func TestImportStoresEveryKindOfImage(t *testing.T) {
	r, _ := openRepo(t)
	tree := assetstest.Tree(t)
	importImages(t, r, tree)
	got := stored(t, r.DB())
	if len(got) != 4 {
		t.Fatalf("stored %d images, want 4: %v", len(got), keys(got))
	}
	want := map[string]struct {
		w, h        int
		placeholder bool
	}{
		"photo": {1600, 800, true}, // 2400×1200 scaled down
		"clear": {200, 100, false}, // transparent parts: no placeholder
		"anim":  {60, 40, true},    // opaque first frame
	}
	for name, w := range want {
		a := got[name]
		if a.contentType != "image/webp" {
			t.Errorf("%s: content type %q, want image/webp", name, a.contentType)
			continue
		}
		m, err := webp.Decode(bytes.NewReader(a.data))
		if err != nil {
			t.Errorf("%s: stored data is not WebP: %v", name, err)
			continue
		}
		if b := m.Bounds(); b.Dx() != a.width || b.Dy() != a.height || a.width != w.w || a.height != w.h {
			t.Errorf("%s: WebP is %d×%d, stored %d×%d, want %d×%d", name, b.Dx(), b.Dy(), a.width, a.height, w.w, w.h)
		}
		if a.lqip.Valid != w.placeholder {
			t.Errorf("%s: placeholder stored = %v, want %v", name, a.lqip.Valid, w.placeholder)
		}
		if a.lqip.Valid && (a.lqip.Int64 < -1<<19 || a.lqip.Int64 >= 1<<19) {
			t.Errorf("%s: placeholder %d is not 20 bits", name, a.lqip.Int64)
		}
		if bytes.Contains(a.data, []byte("Exif")) || bytes.Contains(a.data, []byte(assetstest.Secret)) {
			t.Errorf("%s: WebP carries the original's EXIF", name)
		}
	}

	// The transparent half stays transparent, the opaque half opaque.
	clear, _ := webp.Decode(bytes.NewReader(got["clear"].data))
	if _, _, _, a := clear.At(150, 50).RGBA(); a != 0 {
		t.Errorf("clear.png's transparent half has alpha %d in the WebP", a>>8)
	}
	if _, _, _, a := clear.At(50, 50).RGBA(); a>>8 < 250 {
		t.Errorf("clear.png's opaque half has alpha %d in the WebP", a>>8)
	}
	// The GIF shows its first frame.
	anim, _ := webp.Decode(bytes.NewReader(got["anim"].data))
	if !near(anim.At(30, 20), assetstest.FirstFrame, 24) {
		t.Errorf("anim.gif became %v, want its first frame's %v", anim.At(30, 20), assetstest.FirstFrame)
	}

	svg := got["drawing"]
	if svg.contentType != "image/svg+xml" || string(svg.data) != assetstest.SVG || svg.width != 120 || svg.height != 80 || svg.lqip.Valid {
		t.Errorf("drawing.svg stored as %s %d×%d placeholder %v, %q; want it kept as it is, 120×80",
			svg.contentType, svg.width, svg.height, svg.lqip.Valid, svg.data)
	}
	if svg.source != "assets/drawing.svg" {
		t.Errorf("drawing's source is %q", svg.source)
	}
}

func near(c color.Color, want color.RGBA, tol int) bool {
	r, g, b, _ := c.RGBA()
	d := func(x uint32, y uint8) bool { v := int(x>>8) - int(y); return v >= -tol && v <= tol }
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

func keys(m map[string]row) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	return k
}

// A second import of the same files writes nothing; a changed file is
// converted again; a removed one is deleted.
func TestReimportWritesOnlyWhatChanged(t *testing.T) {
	r, writes := openRepo(t)
	tree := assetstest.Tree(t)
	importImages(t, r, tree)
	if *writes != 4 {
		t.Fatalf("first import made %d writes, want 4", *writes)
	}
	*writes = 0
	p := importImages(t, r, tree)
	if *writes != 0 || len(p.Changed) != 0 || p.Unchanged != 4 {
		t.Fatalf("second import of unchanged images made %d writes (%d changed, %d unchanged), want none", *writes, len(p.Changed), p.Unchanged)
	}
	if m, ok := p.Lookup("photo"); !ok || m.Width != 1600 || m.LQIP == nil {
		t.Errorf("an unchanged image's size and placeholder are not known to the import: %+v", m)
	}

	tree["assets/anim.gif"] = &fstest.MapFile{Data: assetstest.AnimatedGIF(t, 90, 60)}
	delete(tree, "assets/drawing.svg")
	*writes = 0
	p = importImages(t, r, tree)
	if *writes != 2 || len(p.Changed) != 1 || len(p.Removed) != 1 {
		t.Fatalf("import after one change and one removal made %d writes (%d changed, %v removed), want 2", *writes, len(p.Changed), p.Removed)
	}
	got := stored(t, r.DB())
	if _, ok := got["drawing"]; ok {
		t.Error("the removed SVG is still stored")
	}
	if got["anim"].width != 90 {
		t.Errorf("the changed GIF is stored %d wide, want 90", got["anim"].width)
	}
}

// A file that is not a picture, does not decode, is too big in bytes, in
// pixels, decoded or stored stops the import: every such file is named
// with its reason, and nothing is written. The sizes are read from the
// header: a PNG of a few hundred KB claiming 6320×6320 pixels at 16 bits
// a channel is refused before its 305 MiB are decoded.
func TestBadImagesStopTheImportWithNothingWritten(t *testing.T) {
	for _, tc := range []struct {
		file   string
		data   []byte
		reason string
	}{
		{"assets/broken.jpg", nil, "does not decode"},
		{"assets/noise.png", []byte("this is not a picture at all"), "is not a picture"},
		{"assets/huge.png", assetstest.HugePNG(8000, 6000), "48.0 megapixels"},
		{"assets/deep.png", assetstest.FlatPNG(t, 6320, 6320, 16), "decodes to 305 MiB (6320×6320, 8 bytes a pixel); at most 160 MiB are accepted"},
		{"assets/camera.jpg", assetstest.JPEGHeader(7728, 5152, true), "decodes to 285 MiB (7728×5152, progressive JPEG"},
		{"assets/scroll.png", assetstest.FlatPNG(t, 1600, 6000, 8), "would be stored as 1600×6000"},
		{"assets/big.jpg", make([]byte, assets.MaxBytes+1), "at most 20 MB"},
		{"assets/notes.txt", []byte("hello"), "is not an image"},
		{"assets/page.svg", []byte("<html><body>not svg</body></html>"), "not an SVG"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			r, writes := openRepo(t)
			tree := assetstest.Tree(t)
			data := tc.data
			if data == nil {
				data = assetstest.Truncated(t)
			}
			tree[tc.file] = &fstest.MapFile{Data: data}
			_, err := assets.Prepare(context.Background(), r.DB(), tree)
			if err == nil {
				t.Fatal("import accepted it")
			}
			if !strings.Contains(err.Error(), tc.file) || !strings.Contains(err.Error(), tc.reason) {
				t.Errorf("error %q does not name %s and say %q", err, tc.file, tc.reason)
			}
			if *writes != 0 || len(stored(t, r.DB())) != 0 {
				t.Errorf("%d writes, %d images stored; want none", *writes, len(stored(t, r.DB())))
			}
		})
	}
}

// Two files with the same base name cannot both be /assets/images/NAME.
func TestSameNameTwiceIsRefused(t *testing.T) {
	r, _ := openRepo(t)
	tree := assetstest.Tree(t)
	tree["images/photo.png"] = &fstest.MapFile{Data: assetstest.TransparentPNG(t, 10, 10)}
	_, err := assets.Prepare(context.Background(), r.DB(), tree)
	if err == nil || !strings.Contains(err.Error(), "images/photo.png") || !strings.Contains(err.Error(), "assets/photo.jpg") {
		t.Fatalf("error %v, want both files named", err)
	}
}

// The images/ folder of earlier content is read too.
func TestImagesFolderIsRead(t *testing.T) {
	r, _ := openRepo(t)
	importImages(t, r, fstest.MapFS{"images/diagram.svg": {Data: []byte(assetstest.SVG)}})
	if _, ok := stored(t, r.DB())["diagram"]; !ok {
		t.Fatal("images/diagram.svg was not stored")
	}
}

// A PNG of 16 bits a channel is read and stored as WebP, its colour kept.
func TestSixteenBitPNGIsRead(t *testing.T) {
	r, _ := openRepo(t)
	importImages(t, r, fstest.MapFS{"assets/deep.png": {Data: assetstest.FlatPNG(t, 300, 200, 16)}})
	a := stored(t, r.DB())["deep"]
	m, err := webp.Decode(bytes.NewReader(a.data))
	if err != nil || a.width != 300 || a.height != 200 {
		t.Fatalf("deep.png stored %d×%d (%v)", a.width, a.height, err)
	}
	if want := (color.RGBA{0x20, 0x80, 0xc0, 0xff}); !near(m.At(150, 100), want, 24) {
		t.Errorf("deep.png became %v, want %v", m.At(150, 100), want)
	}
}

// A WebP file is read too, and stored again as WebP at its size.
func TestWebPFileIsRead(t *testing.T) {
	m := image.NewNRGBA(image.Rect(0, 0, 100, 50))
	for i := range m.Pix {
		m.Pix[i] = 0xc0
	}
	var b bytes.Buffer
	if err := gwebp.Encode(&b, m, gwebp.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	r, _ := openRepo(t)
	importImages(t, r, fstest.MapFS{"assets/grey.webp": {Data: b.Bytes()}})
	a := stored(t, r.DB())["grey"]
	got, err := webp.Decode(bytes.NewReader(a.data))
	if err != nil || got.Bounds().Dx() != 100 || a.width != 100 || a.height != 50 {
		t.Fatalf("grey.webp stored %d×%d (%v)", a.width, a.height, err)
	}
}

// A photograph a phone took turned is stored upright: its EXIF orientation
// is applied to the pixels, since the WebP carries no EXIF.
func TestPhoneOrientationIsApplied(t *testing.T) {
	red, blue := color.RGBA{0xe0, 0x10, 0x10, 0xff}, color.RGBA{0x10, 0x10, 0xe0, 0xff}
	for _, tc := range []struct {
		o                  uint16
		w, h               int
		first, second      image.Point // where the red and the blue half show
		firstColour, other color.RGBA
	}{
		{1, 80, 40, image.Pt(10, 20), image.Pt(70, 20), red, blue}, // as stored
		{3, 80, 40, image.Pt(10, 20), image.Pt(70, 20), blue, red}, // upside down
		{6, 40, 80, image.Pt(20, 10), image.Pt(20, 70), red, blue}, // turned a quarter clockwise
		{8, 40, 80, image.Pt(20, 10), image.Pt(20, 70), blue, red}, // a quarter the other way
		{2, 80, 40, image.Pt(10, 20), image.Pt(70, 20), blue, red}, // mirrored
	} {
		c, err := assets.Convert("turned.jpg", assetstest.WithOrientation(assetstest.Halves(t, 80, 40), tc.o))
		if err != nil {
			t.Fatal(err)
		}
		m, err := webp.Decode(bytes.NewReader(c.Data))
		if err != nil {
			t.Fatal(err)
		}
		if c.Width != tc.w || c.Height != tc.h || m.Bounds().Dx() != tc.w {
			t.Errorf("orientation %d: stored %d×%d, want %d×%d", tc.o, c.Width, c.Height, tc.w, tc.h)
			continue
		}
		if !near(m.At(tc.first.X, tc.first.Y), tc.firstColour, 40) || !near(m.At(tc.second.X, tc.second.Y), tc.other, 40) {
			t.Errorf("orientation %d: %v at %v and %v at %v", tc.o, m.At(tc.first.X, tc.first.Y), tc.first, m.At(tc.second.X, tc.second.Y), tc.second)
		}
	}
	// A tall photograph taken turned is limited by its height, which shows
	// as its width: 3000×2000 turned shows 2000 wide, scaled to 1600×2400.
	c, err := assets.Convert("tall.jpg", assetstest.WithOrientation(assetstest.Photo(t, 3000, 2000, 4), 6))
	if err != nil {
		t.Fatal(err)
	}
	if c.Width != 1600 || c.Height != 2400 {
		t.Errorf("turned 3000×2000 stored %d×%d, want 1600×2400", c.Width, c.Height)
	}
}
