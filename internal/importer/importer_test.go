package importer_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"blog/content"
	"blog/internal/importer"
	"blog/internal/posts"
	"blog/internal/projects"
	"blog/internal/repo"
	"blog/internal/search"
	"blog/internal/sqlite/sqlitetest"
	"blog/internal/tags"
)

// openRepo returns a repo on a fresh, migrated database with the import
// operations registered, and a counter of the writes that reach its chain.
func openRepo(t *testing.T) (*repo.Repo, *int) {
	t.Helper()
	db := sqlitetest.Open(t)
	r := repo.New(db)
	importer.Register(r)
	writes := new(int)
	r.Use(repo.Middleware{Name: "count", Before: func(context.Context, *repo.Op) *repo.Result {
		*writes++
		return nil
	}})
	return r, writes
}

func post(front, body string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte("---\n" + front + "---\n" + body)}
}

// sampleFS is a content tree in the original Blog's layout.
func sampleFS() fstest.MapFS {
	return fstest.MapFS{
		"posts/20260102090000_first.md": post("title: First post\nslug: first\nis_draft: false\nreading_time_minutes:\n"+
			"published_at: 2026-01-02 09:00:00Z\ntags:\n  - go\n  - SQLite\npermalinks:\n  - old/first\n",
			"Hello **world** about replication.\n\n## Part one\n\nMore text.\n"),
		"posts/20260203100000_second_one.md": post("title: Second post\nslug: second_one\npublished_at: 2026-02-03 10:00:00.123456Z\n"+
			"reading_time_minutes: 7\ntags: [go]\ndescription: |\n  A *short* one.\n",
			"Second body with zebras.\n"),
		"posts/20260301000000_wip.md": post("title: Not yet\nslug: wip\nis_draft: true\ntags: [secret-tag]\n", "Unfinished xylophone.\n"),
		"projects/projects.yaml": &fstest.MapFile{Data: []byte(`projects:
  - name: Alpha
    url: https://example.com/alpha
    description: The first project, about penguins.
    tags: [go]
  - name: Beta
    url: https://example.com/beta
    tags: []
`)},
	}
}

