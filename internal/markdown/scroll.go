package markdown

import (
	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// focusableTables lets a keyboard reach the tables, which scroll sideways
// inside themselves on a narrow screen (content.css): a box that scrolls
// must take the focus for its arrow keys to scroll it. Code blocks get the
// same from codeRenderer's wrapper.
type focusableTables struct{}

func (focusableTables) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering && n.Kind() == east.KindTable {
			n.SetAttributeString("tabindex", "0")
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
}
