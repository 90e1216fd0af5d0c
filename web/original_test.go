package web_test

import (
	"encoding/base64"
	"io/fs"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"blog/web"
)

// originalFS is content in the original Blog's format, written for these
// tests: what its own fixtures hold (a draft whose published_at is left
// empty, a post of only a title and a slug), a post with no description, a
// task list and code, projects out of order with a long address, and the
// projects page's introduction.
func originalFS() fstest.MapFS {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s), Mode: 0o644} }
	return fstest.MapFS{
		// 293 words of Markdown, split on white space, but 211 words of
		// text a reader sees: the list's markers count, as the original
		// counts them.
		"posts/20240720140600_keepers_log.md": file(`---
title: "The keeper's log"
slug: keepers_log
is_draft: false
reading_time_minutes:
published_at: 2024-07-20 14:06:00Z
tags:
  - lighthouse
  - notes
---

` + keepersLog),
		"posts/20240801090000_tide_tables.md": file(`---
title: Reading tide tables
slug: tide_tables
published_at: "2024-08-01T09:00:00Z"
reading_time_minutes: 9
tags:
  - tides
description: |
  How to read the *tables* of the tide, column by column.
---

The tables give the height of the water at each hour. High water comes
twice a day, and the lamp oil is ordered by the spring tides.
`),
		"posts/20240902080000_tide_clocks.md": file(`---
title: Tide clocks
slug: tide_clocks
published_at: 2024-09-02 08:00:00Z
tags:
  - tides
  - lighthouse
---

A tide clock has one hand that goes round **twice** a day, following the
moon rather than the sun.

Keepers hung one beside the door, so the first thing seen in the morning
was how far the water had to rise.

## How it is set

Set it at high water and leave it.
`),
		// As the original's fixtures: a draft with published_at left empty,
		// and a post of nothing but a title and a slug.
		"posts/20241001000000_unlit.md": file(`---
title: "The unlit tower"
slug: "unlit"
is_draft: true
published_at:
---

# Unlit

Not finished.
`),
		"posts/plain_note.md": file(`---
title: "A plain note"
slug: "plain-note"
---

Only a line, with no date at all.
`),
		"projects/projects.yaml": file(`projects:
  - name: "Zephyr Logger"
    url: "https://example.com/zephyr"
    description: "Writes down the wind every hour."
    tags:
      - "notes"
  - name: "anchor-chain"
    url: "https://example.com/anchor-chain"
    description: "Counts the links of an anchor chain."
    tags:
      - "tides"
  - name: "Buoy Map"
    url: "https://example.com/projects/maps/the-buoys-of-the-northern-coast-and-every-channel-between-them-drawn-by-hand"
    description: "A map of every buoy on the northern coast."
    tags:
      - "lighthouse"
`),
		web.ProjectsIntroFile: file("Things made around the *harbour*, each with its own page.\n"),
	}
}

// keepersLog is the body of the keeper's log.
const keepersLog = `The keeper climbs the stair at dusk and lights the *lamp* before the first ship rounds the point. This is the log of what the work asks of a keeper, written down so the next one knows.

A lighthouse is a clock as much as a lamp: the beam turns at a pace sailors count, and a keeper who lets it slow sends them the wrong name for the coast.

## The lamp

The lamp burns oil that must be carried up every evening. A full can weighs as much as a small child, and the stair has a hundred and twelve steps.

` + "```go" + `
func turn(beam *Beam) {
	beam.Angle += 12
}
` + "```" + `

## The evening round

- [x] carry the oil
- [x] trim the wick
- [x] wind the clockwork
- [x] polish the lens
- [x] check the glass for salt
- [x] write the log
- [ ] paint the rail
- [ ] mend the gallery door
- [ ] count the gulls
- [ ] answer the letters from the harbour office
- [x] look at the sky to the west
- [x] note the wind and the sea
- [ ] replace the cracked pane
- [ ] order more oil before winter
- [x] sweep the stair
- [x] close the shutters on the landward side
- [ ] sharpen the pencils for the log
- [x] test the foghorn
- [ ] oil the hinges of the trapdoor
- [x] set the lamp turning
- [ ] gulls
- [ ] gannets
- [ ] terns
- [ ] cormorants
- [ ] puffins
- [ ] skuas
- [ ] fulmars
- [ ] kittiwakes
- [ ] guillemots
- [ ] razorbills
`

