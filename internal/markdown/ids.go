package markdown

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"golang.org/x/text/unicode/norm"
)

var (
	notSlugChars = regexp.MustCompile(`[^A-Za-z0-9\s-]`)
	spaceRuns    = regexp.MustCompile(`\s+`)
)

// Slugify turns a heading's text into its id the way the original Blog
// did, so links to its headings keep working: accents are taken off, every
// character but ASCII letters, digits, white space and dashes is dropped
// (so "Tea & Biscuits" gives "tea-biscuits" and "snake_case" gives
// "snakecase"), runs of white space become one dash, and dashes are
// trimmed from the ends.
func Slugify(s string, sep string) string {
	s = norm.NFD.String(s)
	s = notSlugChars.ReplaceAllString(s, "")
	s = strings.ToLower(s)
	s = spaceRuns.ReplaceAllString(s, sep)
	return strings.Trim(s, sep)
}

// headingIDs gives every heading the id Slugify makes of its text as a
// reader sees it. A heading whose id is taken by an earlier one, or is
// reserved for the page, gets a number after it; the first keeps the plain
// id, which is the one old links point at.
type headingIDs struct{ reserved []string }

func (h headingIDs) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	src := reader.Source()
	seen := map[string]int{}
	for _, id := range h.reserved {
		seen[id] = 1
	}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		h, ok := n.(*ast.Heading)
		if !entering || !ok {
			return ast.WalkContinue, nil
		}
		id := Slugify(plainText(h, src), "-")
		if id == "" {
			id = "section"
		}
		if k := seen[id]; k > 0 {
			seen[id]++
			id = fmt.Sprintf("%s-%d", id, k)
		} else {
			seen[id] = 1
		}
		h.SetAttributeString("id", []byte(id))
		return ast.WalkSkipChildren, nil
	})
}

// AssetPrefix is how a post written for the original Blog points at a
// picture of the content's assets/ folder.
const AssetPrefix = "../assets/"

// ImageURL is the blog's address of the content image named by src, such
// as ../assets/rufus.webp: /assets/images/ and the file's base name, with
// any extension dropped, since the stored picture's format is the blog's
// choice, not the post's. ok is false for any other src.
func ImageURL(src string) (url string, ok bool) {
	rest, ok := strings.CutPrefix(src, AssetPrefix)
	if !ok {
		return "", false
	}
	name := AssetName(rest)
	if name == "" {
		return "", false
	}
	return ImagePath + name, true
}

// ImagePath is where the blog serves the content's images:
// ImagePath + AssetName(file).
const ImagePath = "/assets/images/"

// AssetName is the name a content image is known by: its file's base name
// without the extension.
func AssetName(file string) string {
	base := path.Base(file)
	if base == "." || base == "/" {
		return ""
	}
	return strings.TrimSuffix(base, path.Ext(base))
}

// assetImages points the images of the content's assets/ folder at the
// blog's image URL, and keeps every image's address as written.
type assetImages struct{ written *[]string }

func (a assetImages) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if img, ok := n.(*ast.Image); ok && entering {
			*a.written = append(*a.written, string(img.Destination))
			if url, ok := ImageURL(string(img.Destination)); ok {
				img.Destination = []byte(url)
			}
		}
		return ast.WalkContinue, nil
	})
}
