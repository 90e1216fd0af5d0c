package importer_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"blog/internal/assets/assetstest"
	"blog/internal/importer"
	"blog/internal/posts"
)

// An import stores the content's images and gives the posts' <img> tags
// their size, placeholder and link; a second import writes nothing.
func TestImportStoresImagesAndSizesPostImages(t *testing.T) {
	r, writes := openRepo(t)
	tree := assetstest.Tree(t)
	rep := run(t, r, tree)
	if rep.Assets.Created != 4 || rep.Posts.Created != 1 {
		t.Fatalf("import = %v, want 4 images and 1 post created", rep)
	}
	p, err := posts.Get(context.Background(), r.DB(), "pictures")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`<a class="image-link" href="/assets/images/photo"><img src="/assets/images/photo" alt="A “wide” photograph" width="1600" height="800" class="lqip" style="--lqip:`,
		`<img src="/assets/images/drawing" alt="The drawing" width="120" height="80" loading="lazy" decoding="async">`,
		`<img src="/assets/images/clear" alt="Half clear" width="200" height="100" loading="lazy" decoding="async">`,
		`<img src="https://example.com/remote.png" alt="A remote picture" loading="lazy" decoding="async">`,
	} {
		if !strings.Contains(p.HTML, want) {
			t.Errorf("post HTML lacks %s\n%s", want, p.HTML)
		}
	}
	if strings.Count(p.HTML, `loading="lazy"`) != 4 {
		t.Errorf("want every image but the first lazy:\n%s", p.HTML)
	}

	*writes = 0
	rep = run(t, r, tree)
	if rep.Wrote() || *writes != 0 || rep.Assets.Unchanged != 4 {
		t.Errorf("second import = %v with %d writes, want nothing written", rep, *writes)
	}
}

// A corrupt image stops the whole import, posts included, before any
// write, and the error names the file.
func TestCorruptImageStopsTheImport(t *testing.T) {
	r, writes := openRepo(t)
	tree := assetstest.Tree(t)
	tree["assets/broken.jpg"] = &fstest.MapFile{Data: assetstest.Truncated(t)}
	_, err := importer.Run(context.Background(), r, tree)
	if err == nil || !strings.Contains(err.Error(), "assets/broken.jpg") {
		t.Fatalf("import error = %v, want one naming assets/broken.jpg", err)
	}
	if *writes != 0 {
		t.Errorf("%d writes, want none", *writes)
	}
	for _, table := range []string{"posts", "assets"} {
		var n int
		if err := r.DB().QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s holds %d rows (%v), want none", table, n, err)
		}
	}
}

// A picture replaced by one of another size changes the post that shows
// it: the next import stores the post again with the new size.
func TestChangedImageUpdatesItsPost(t *testing.T) {
	r, _ := openRepo(t)
	tree := assetstest.Tree(t)
	run(t, r, tree)
	tree["assets/anim.gif"] = &fstest.MapFile{Data: assetstest.AnimatedGIF(t, 90, 30)}
	rep := run(t, r, tree)
	if rep.Assets.Updated != 1 || rep.Posts.Updated != 1 {
		t.Fatalf("import after replacing a picture = %v, want 1 image and 1 post updated", rep)
	}
	p, err := posts.Get(context.Background(), r.DB(), "pictures")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.HTML, `<img src="/assets/images/anim" alt="Moving" width="90" height="30"`) {
		t.Errorf("the post does not show the new size:\n%s", p.HTML)
	}
}
