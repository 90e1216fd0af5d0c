package markdown

import (
	"strings"
	"testing"
)

// Posts written for the original Blog render as they did there.
func TestRenderAsTheOriginal(t *testing.T) {
	src := "She said \"it's done\" -- twice... :tada:\n\n" +
		"## Tea & Biscuits\n\n## snake_case names\n\n## Café `code` [link](https://example.com)\n\n" +
		"## Tea & Biscuits\n\n" +
		"![Our cat](../assets/cat_photo.webp)\n\n![elsewhere](https://example.com/x.png)\n\n" +
		"![nested](../assets/images/shot_1.png)\n"
	d, err := Render([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"&ldquo;it&rsquo;s done&rdquo; &ndash; twice&hellip;",
		"&#x1f389;", // :tada:
		`<h2 id="tea-biscuits">`, `<h2 id="snakecase-names">`, `<h2 id="cafe-code-link">`,
		`<h2 id="tea-biscuits-1">`,
		`<img src="/assets/images/cat_photo" alt="Our cat">`,
		`<img src="https://example.com/x.png"`,
		`<img src="/assets/images/shot_1"`,
	} {
		if !strings.Contains(d.HTML, want) {
			t.Errorf("HTML lacks %s:\n%s", want, d.HTML)
		}
	}
	if !strings.Contains(d.Text, "“it’s done”") || strings.Contains(d.Text, "&rsquo;") || !strings.Contains(d.Text, "🎉") {
		t.Errorf("plain text shows entities: %q", d.Text)
	}
	want := []string{"../assets/cat_photo.webp", "https://example.com/x.png", "../assets/images/shot_1.png"}
	if strings.Join(d.Images, " ") != strings.Join(want, " ") {
		t.Errorf("Images = %q, want %q", d.Images, want)
	}
}

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"Hello, World!":         "hello-world",
		"Gifted & Talented":     "gifted-talented",
		"snake_case":            "snakecase",
		"  Ünïcödé  Ok -- yes ": "unicode-ok----yes",
		"What's new in 2026?":   "whats-new-in-2026",
		"日本語":                   "",
	} {
		if got := Slugify(in, "-"); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestImageURL(t *testing.T) {
	for src, want := range map[string]string{
		"../assets/rufus.webp": "/assets/images/rufus",
		"../assets/rufus.jpg":  "/assets/images/rufus",
		"../assets/a/b_c.png":  "/assets/images/b_c",
		"/images/x.png":        "",
		"https://x.test/a.png": "",
		"../assets/":           "",
	} {
		got, _ := ImageURL(src)
		if got != want {
			t.Errorf("ImageURL(%q) = %q, want %q", src, got, want)
		}
	}
}

// A post's page gives its slug to the title, and the table of contents
// links its first entry there: a heading that reads as the slug gets a
// number, so the link leads to the title and the heading keeps an id of
// its own.
func TestReservedIDs(t *testing.T) {
	d, err := Render([]byte("## Background\n\n## Background\n\n## Other\n"), "background")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, h := range d.TOC {
		ids = append(ids, h.ID)
	}
	if got := strings.Join(ids, " "); got != "background-1 background-2 other" {
		t.Errorf("heading ids %s, want background-1 background-2 other", got)
	}
	if strings.Contains(d.HTML, `id="background"`) {
		t.Errorf("a heading has the reserved id: %s", d.HTML)
	}
}
