package views

import (
	"time"

	"blog/internal/markdown"
	"blog/internal/posts"
	"blog/internal/search"
	"blog/internal/tags"
)

// swatches are the colour variables of style.css the gallery shows.
var swatches = []string{"bg", "bg-2", "bg-3", "fg", "fg-muted", "fg-dim", "red", "green",
	"yellow", "blue", "magenta", "cyan", "accent", "link", "bsod"}

// sampleCode is a highlighted code block as the Markdown renderer writes
// one.
const sampleCode = `<pre class="chroma" tabindex="0" data-lang="go"><code><span class="kd">func</span> <span class="nf">forward</span><span class="p">(</span><span class="nx">w</span> <span class="nx">Write</span><span class="p">)</span> <span class="kt">error</span> <span class="p">{</span>
	<span class="c1">// Replicas never write locally.</span>
	<span class="k">return</span> <span class="nx">send</span><span class="p">(</span><span class="s">"primary"</span><span class="p">,</span> <span class="mi">3</span><span class="p">)</span>
<span class="p">}</span></code></pre>`

// SampleGallery is made-up content for the gallery: nothing of it is in
// the database.
func SampleGallery() GallerySample {
	day := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	labels := []tags.Ref{{ID: 1, Label: "litefs"}, {ID: 2, Label: "sqlite"}}
	return GallerySample{
		Posts: []posts.Summary{
			{Slug: "gallery-a", Title: "A write on a replica", Description: "Where the write goes, and how it comes back.",
				PublishedAt: day, ReadingMinutes: 6, Tags: labels,
				ExcerptHTML: "<p>The replica cannot write, so it hands the write over and waits.</p>"},
			{Slug: "gallery-b", Title: "Counting rows on every node", Description: "The same number, read from each copy.",
				PublishedAt: day.AddDate(0, -1, 0), ReadingMinutes: 3},
			{Slug: "gallery-c", Title: "When the lease moves", Description: "A new primary, and the writes in flight.",
				PublishedAt: day.AddDate(0, -2, 0), ReadingMinutes: 9, Tags: labels[:1]},
		},
		Hits: []search.Hit{
			{Kind: "post", Title: "A write on a replica", URL: "/gallery", Date: day,
				Snippet: []search.Segment{{Text: "…hands the write to the "}, {Text: "primary", Match: true}, {Text: " and waits…"}}},
			{Kind: "project", Title: "LiteFS", URL: "/gallery",
				Snippet: []search.Segment{{Text: "Replicates SQLite from the "}, {Text: "primary", Match: true}, {Text: "."}}},
		},
		Links: []Link{
			{Title: "A write on a replica", URL: "/gallery", Date: day, Text: "Where the write goes, and how it comes back."},
			{Title: "LiteFS", URL: "/gallery", Text: "Replicates the database."},
		},
		TOC: TOC{Title: "A write on a replica", TitleID: "gallery-toc", Headings: []markdown.Heading{
			{Level: 2, ID: "gallery-toc", Text: "Asking who is primary"},
			{Level: 3, ID: "gallery-toc", Text: "Reading .primary"},
			{Level: 2, ID: "gallery-toc", Text: "Handing the write over"},
		}},
	}
}