func run(t *testing.T, r *repo.Repo, fsys fs.FS) importer.Report {
	t.Helper()
	rep, err := importer.Run(context.Background(), r, fsys)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestImportIsIdempotent(t *testing.T) {
	r, writes := openRepo(t)
	ctx := context.Background()
	rep := run(t, r, sampleFS())
	want := importer.Report{Posts: importer.Counts{Created: 3}, Projects: importer.Counts{Created: 2}, Drafts: 1}
	if rep != want {
		t.Fatalf("first import = %+v, want %+v", rep, want)
	}
	if *writes != 5 {
		t.Errorf("first import made %d writes, want 5", *writes)
	}

	list, err := posts.List(ctx, r.DB(), posts.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Slug != "second-one" || list[1].Slug != "first" {
		t.Fatalf("posts = %+v, want second-one then first", list)
	}
	if got := tagLabels(list[1].Tags); got != "go,SQLite" {
		t.Errorf("tags of first = %s", got)
	}
	if list[0].Description != "A short one." || list[1].Description != "Hello world about replication." {
		t.Errorf("descriptions = %q, %q", list[0].Description, list[1].Description)
	}
	if list[0].DescriptionHTML != "<p>A <em>short</em> one.</p>\n" || list[1].DescriptionHTML != "" {
		t.Errorf("rendered descriptions = %q, %q", list[0].DescriptionHTML, list[1].DescriptionHTML)
	}
	if list[0].ReadingMinutes != 7 || list[1].ReadingMinutes != 1 {
		t.Errorf("reading times = %d, %d; want 7 as written and 1 worked out", list[0].ReadingMinutes, list[1].ReadingMinutes)
	}
	if want := "2026-02-03 10:00:00.123456 +0000 UTC"; list[0].PublishedAt.String() != want {
		t.Errorf("published_at = %s, want %s", list[0].PublishedAt, want)
	}

	before := snapshot(t, r.DB())
	*writes = 0
	rep = run(t, r, sampleFS())
	want = importer.Report{Posts: importer.Counts{Unchanged: 3}, Projects: importer.Counts{Unchanged: 2}, Drafts: 1}
	if rep != want || rep.Wrote() {
		t.Errorf("second import = %+v, want %+v", rep, want)
	}
	if *writes != 0 {
		t.Errorf("second import made %d writes, want none", *writes)
	}
	if after := snapshot(t, r.DB()); after != before {
		t.Errorf("second import changed the database:\n%s\n---\n%s", before, after)
	}

	// The operation itself is a no-op when the hash is the same.
	c, err := importer.Load(sampleFS())
	if err != nil {
		t.Fatal(err)
	}
	out, err := posts.Save(ctx, r, c.Posts[0])
	if err != nil || out.Change != repo.Unchanged {
		t.Errorf("upsert of an unchanged post = %+v, %v", out, err)
	}
	pout, err := projects.Save(ctx, r, c.Projects[0])
	if err != nil || pout.Change != repo.Unchanged {
		t.Errorf("upsert of an unchanged project = %+v, %v", pout, err)
	}
	if after := snapshot(t, r.DB()); after != before {
		t.Errorf("no-op upserts changed the database")
	}
}

func TestImportUpdatesAndRemoves(t *testing.T) {
	r, _ := openRepo(t)
	ctx := context.Background()
	run(t, r, sampleFS())

	fsys := sampleFS()
	fsys["posts/20260102090000_first.md"] = post("title: First post, revised\nslug: first\npublished_at: 2026-01-02 09:00:00Z\ntags: [go]\n", "Now about giraffes.\n")
	delete(fsys, "posts/20260203100000_second_one.md")
	fsys["projects/projects.yaml"] = &fstest.MapFile{Data: []byte("projects:\n  - name: Beta\n    url: https://example.com/beta2\n")}
	rep := run(t, r, fsys)
	want := importer.Report{
		Posts:    importer.Counts{Updated: 1, Deleted: 1, Unchanged: 1},
		Projects: importer.Counts{Updated: 1, Deleted: 1},
		Tags:     importer.Counts{Deleted: 1}, // SQLite, which only the first post had
		Drafts:   1,
	}
	if rep != want {
		t.Fatalf("import = %+v, want %+v", rep, want)
	}
	p, err := posts.Get(ctx, r.DB(), "first")
	if err != nil {
		t.Fatal(err)
	}
	if p.Title != "First post, revised" || !strings.Contains(p.HTML, "giraffes") || tagLabels(p.Tags) != "go" {
		t.Errorf("post not updated: %+v", p)
	}
	if _, err := posts.Get(ctx, r.DB(), "second-one"); !isNotFound(err) {
		t.Errorf("removed post: err = %v, want not found", err)
	}
	if _, err := posts.ByPermalink(ctx, r.DB(), "/old/first"); !isNotFound(err) {
		t.Errorf("dropped permalink still answers: %v", err)
	}
	// The search index follows: old words are gone, new ones found.
	for q, want := range map[string]int{"zebras": 0, "replication": 0, "giraffes": 1, "penguins": 0} {
		res, err := search.Run(ctx, r.DB(), q, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) != want {
			t.Errorf("search %q: %d hits, want %d", q, len(res.Hits), want)
		}
	}
	list, err := projects.List(ctx, r.DB(), projects.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].URL != "https://example.com/beta2" {
		t.Errorf("projects = %+v", list)
	}
}

// Switching to other content removes the tags the import made that the
// new content does not use, and never a tag an admin made or renamed,
// used by the content or not.
func TestImportRemovesOnlyTheTagsItMade(t *testing.T) {
	r, writes := openRepo(t)
	admin := tags.NewService(r)
	ctx := context.Background()
	run(t, r, sampleFS()) // makes go and SQLite
	for _, label := range []string{"mine", "rust"} {
		if _, err := admin.Create(ctx, label); err != nil {
			t.Fatal(err)
		}
	}
	sqliteTag, err := admin.ByLabel(ctx, "SQLite")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Rename(ctx, sqliteTag.ID, "Databases"); err != nil {
		t.Fatal(err)
	}
	goTag, err := admin.ByLabel(ctx, "go")
	if err != nil {
		t.Fatal(err)
	}
	count := func(label string) int {
		var n int
		if err := r.DB().QueryRow(`SELECT COUNT(*) FROM tags WHERE label='` + label + `'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// One's own content, filed under the admin's rust and the import's go.
	own := fstest.MapFS{"posts/20260401000000_mine.md": post("title: Mine\npublished_at: 2026-04-01\ntags: [rust, go]\n", "Text.\n")}
	if rep := run(t, r, own); rep.Tags.Deleted != 0 {
		t.Errorf("the import removed %d tags, want none: go is used, the others are the admin's", rep.Tags.Deleted)
	}
	for label, want := range map[string]int{"SQLite": 0, "Databases": 1, "mine": 1, "rust": 1, "go": 1} {
		if n := count(label); n != want {
			t.Errorf("%d tags labelled %q, want %d", n, label, want)
		}
	}
	if still, err := admin.Get(ctx, goTag.ID); err != nil || still.Label != "go" {
		t.Errorf("the import's go, still used, was replaced: %+v, %v", still, err)
	}
	// Nothing to remove: an unchanged import writes nothing.
	*writes = 0
	if rep := run(t, r, own); rep.Wrote() || *writes != 0 {
		t.Errorf("an unchanged import wrote %d times: %v", *writes, rep)
	}

	// The content stops using both: the import's go goes, the admin's rust stays.
	own["posts/20260401000000_mine.md"] = post("title: Mine\npublished_at: 2026-04-01\n", "Text.\n")
	if rep := run(t, r, own); rep.Tags.Deleted != 1 {
		t.Errorf("the import removed %d tags, want 1 (go)", rep.Tags.Deleted)
	}
	for label, want := range map[string]int{"go": 0, "rust": 1, "Databases": 1, "mine": 1} {
		if n := count(label); n != want {
			t.Errorf("after the content dropped its tags: %d tags labelled %q, want %d", n, label, want)
		}
	}
}

func TestDraftsAreStoredForTheAdminOnly(t *testing.T) {
	r, _ := openRepo(t)
	ctx := context.Background()
	run(t, r, sampleFS())
	if _, err := posts.Get(ctx, r.DB(), "wip"); !isNotFound(err) {
		t.Errorf("a reader's Get finds the draft: %v", err)
	}
	if p, err := posts.Lookup(ctx, r.DB(), "wip"); err != nil || !p.Draft || !strings.Contains(p.HTML, "xylophone") {
		t.Errorf("the admin's Lookup = %+v, %v; want the draft", p.Summary, err)
	}
	if list, _ := posts.List(ctx, r.DB(), posts.Filter{}); len(list) != 2 {
		t.Errorf("%d posts listed, want the 2 published", len(list))
	}
	if p, _ := posts.Latest(ctx, r.DB()); p.Slug != "second-one" {
		t.Errorf("latest post = %q, a draft is newer but must not count", p.Slug)
	}
	var n int
	r.DB().QueryRow(`SELECT COUNT(*) FROM tags WHERE label = 'secret-tag'`).Scan(&n)
	if n != 0 {
		t.Errorf("a draft's tag was created")
	}
	if res, _ := search.Run(ctx, r.DB(), "xylophone", 10); len(res.Hits) != 0 {
		t.Errorf("a draft is found by search")
	}

	// A published post that becomes a draft is taken down.
	fsys := sampleFS()
	fsys["posts/20260203100000_second_one.md"] = post("title: Second post\nslug: second-one\npublished_at: 2026-02-03 10:00:00Z\nis_draft: true\n", "Back to work.\n")
	rep := run(t, r, fsys)
	if rep.Posts.Updated != 1 || rep.Drafts != 2 {
		t.Errorf("import = %+v, want one update and two drafts", rep)
	}
	if _, err := posts.Get(ctx, r.DB(), "second-one"); !isNotFound(err) {
		t.Errorf("post turned draft is still there: %v", err)
	}
}

func TestBadContentChangesNothing(t *testing.T) {
	const pj = "projects/projects.yaml"
	cases := []struct {
		name, file, data, want string
	}{
		{"no front matter", "posts/bad.md", "Just text.\n", "posts/bad.md:1:"},
		{"unclosed", "posts/bad.md", "---\ntitle: x\n", "posts/bad.md:1: the front matter opened on line 1 is never closed"},
		{"yaml syntax", "posts/bad.md", "---\ntitle: ok\npublished_at: 2026-01-01\ntags: [a, b\n---\nbody\n", "posts/bad.md:"},
		{"bad date", "posts/bad.md", "---\ntitle: ok\npublished_at: next tuesday\n---\nbody\n", `posts/bad.md:3: published_at "next tuesday" is not a date`},
		{"unknown field", "posts/bad.md", "---\ntitle: ok\npublished_at: 2026-01-01\nauthor: me\n---\n", `posts/bad.md:4: unknown field "author"`},
		{"our old draft key", "posts/bad.md", "---\ntitle: ok\npublished_at: 2026-01-01\ndraft: true\n---\n", `posts/bad.md:4: unknown field "draft"`},
		{"reading time not a number", "posts/bad.md", "---\ntitle: ok\npublished_at: 2026-01-01\nreading_time_minutes: soon\n---\n", `posts/bad.md:4: reading_time_minutes must be empty or a whole number`},
		{"description not text", "posts/bad.md", "---\ntitle: ok\npublished_at: 2026-01-01\ndescription: [a, b]\n---\n", `posts/bad.md:4: description must be text`},
		{"missing title", "posts/bad.md", "---\npublished_at: 2026-01-01\n---\nbody\n", "posts/bad.md:1: title is missing"},
		{"bad slug", "posts/bad.md", "---\ntitle: ok\nslug: Not A Slug\npublished_at: 2026-01-01\n---\n", "posts/bad.md:3: slug"},
		{"bad file name", "posts/Bad Name.md", "---\ntitle: ok\npublished_at: 2026-01-01\n---\n", "posts/Bad Name.md:1: the file name"},
		{"duplicate slug", "posts/zzz.md", "---\ntitle: ok\nslug: first\npublished_at: 2026-01-01\n---\n", `posts/zzz.md:3: slug "first" is already used by posts/20260102090000_first.md`},
		{"duplicate slug by underscore", "posts/zzz.md", "---\ntitle: ok\nslug: second_one\npublished_at: 2026-01-01\n---\n", `posts/zzz.md:3: slug "second-one" is already used`},
		{"long tag", "posts/bad.md", "---\ntitle: ok\npublished_at: 2026-01-01\ntags:\n  - fine\n  - " + strings.Repeat("x", 65) + "\n---\n", "posts/bad.md:6: tag"},
		{"draft not bool", "posts/bad.md", "---\ntitle: ok\npublished_at: 2026-01-01\nis_draft: maybe\n---\n", "posts/bad.md:4: is_draft must be true or false"},
		{"reserved permalink", "posts/bad.md", "---\ntitle: ok\npublished_at: 2026-01-01\npermalinks: [/tags]\n---\n", "posts/bad.md:4: permalink \"/tags\" is taken"},
		{"claimed permalink", "posts/zzz.md", "---\ntitle: ok\npublished_at: 2026-01-01\npermalinks:\n  - /old/first\n---\n", "posts/zzz.md:5: permalink /old/first is already claimed by posts/20260102090000_first.md"},
		{"missing image", "posts/bad.md", "---\ntitle: ok\npublished_at: 2026-01-01\n---\nText.\n\n![x](../assets/nope.webp)\n", "posts/bad.md:7: image ../assets/nope.webp: no picture named nope"},
		{"project without url", pj, "projects:\n  - name: Alpha\n    url: https://example.com/alpha\n  - name: Gamma\n", pj + `:4: project "Gamma" has no url`},
		{"project bad url", pj, "projects:\n  - name: Alpha\n    url: javascript:alert(1)\n", pj + `:3: url "javascript:alert(1)"`},
		{"project unknown field", pj, "projects:\n  - name: Alpha\n    url: https://example.com\n    stars: 5\n", pj + `:4: unknown field "stars"`},
		{"project twice", pj, "projects:\n  - name: Alpha\n    url: https://example.com\n  - name: alpha\n    url: https://example.com\n", pj + `:4: project "alpha" is listed twice (first on line 2)`},
		{"projects without the wrapper", pj, "- name: Alpha\n  url: https://example.com\n", pj + ":1: the projects file must start with projects:"},
		{"projects beside another field", pj, "projects: []\nowner: me\n", pj + `:2: unknown field "owner"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, writes := openRepo(t)
			run(t, r, sampleFS())
			before := snapshot(t, r.DB())
			*writes = 0

			fsys := sampleFS()
			// A good change alongside the bad file must not be written either.
			fsys["posts/20260102090000_first.md"] = post("title: First post, changed\nslug: first\npublished_at: 2026-01-02\npermalinks: [/old/first]\n", "Changed.\n")
			fsys[tc.file] = &fstest.MapFile{Data: []byte(tc.data)}
			_, err := importer.Run(context.Background(), r, fsys)
			if err == nil {
				t.Fatal("import succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %q, want it to contain %q", err, tc.want)
			}
			var fe *importer.FileError
			if !errors.As(err, &fe) || fe.File != tc.file || fe.Line < 1 {
				t.Errorf("error %v is not a FileError about %s", err, tc.file)
			}
			if *writes != 0 {
				t.Errorf("%d writes were made", *writes)
			}
			if after := snapshot(t, r.DB()); after != before {
				t.Errorf("the database changed")
			}
		})
	}
}

func TestEveryBadFileIsReported(t *testing.T) {
	fsys := sampleFS()
	fsys["posts/a.md"] = &fstest.MapFile{Data: []byte("nope\n")}
	fsys["posts/b.md"] = &fstest.MapFile{Data: []byte("---\ntitle: x\npublished_at: soon\n---\n")}
	_, err := importer.Load(fsys)
	if err == nil || !strings.Contains(err.Error(), "posts/a.md:1:") || !strings.Contains(err.Error(), "posts/b.md:3:") {
		t.Errorf("error = %v, want both files named", err)
	}
}

func TestEmptyContentIsRefused(t *testing.T) {
	r, _ := openRepo(t)
	run(t, r, sampleFS())
	if _, err := importer.Run(context.Background(), r, fstest.MapFS{"README": {}}); err == nil {
		t.Fatal("importing a folder without posts/ or projects.yaml succeeded")
	}
	if list, _ := posts.List(context.Background(), r.DB(), posts.Filter{}); len(list) != 2 {
		t.Errorf("posts were removed")
	}
}

// Pictures are found in assets/ by base name, whatever the extension the
// post writes, as the original Blog writes ../assets/cat.webp for cat.jpg.
func TestImagesResolveByBaseName(t *testing.T) {
	fsys := sampleFS()
	fsys["assets/cat_nap.jpg"] = &fstest.MapFile{Data: []byte("jpeg")}
	fsys["posts/20260401000000_cat.md"] = post("title: Cat\nslug: cat\npublished_at: 2026-04-01 00:00:00Z\n",
		"Look.\n\n![a cat](../assets/cat_nap.webp)\n")
	c, err := importer.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.Posts {
		if p.Slug == "cat" && !strings.Contains(p.HTML, `<img src="/assets/images/cat_nap" alt="a cat">`) {
			t.Errorf("image not pointed at the blog's URL:\n%s", p.HTML)
		}
	}
}

func TestTagsByLabel(t *testing.T) {
	r, _ := openRepo(t)
	ctx := context.Background()
	db := r.DB()
	if _, err := db.Exec(`INSERT INTO tags (label, created_at, updated_at) VALUES ('Go', 'x', 'x')`); err != nil {
		t.Fatal(err)
	}
	run(t, r, sampleFS())
	var n int
	db.QueryRow(`SELECT COUNT(*) FROM tags WHERE label = 'go' COLLATE NOCASE`).Scan(&n)
	if n != 1 {
		t.Errorf("%d tags labelled go ignoring case, want 1", n)
	}
	var goID int64
	db.QueryRow(`SELECT id FROM tags WHERE label = 'Go'`).Scan(&goID)
	byTag, err := posts.ByTag(ctx, db, goID)
	if err != nil || len(byTag) != 2 {
		t.Errorf("ByTag(go) = %d posts, %v; want 2", len(byTag), err)
	}
	projs, err := projects.ByTag(ctx, db, goID)
	if err != nil || len(projs) != 1 || projs[0].Name != "Alpha" {
		t.Errorf("projects.ByTag(go) = %+v, %v", projs, err)
	}

	// A renamed tag is searched for by its new label, on posts and projects.
	if _, err := db.Exec(`UPDATE tags SET label = 'golang' WHERE id = ?`, goID); err != nil {
		t.Fatal(err)
	}
	res, err := search.Run(ctx, db, "golang", 10)
	if err != nil || len(res.Hits) != 3 {
		t.Errorf("search golang after rename: %d hits, %v; want 3", len(res.Hits), err)
	}
	// A deleted tag is no longer searched for.
	if _, err := db.Exec(`DELETE FROM tags WHERE id = ?`, goID); err != nil {
		t.Fatal(err)
	}
	res, err = search.Run(ctx, db, "golang", 10)
	if err != nil || len(res.Hits) != 0 {
		t.Errorf("search golang after delete: %d hits, %v; want 0", len(res.Hits), err)
	}
	res, _ = search.Run(ctx, db, "sqlite", 10)
	if len(res.Hits) != 1 {
		t.Errorf("search sqlite: %d hits, want 1", len(res.Hits))
	}
}

func TestPermalinks(t *testing.T) {
	r, _ := openRepo(t)
	ctx := context.Background()
	run(t, r, sampleFS())
	slug, err := posts.ByPermalink(ctx, r.DB(), "/old/first")
	if err != nil || slug != "first" {
		t.Fatalf("ByPermalink = %q, %v", slug, err)
	}
	// A permalink moved to another post follows it.
	fsys := sampleFS()
	fsys["posts/20260102090000_first.md"] = post("title: First post\npublished_at: 2026-01-02\n", "Body.\n")
	fsys["posts/20260203100000_second_one.md"] = post("title: Second post\nslug: second-one\npublished_at: 2026-02-03\npermalinks: [old/first/]\n", "Body.\n")
	run(t, r, fsys)
	if slug, err := posts.ByPermalink(ctx, r.DB(), "/old/first"); err != nil || slug != "second-one" {
		t.Errorf("moved permalink = %q, %v", slug, err)
	}
}

// The content shipped with the blog imports cleanly, with one draft.
func TestShippedContent(t *testing.T) {
	c, err := importer.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Posts) < 5 || len(c.Drafts) != 1 || len(c.Projects) < 3 {
		t.Errorf("shipped content: %d posts, %d drafts, %d projects", len(c.Posts), len(c.Drafts), len(c.Projects))
	}
	var code, table, image bool
	for _, p := range c.Posts {
		code = code || strings.Contains(p.HTML, `class="chroma"`)
		table = table || strings.Contains(p.HTML, "<table ")
		image = image || strings.Contains(p.HTML, `<img src="/assets/images/`)
		if len(p.TOC) == 0 {
			t.Errorf("%s has no table of contents", p.Source)
		}
	}
	if !code || !table || !image {
		t.Errorf("shipped posts lack code (%v), a table (%v) or an image (%v)", code, table, image)
	}
	r, _ := openRepo(t)
	rep := run(t, r, content.FS)
	if rep.Posts.Created != len(c.Posts) {
		t.Errorf("import = %+v", rep)
	}
}