// originalEnv is a server over originalFS that serves live streams, as a
// deployed node does, with BLOG_URL set.
func originalEnv(t *testing.T, fsys fs.FS) *liveEnv {
	t.Helper()
	rig := web.NewRig(t, web.RigOptions{Content: fsys, AdminPassword: password, LiveMax: 10, BaseURL: "https://blog.example"})
	return &liveEnv{contentEnv: &contentEnv{t: t, srv: rig.HTTP, db: rig.DB, tags: rig.Tags},
		hub: rig.Hub, web: rig.Server, r: rig.Repo, rig: rig}
}

// section returns the part of body from the first from to the next to
// after it; "" when from is missing.
func section(body, from, to string) string {
	i := strings.Index(body, from)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	if j := strings.Index(rest[len(from):], to); j >= 0 {
		return rest[:len(from)+j+len(to)]
	}
	return rest
}

// The post page as the original shows it: the title a badge with the slug
// for its id and the tags beside it, each linking to the list of posts
// filed under it; the date and the reading time on a line each, in the
// original's words; the reading time of the Markdown's words at 260 a
// minute unless the front matter gives one; code numbered by line.
func TestOriginalPostPage(t *testing.T) {
	e := originalEnv(t, originalFS())
	r := e.get("/posts/keepers-log")
	if r.status != 200 {
		t.Fatalf("GET /posts/keepers-log = %d", r.status)
	}
	head := section(r.body, `<header class="post-head">`, `</header>`)
	for _, want := range []string{
		`<div class="post-title"><h1 class="badge" id="keepers-log">The keeper&#39;s log</h1>`,
		`<a class="tag" href="/posts?tags=lighthouse">lighthouse</a>`,
		`<a class="tag" href="/posts?tags=notes">notes</a>`,
		`<p class="post-published"><time datetime="2024-07-20T14:06:00Z">July 20, 2024</time></p>`,
		// 293 words of Markdown: 2 minutes; its 211 words of text would
		// have made 1 at 220 a minute.
		`<p class="post-read-time">Approx. 2 minutes read</p>`,
	} {
		if !strings.Contains(head, want) {
			t.Errorf("the post's head lacks %s:\n%s", want, head)
		}
	}
	if strings.Contains(r.body, `href="/tags/`) {
		t.Error("the post links its tags to /tags/{id}, not to the list of posts")
	}
	toc := section(r.body, `<ol class="toc" id="toc">`, `</li>`)
	if !strings.Contains(toc, `<a href="#keepers-log"><span class="marker">#</span> The keeper&#39;s log</a>`) {
		t.Errorf("the contents do not lead with the title, linked by the slug: %s", toc)
	}
	code := section(r.body, `<pre class="chroma" tabindex="0" data-lang="go">`, `</pre>`)
	if n := strings.Count(code, `<span class="line">`); n != 3 {
		t.Errorf("the code block has %d numbered lines, want 3: %s", n, code)
	}

	for path, want := range map[string]string{
		"/posts/tide-tables": `<p class="post-read-time">Approx. 9 minutes read</p>`, // as the front matter says
		"/posts/tide-clocks": `<p class="post-read-time">Approx. 1 minute read</p>`,
		"/posts/plain-note":  `<p class="post-read-time">Approx. 1 minute read</p>`,
	} {
		if r := e.get(path); r.status != 200 || !strings.Contains(r.body, want) {
			t.Errorf("GET %s = %d, lacks %s", path, r.status, want)
		}
	}
	// The post of a title and a slug has no date, and says none.
	if r := e.get("/posts/plain-note"); strings.Contains(r.body, `class="post-published"`) || strings.Contains(r.body, "0001") {
		t.Error("the undated post shows a date")
	}
	// The draft with an empty published_at was imported: the admin sees it.
	if r := e.get("/posts/unlit"); r.status != 404 {
		t.Errorf("a reader asks for the draft: %d, want 404", r.status)
	}
	if r := e.get("/posts/unlit", "Authorization", adminAuth()); r.status != 200 || !strings.Contains(r.body, `id="draft-banner"`) {
		t.Errorf("the admin asks for the draft: %d", r.status)
	}
}

