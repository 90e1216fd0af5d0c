// Package markdown turns a post's Markdown into what a page shows: the HTML
// (GitHub-flavoured tables, strikethrough, footnotes, heading ids, code
// highlighted by chroma with CSS classes), the excerpt, the table of
// contents, the plain text for search and the reading time. Raw HTML in the
// Markdown is never passed through.
package markdown

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"strings"

	"github.com/yuin/goldmark"
	emoji "github.com/yuin/goldmark-emoji"
	emojiast "github.com/yuin/goldmark-emoji/ast"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Version names the renderer's output. It is part of every post's content
// hash, so changing it makes the next import render every post again.
const Version = "markdown/4"

// WordsPerMinute is the reading speed behind ReadingMinutes, the original
// Blog's.
const WordsPerMinute = 260

// maxExcerptBlocks caps the excerpt of a post that has no early heading.
const maxExcerptBlocks = 3

// Heading is one entry of a table of contents.
type Heading struct {
	Level int    `json:"level"` // 2 for ##, 3 for ###, 4 for ####
	ID    string `json:"id"`    // the heading's id attribute, for #fragment links
	Text  string `json:"text"`
}

// Document is a rendered post.
type Document struct {
	HTML        string    // the whole body
	Excerpt     string    // HTML of the paragraphs before the first heading
	ExcerptText string    // the excerpt as plain text
	Text        string    // the whole body as plain text
	TOC         []Heading // the headings of levels 2 to 4, in order
	Words       int       // of the text a reader sees
	// ReadingMinutes is worked out as the original Blog did, so a post
	// shows the same time on both: the Markdown's words, split on white
	// space (markup and code included), over WordsPerMinute, rounded up,
	// at least 1.
	ReadingMinutes int
	Images         []string // the address of every image as written, in order
}

// newGoldmark returns a converter with the blog's extensions. It is built
// for each call, so Render keeps no state between posts.
func newGoldmark(images *[]string, reserved []string) goldmark.Markdown {
	return goldmark.New(
		goldmark.WithExtensions(
			extension.GFM, // tables, strikethrough, autolinks, task lists
			extension.Footnote,
			extension.Typographer, // curly quotes, dashes and ellipses
			emoji.Emoji,           // :tada: shortcodes, written as entities
		),
		goldmark.WithParserOptions(parser.WithASTTransformers(
			util.Prioritized(headingIDs{reserved: reserved}, 900),
			util.Prioritized(assetImages{images}, 901),
			util.Prioritized(focusableTables{}, 902),
		)),
		goldmark.WithRendererOptions(
			// No html.WithUnsafe: raw HTML is replaced by a comment and
			// javascript: links are dropped.
			renderer.WithNodeRenderers(util.Prioritized(codeRenderer{}, 100)),
		),
	)
}

// Render converts Markdown source into a Document. No heading gets one of
// the reserved ids: a post's page gives its slug to the title, which the
// table of contents' first entry links to.
func Render(src []byte, reserved ...string) (Document, error) {
	var images []string
	md := newGoldmark(&images, reserved)
	doc := md.Parser().Parse(text.NewReader(src))

	var body bytes.Buffer
	if err := md.Renderer().Render(&body, src, doc); err != nil {
		return Document{}, fmt.Errorf("render markdown: %w", err)
	}
	d := Document{
		HTML:   body.String(),
		Text:   plainText(doc, src),
		TOC:    tableOfContents(doc, src),
		Images: images,
	}
	d.Words = len(strings.Fields(d.Text))
	d.ReadingMinutes = ReadingMinutes(src)

	// The excerpt is rendered last because it detaches footnote references,
	// which would point at notes the excerpt does not carry.
	blocks := excerptBlocks(doc, src)
	var excerpt bytes.Buffer
	var excerptText []string
	for _, b := range blocks {
		dropFootnoteLinks(b)
		if err := md.Renderer().Render(&excerpt, src, b); err != nil {
			return Document{}, fmt.Errorf("render excerpt: %w", err)
		}
		excerptText = append(excerptText, plainText(b, src))
	}
	d.Excerpt = excerpt.String()
	d.ExcerptText = strings.Join(strings.Fields(strings.Join(excerptText, " ")), " ")
	return d, nil
}