func isNotFound(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "not_found")
}

func tagLabels(list []tags.Ref) string {
	var s []string
	for _, t := range list {
		s = append(s, t.Label)
	}
	return strings.Join(s, ",")
}

// snapshot renders every content table as text, to compare states.
func snapshot(t *testing.T, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT id, slug, title, hash, updated_at FROM posts ORDER BY id`,
		`SELECT post_id, tag_id FROM post_tags ORDER BY 1, 2`,
		`SELECT path, post_id FROM post_permalinks ORDER BY 1`,
		`SELECT id, name, url, hash, updated_at FROM projects ORDER BY id`,
		`SELECT project_id, tag_id FROM project_tags ORDER BY 1, 2`,
		`SELECT id, label, updated_at FROM tags ORDER BY id`,
		`SELECT rowid, title, tags FROM posts_fts ORDER BY rowid`,
		`SELECT changed_at FROM content_changes`,
	} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				b.WriteString(strings.TrimSpace(strings.ReplaceAll(toString(v), "\n", " ")))
				b.WriteByte('|')
			}
			b.WriteByte('\n')
		}
		rows.Close()
		b.WriteString("--\n")
	}
	return b.String()
}

func toString(v any) string {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return fmt.Sprint(v)
}

// The original Blog's own fixtures hold a draft whose published_at is left
// empty and a post of nothing but a title and a slug: both are imported, a
// post without a date in its front matter takes the one of its file's name,
// and one whose name has none stays undated, listed after the dated ones.
func TestUndatedPosts(t *testing.T) {
	r, _ := openRepo(t)
	fsys := fstest.MapFS{
		"posts/20250101120000_dated.md": post("title: Dated\nslug: dated\npublished_at: 2025-01-01\n", "Dated text.\n"),
		"posts/sketch.md":               post("title: \"A sketch\"\nslug: \"sketch\"\nis_draft: true\npublished_at:\n", "# Sketch\n\nNot done.\n"),
		"posts/bare.md":                 post("title: \"Bare\"\nslug: \"bare\"\n", "Just a line of text.\n"),
		"posts/20250301080000_named.md": post("title: Named\n", "Dated by its name.\n"),
	}
	rep := run(t, r, fsys)
	if rep.Posts.Created != 4 || rep.Drafts != 1 {
		t.Fatalf("report %s, want 4 posts of which 1 draft", rep)
	}
	list, err := posts.List(context.Background(), r.DB(), posts.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, p := range list {
		order = append(order, p.Slug+"@"+p.PublishedAt.Format("2006-01-02"))
	}
	if got, want := strings.Join(order, " "), "named@2025-03-01 dated@2025-01-01 bare@0001-01-01"; got != want {
		t.Errorf("posts listed %s, want %s", got, want)
	}
	draft, err := posts.Lookup(context.Background(), r.DB(), "sketch")
	if err != nil || !draft.Draft || !draft.PublishedAt.IsZero() {
		t.Errorf("draft %+v, %v: want a draft without a date", draft.Summary, err)
	}
}