// Every page has the original's frame: the header over the text with the
// CRT filter's box for narrow screens, the status line at the foot, and
// the sidebar in the original's order and words, the filter's box ticked.
func TestOriginalEveryPage(t *testing.T) {
	e := originalEnv(t, originalFS())
	checked := func(id string) *regexp.Regexp {
		return regexp.MustCompile(`<input type="checkbox" id="` + id + `"[^>]*\schecked[\s>]`)
	}
	for _, path := range []string{"/", "/posts", "/posts/keepers-log", "/projects", "/search?q=lamp", "/tags", "/gallery"} {
		r := e.get(path)
		if r.status != 200 {
			t.Fatalf("GET %s = %d", path, r.status)
		}
		header := section(r.body, `<header class="site-header">`, `</header>`)
		if !checked("crt-toggle-header").MatchString(header) {
			t.Errorf("GET %s: the header has no ticked CRT box", path)
		}
		footer := section(r.body, `<footer class="site-footer">`, `</footer>`)
		if !strings.Contains(footer, `<a class="status-block" href="/rss">RSS</a>`) || !strings.Contains(footer, `<p class="status-fill">`) {
			t.Errorf("GET %s: the footer is no status line: %s", path, footer)
		}
		side := section(r.body, `<aside id="sidebar"`, `</aside>`)
		order := []string{`id="sidebar-options"`, `id="sidebar-presence"`, `id="sidebar-viewers"`}
		if strings.HasPrefix(path, "/posts/") || path == "/" {
			order = append(order, `id="sidebar-toc"`)
		}
		last := -1
		for _, id := range order {
			i := strings.Index(side, id)
			if i < last {
				t.Errorf("GET %s: the sidebar's %s is out of the original's order (or missing)", path, id)
			}
			last = i
		}
		for _, words := range []string{"<summary>Options</summary>", "CRT Filter", "Site-wide:", "This page:"} {
			if !strings.Contains(side, words) {
				t.Errorf("GET %s: the sidebar lacks %q", path, words)
			}
		}
		if !checked("crt-toggle").MatchString(side) {
			t.Errorf("GET %s: the CRT filter is not on as the page comes", path)
		}
	}
	if r := e.get("/posts/keepers-log"); !strings.Contains(r.body, "<summary>Table of Contents</summary>") {
		t.Error("the post's sidebar does not name its Table of Contents")
	}
}

// An empty list is a hatched block with its message, not one line.
func TestOriginalEmptyStates(t *testing.T) {
	e := originalEnv(t, originalFS())
	for path, id := range map[string]string{
		"/posts?tags=nothing-here": "no-posts",
		"/posts?q=albatross":       "no-posts",
		"/projects?q=albatross":    "no-projects",
		"/search?q=albatross":      "no-results",
	} {
		if r := e.get(path); !strings.Contains(r.body, `<div class="empty-state" id="`+id+`"><p class="empty">`) {
			t.Errorf("GET %s has no empty state", path)
		}
	}
}

var listedPost = regexp.MustCompile(`<li class="post-item"><h2><a href="/posts/([a-z0-9-]+)">`)

// postsFound returns the slugs /posts lists for the search q, in order.
func postsFound(e *liveEnv, q string) string {
	e.t.Helper()
	r := e.get("/posts?q=" + url.QueryEscape(q))
	if r.status != 200 {
		e.t.Fatalf("GET /posts?q=%s = %d", q, r.status)
	}
	var slugs []string
	for _, m := range listedPost.FindAllStringSubmatch(r.body, -1) {
		slugs = append(slugs, m[1])
	}
	return strings.Join(slugs, " ")
}