// ReadingMinutes is the reading time of Markdown source: its words, split
// on white space, over WordsPerMinute, rounded up, at least 1.
func ReadingMinutes(src []byte) int {
	return max(1, int(math.Ceil(float64(len(bytes.Fields(src)))/WordsPerMinute)))
}

// excerptBlocks returns the opening prose of a document: the paragraphs,
// lists and quotes before its first heading, at most maxExcerptBlocks. A
// document that opens with a heading gets its first paragraph.
func excerptBlocks(doc ast.Node, src []byte) []ast.Node {
	var blocks []ast.Node
	for n := doc.FirstChild(); n != nil && len(blocks) < maxExcerptBlocks; n = n.NextSibling() {
		if n.Kind() == ast.KindHeading {
			break
		}
		if isProse(n, src) {
			blocks = append(blocks, n)
		}
	}
	if len(blocks) > 0 {
		return blocks
	}
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		if n.Kind() == ast.KindParagraph && isProse(n, src) {
			return []ast.Node{n}
		}
	}
	return nil
}

// isProse reports whether n is text for an excerpt: a paragraph, list or
// quote, but not a paragraph that only holds a picture.
func isProse(n ast.Node, src []byte) bool {
	switch n.Kind() {
	case ast.KindList, ast.KindBlockquote:
		return true
	case ast.KindParagraph:
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			if t, ok := c.(*ast.Text); ok && len(bytes.TrimSpace(t.Segment.Value(src))) == 0 {
				continue
			}
			if c.Kind() != ast.KindImage {
				return true
			}
		}
		return false
	}
	return false
}

func dropFootnoteLinks(n ast.Node) {
	var links []ast.Node
	_ = ast.Walk(n, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering && n.Kind() == east.KindFootnoteLink {
			links = append(links, n)
		}
		return ast.WalkContinue, nil
	})
	for _, l := range links {
		l.Parent().RemoveChild(l.Parent(), l)
	}
}

func tableOfContents(doc ast.Node, src []byte) []Heading {
	toc := []Heading{}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		h, ok := n.(*ast.Heading)
		if !entering || !ok {
			return ast.WalkContinue, nil
		}
		if h.Level >= 2 && h.Level <= 4 {
			id, _ := h.AttributeString("id")
			idb, _ := id.([]byte)
			toc = append(toc, Heading{Level: h.Level, ID: string(idb), Text: plainText(h, src)})
		}
		return ast.WalkSkipChildren, nil
	})
	return toc
}

// plainText returns the text a reader sees in n, code included, with
// blocks separated by line breaks.
func plainText(n ast.Node, src []byte) string {
	var b strings.Builder
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		switch n := n.(type) {
		case *ast.Text:
			b.Write(n.Segment.Value(src))
			if n.SoftLineBreak() || n.HardLineBreak() {
				b.WriteByte(' ')
			}
			return
		case *ast.String:
			if n.IsCode() { // the typographer's entities, such as &rsquo;
				b.WriteString(html.UnescapeString(string(n.Value)))
			} else {
				b.Write(n.Value)
			}
			return
		case *emojiast.Emoji:
			b.WriteString(string(n.Value.Unicode))
			return
		case *ast.AutoLink:
			b.Write(n.Label(src))
			return
		case *ast.RawHTML, *ast.HTMLBlock:
			return // never shown, so never searched
		case *ast.FencedCodeBlock, *ast.CodeBlock:
			lines := n.Lines()
			for i := 0; i < lines.Len(); i++ {
				seg := lines.At(i)
				b.Write(seg.Value(src))
			}
			b.WriteByte('\n')
			return
		}
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			walk(c)
		}
		if n.Type() == ast.TypeBlock {
			b.WriteByte('\n')
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}
