package markdown

import (
	"regexp"
	"strings"
	"testing"
)

// hostile matches markup that would run script or load foreign frames:
// script-like elements, event handler attributes, script and data URLs.
var hostile = regexp.MustCompile(`(?i)<(script|iframe|img src=x|b )|<[^>]*\son\w+\s*=\s*["'a-z]|(href|src)="\s*(javascript|vbscript|data):`)

const sample = "Opening paragraph with a note.[^1]\n\n" +
	"Second paragraph, ~~struck~~ text.\n\n" +
	"## First section\n\n" +
	"| a | b |\n| --- | --- |\n| 1 | 2 |\n\n" +
	"### A smaller one\n\n" +
	"```go\nfunc main() { fmt.Println(\"hi\") }\n```\n\n" +
	"#### Deepest\n\ntext\n\n" +
	"[^1]: The note.\n"

func TestRender(t *testing.T) {
	d, err := Render([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		// Tables and code blocks scroll sideways on a phone: the
		// keyboard reaches them to scroll them.
		`<table tabindex="0">`, `<th>a</th>`, `<del>struck</del>`,
		`<h2 id="first-section">First section</h2>`,
		`<h3 id="a-smaller-one">`, `<h4 id="deepest">`,
		`class="footnotes"`, `href="#fn:1"`,
		`<pre class="chroma" tabindex="0" data-lang="go"><code class="language-go">`,
		`<span class="kd">func</span>`,
	} {
		if !strings.Contains(d.HTML, want) {
			t.Errorf("HTML lacks %q:\n%s", want, d.HTML)
		}
	}
	if strings.Contains(d.HTML, "style=") {
		t.Errorf("HTML has inline styles:\n%s", d.HTML)
	}

	wantTOC := []Heading{{2, "first-section", "First section"}, {3, "a-smaller-one", "A smaller one"}, {4, "deepest", "Deepest"}}
	if len(d.TOC) != len(wantTOC) {
		t.Fatalf("TOC = %+v, want %+v", d.TOC, wantTOC)
	}
	for i := range wantTOC {
		if d.TOC[i] != wantTOC[i] {
			t.Errorf("TOC[%d] = %+v, want %+v", i, d.TOC[i], wantTOC[i])
		}
	}

	if !strings.Contains(d.Excerpt, "Opening paragraph") || !strings.Contains(d.Excerpt, "Second paragraph") {
		t.Errorf("excerpt lacks the opening paragraphs: %s", d.Excerpt)
	}
	if strings.Contains(d.Excerpt, "First section") || strings.Contains(d.Excerpt, "fn:1") {
		t.Errorf("excerpt goes past the first heading or keeps a footnote link: %s", d.Excerpt)
	}
	if d.ExcerptText != "Opening paragraph with a note. Second paragraph, struck text." {
		t.Errorf("ExcerptText = %q", d.ExcerptText)
	}
	if !strings.Contains(d.Text, `fmt.Println("hi")`) || !strings.Contains(d.Text, "The note.") {
		t.Errorf("Text lacks code or notes: %q", d.Text)
	}
	if d.ReadingMinutes != 1 || d.Words < 20 {
		t.Errorf("Words = %d, ReadingMinutes = %d", d.Words, d.ReadingMinutes)
	}
}

func TestReadingTime(t *testing.T) {
	d, err := Render([]byte(strings.Repeat("word ", WordsPerMinute*3+1)))
	if err != nil {
		t.Fatal(err)
	}
	if d.ReadingMinutes != 4 {
		t.Errorf("ReadingMinutes = %d, want 4", d.ReadingMinutes)
	}
}

// The reading time is the original Blog's: the Markdown's words as split on
// white space, markup included, over 260 a minute, rounded up. A list of
// 131 one-word items is 262 such words (a dash and a word each), though a
// reader sees 131: two minutes, where counting the text would say one.
func TestReadingTimeCountsTheMarkdown(t *testing.T) {
	src := []byte(strings.Repeat("- word\n", 131))
	d, err := Render(src)
	if err != nil {
		t.Fatal(err)
	}
	if d.Words != 131 || d.ReadingMinutes != 2 {
		t.Errorf("Words = %d, ReadingMinutes = %d; want 131 words read in 2 minutes", d.Words, d.ReadingMinutes)
	}
	if got := ReadingMinutes([]byte("  ")); got != 1 {
		t.Errorf("ReadingMinutes of nothing = %d, want at least 1", got)
	}
}

func TestExcerptSkipsPictures(t *testing.T) {
	d, err := Render([]byte("First words.\n\n![diagram](/images/a.svg)\n\nLast words.\n\n## Next\n"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Excerpt != "<p>First words.</p>\n<p>Last words.</p>\n" {
		t.Errorf("Excerpt = %q", d.Excerpt)
	}
	if len(d.Images) != 1 || d.Images[0] != "/images/a.svg" {
		t.Errorf("Images = %q", d.Images)
	}
}

func TestExcerptWhenPostOpensWithHeading(t *testing.T) {
	d, err := Render([]byte("## Start\n\nFirst words.\n\nMore.\n"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Excerpt != "<p>First words.</p>\n" {
		t.Errorf("Excerpt = %q", d.Excerpt)
	}
}

// Raw HTML and script links in Markdown never reach the page.
func TestRenderDistrustsHTML(t *testing.T) {
	cases := map[string]string{
		"block":        "<script>alert(1)</script>\n",
		"inline":       "Hello <img src=x onerror=alert(1)> there\n",
		"iframe":       "<iframe src=\"https://evil.example\"></iframe>\n",
		"js link":      "[click](javascript:alert(1))\n",
		"JS link":      "[click](JaVaScRiPt:alert(1))\n",
		"data link":    "[click](data:text/html;base64,PHNjcmlwdD4=)\n",
		"autolink":     "<javascript:alert(1)>\n",
		"fence info":   "```go\" onmouseover=\"alert(1)\nx\n```\n",
		"image":        "![x\" onerror=\"alert(1)](/a.png)\n",
		"heading html": "## Title <b onclick=alert(1)>x</b>\n",
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			d, err := Render([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			if m := hostile.FindString(d.HTML); m != "" {
				t.Errorf("HTML contains %q:\n%s", m, d.HTML)
			}
		})
	}
}

func TestCSSUsesClasses(t *testing.T) {
	css := CSS()
	for _, want := range []string{".chroma {", ".chroma .kd {"} {
		if !strings.Contains(css, want) {
			t.Errorf("CSS lacks %q", want)
		}
	}
}