// Searches read as FTS5 reads them, with the original's shorthands:
// column filters and NEAR find what they name, a leading ! takes away, and
// what cannot be read is said to be so instead of being searched as
// something else.
func TestOriginalSearch(t *testing.T) {
	e := originalEnv(t, originalFS())
	cases := []struct{ q, want string }{
		{"lighthouse", "tide-clocks keepers-log"},
		{"!lighthouse", "tide-tables plain-note"},
		{"NOT lighthouse", "tide-tables plain-note"},
		{"title:tide", "tide-clocks tide-tables"},
		{"tags:lighthouse", "tide-clocks keepers-log"},
		{"tags:(tides notes)", ""},
		{"description:tables", "tide-tables"},
		{"description:moon", "tide-clocks"}, // a post without one is described by its opening
		{"NEAR(hand moon, 10)", "tide-clocks"},
		{"NEAR(hand moon, 2)", ""},
		{"NEAR(lamp oil)", "keepers-log tide-tables"},
		{"-title:tide tide", "tide-clocks tide-tables"}, // in another column than the title too
	}
	for _, tc := range cases {
		got := postsFound(e, tc.q)
		// Best matches first: compare as sets.
		gs, ws := strings.Fields(got), strings.Fields(tc.want)
		slices.Sort(gs)
		slices.Sort(ws)
		if strings.Join(gs, " ") != strings.Join(ws, " ") {
			t.Errorf("/posts?q=%s lists %q, want %q", tc.q, got, tc.want)
		}
	}

	for _, path := range []string{"/posts?q=", "/projects?q=", "/search?q="} {
		r := e.get(path + url.QueryEscape("title:(tide"))
		if !strings.Contains(r.body, `<p class="note note-problem" role="status" id="search-problem">That search cannot be read: A “(” is never closed by a “)”.</p>`) {
			t.Errorf("GET %s with an unclosed parenthesis does not say so", path)
		}
		if strings.Contains(r.body, `class="post-item"`) || strings.Contains(r.body, `class="project"`) || strings.Contains(r.body, `class="hit`) {
			t.Errorf("GET %s with an unclosed parenthesis lists something", path)
		}
		page := e.get(path)
		if !regexp.MustCompile(`<input id="q" name="q" type="search" value="" placeholder="[^"]+"[^>]*aria-describedby="q-syntax"`).MatchString(page.body) ||
			!strings.Contains(page.body, `<p class="search-syntax" id="q-syntax">`) || !strings.Contains(page.body, "<code>title:a</code>") {
			t.Errorf("GET %s does not show the syntax its box reads", path)
		}
	}

	// The search page: columns and taking away, over posts and projects.
	r := e.get("/search?q=" + url.QueryEscape("!lighthouse"))
	for _, want := range []string{"A plain note", "Reading tide tables", "Zephyr Logger", "anchor-chain"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("/search?q=!lighthouse lacks %s", want)
		}
	}
	for _, not := range []string{"The keeper&#39;s log", "Tide clocks", "Buoy Map"} {
		if strings.Contains(r.body, not) {
			t.Errorf("/search?q=!lighthouse shows %s", not)
		}
	}
	r = e.get("/search?q=" + url.QueryEscape("title:buoy"))
	if !strings.Contains(r.body, "Buoy Map") || strings.Contains(r.body, "The keeper") {
		t.Errorf("/search?q=title:buoy does not find the project by its name alone")
	}
}

// A post without a description is listed with its opening paragraphs, as
// HTML, whole; one with a description shows that.
func TestOriginalExcerpts(t *testing.T) {
	e := originalEnv(t, originalFS())
	r := e.get("/posts")
	clocks := section(r.body, `<a href="/posts/tide-clocks">`, `</li>`)
	for _, want := range []string{`<div class="excerpt prose">`, `goes round <strong>twice</strong> a day`,
		"Keepers hung one beside the door, so the first thing seen in the morning\nwas how far the water had to rise.</p>"} {
		if !strings.Contains(clocks, want) {
			t.Errorf("the undescribed post is listed without %q:\n%s", want, clocks)
		}
	}
	if strings.Contains(clocks, "Set it at high water") {
		t.Error("the excerpt runs past the first heading")
	}
	tables := section(r.body, `<a href="/posts/tide-tables">`, `</li>`)
	if !strings.Contains(tables, `<div class="description prose"><p>How to read the <em>tables</em> of the tide, column by column.</p>`) {
		t.Errorf("the described post is listed without its description:\n%s", tables)
	}
	if !strings.Contains(tables, `<time datetime="2024-08-01T09:00:00Z">Aug 01, 2024</time>`) {
		t.Errorf("the list does not date the post as the original: %s", tables)
	}
}

var listedProject = regexp.MustCompile(`<li class="project" id="([a-z0-9-]+)">`)

// Projects are listed by name and numbered, each dated and opening in a
// new tab; the count is given, and the introduction is the content's.
func TestOriginalProjects(t *testing.T) {
	e := originalEnv(t, originalFS())
	r := e.get("/projects")
	var order []string
	for _, m := range listedProject.FindAllStringSubmatch(r.body, -1) {
		order = append(order, m[1])
	}
	if got := strings.Join(order, " "); got != "project-anchor-chain project-buoy-map project-zephyr-logger" {
		t.Errorf("projects in the order %s, want by name", got)
	}
	for _, want := range []string{`<ol class="project-list">`, `<p class="count" id="project-count">3 projects</p>`,
		`<a href="https://example.com/zephyr" target="_blank" rel="noopener">Zephyr Logger</a>`,
		`<div class="lede prose" id="projects-intro"><p>Things made around the <em>harbour</em>, each with its own page.</p>`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("/projects lacks %s", want)
		}
	}
	if n := strings.Count(section(r.body, `<ol class="project-list">`, `</ol>`), `<time datetime="`); n != 3 {
		t.Errorf("%d projects are dated, want 3", n)
	}
	if strings.Contains(r.body, "The software this blog stands on") {
		t.Error("the projects page says a sentence of its own about this blog")
	}
	// Content without an introduction: none.
	fsys := originalFS()
	delete(fsys, web.ProjectsIntroFile)
	if r := originalEnv(t, fsys).get("/projects"); strings.Contains(r.body, `id="projects-intro"`) {
		t.Error("an introduction is shown that the content does not have")
	}
}

// The sitemap dates each post by its own date, not by when it was
// imported; an undated post has no date there.
func TestOriginalSitemapDates(t *testing.T) {
	e := originalEnv(t, originalFS())
	body := e.get("/sitemap.xml").body
	for loc, want := range map[string]string{
		"https://blog.example/posts/keepers-log": "<lastmod>2024-07-20</lastmod>",
		"https://blog.example/posts/tide-tables": "<lastmod>2024-08-01</lastmod>",
		"https://blog.example/posts":             "<lastmod>2024-09-02</lastmod>",
	} {
		if got := section(body, "<loc>"+loc+"</loc>", "</url>"); !strings.Contains(got, want) {
			t.Errorf("sitemap: %s has %q, want %s", loc, got, want)
		}
	}
	if got := section(body, "<loc>https://blog.example/posts/plain-note</loc>", "</url>"); got == "" || strings.Contains(got, "lastmod") {
		t.Errorf("sitemap: the undated post: %q", got)
	}
}

// A page that /live does not follow (an error, a draft) does not open a
// stream that would be refused.
func TestNoLiveStreamWhereRefused(t *testing.T) {
	e := originalEnv(t, originalFS())
	if r := e.get("/posts/keepers-log"); !strings.Contains(r.body, "/static/live.js") {
		t.Fatal("a post does not load live.js on a node that serves /live")
	}
	for _, path := range []string{"/no/such/page", "/posts/nothing-here"} {
		if r := e.get(path); r.status != 404 || strings.Contains(r.body, "/static/live.js") {
			t.Errorf("GET %s = %d, loads live.js", path, r.status)
		}
	}
	if r := e.get("/posts/unlit", "Authorization", adminAuth()); strings.Contains(r.body, "/static/live.js") {
		t.Error("the admin's draft loads live.js, whose stream /live refuses")
	}
	if s, status := openLive(t, e.srv.URL, "/posts/unlit"); status != 400 {
		if s != nil {
			s.cancel()
		}
		t.Errorf("/live for the draft: %d, want the 400 that live.js no longer asks for", status)
	}
}

// adminAuth is the Authorization header of the admin.
func adminAuth() string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+password))
}

// A post whose slug is the id of a part of the page (the text, the
// sidebar) keeps that part's id to itself: its title takes another, which
// the contents link to.
func TestTitleIDLeavesTheLayoutItsIDs(t *testing.T) {
	fsys := originalFS()
	fsys["posts/20240101000000_sidebar.md"] = &fstest.MapFile{Data: []byte("---\ntitle: Sidebar\nslug: sidebar\npublished_at: 2024-01-01\n---\n\nText.\n")}
	e := originalEnv(t, fsys)
	r := e.get("/posts/sidebar")
	if strings.Count(r.body, `id="sidebar"`) != 1 || !strings.Contains(r.body, `<h1 class="badge" id="post-sidebar">Sidebar</h1>`) ||
		!strings.Contains(r.body, `<a href="#post-sidebar"><span class="marker">#</span> Sidebar</a>`) {
		t.Errorf("the post called sidebar takes the sidebar's id, or its contents lead nowhere")
	}
}
