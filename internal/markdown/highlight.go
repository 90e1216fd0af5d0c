package markdown

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// StyleName is the chroma style of the code blocks; CSS writes its rules.
const StyleName = "github"

// codeRenderer renders fenced and indented code blocks with chroma. Tokens
// get CSS classes rather than inline styles, so the colours live in one
// stylesheet (see CSS) and a page carries no style attributes.
type codeRenderer struct{}

func (codeRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindFencedCodeBlock, renderCode)
	reg.Register(ast.KindCodeBlock, renderCode)
}

func formatter(opts ...chromahtml.Option) *chromahtml.Formatter {
	return chromahtml.New(append([]chromahtml.Option{chromahtml.WithClasses(true), chromahtml.TabWidth(4)}, opts...)...)
}

func renderCode(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkSkipChildren, nil
	}
	var code bytes.Buffer
	lines := node.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		code.Write(seg.Value(src))
	}
	lang := ""
	if f, ok := node.(*ast.FencedCodeBlock); ok {
		lang = language(f.Language(src))
	}

	lexer := lexers.Fallback
	if lang != "" {
		if l := lexers.Get(lang); l != nil {
			lexer = l
		}
	}
	tokens, err := chroma.Coalesce(lexer).Tokenise(nil, code.String())
	if err != nil {
		return ast.WalkStop, fmt.Errorf("highlight %s code: %w", lang, err)
	}
	f := formatter(chromahtml.WithPreWrapper(preWrapper{lang: lang}))
	if err := f.Format(w, styles.Get(StyleName), tokens); err != nil {
		return ast.WalkStop, fmt.Errorf("highlight %s code: %w", lang, err)
	}
	_, _ = w.WriteString("\n")
	return ast.WalkSkipChildren, nil
}

// language keeps the characters a language name may have, so the info
// string of a fence can never break out of the attribute it is put in.
func language(info []byte) string {
	var b strings.Builder
	for _, r := range strings.ToLower(string(info)) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("+#-_.", r) {
			b.WriteRune(r)
		}
		if b.Len() >= 32 {
			break
		}
	}
	return b.String()
}

// preWrapper marks each block with its language, which the stylesheet
// shows as a small label.
type preWrapper struct{ lang string }

func (p preWrapper) Start(code bool, styleAttr string) string {
	if !code {
		return "<pre" + styleAttr + ">"
	}
	if p.lang == "" {
		return `<pre class="chroma" tabindex="0"><code>`
	}
	return `<pre class="chroma" tabindex="0" data-lang="` + p.lang + `"><code class="language-` + p.lang + `">`
}

func (p preWrapper) End(code bool) string {
	if !code {
		return "</pre>"
	}
	return "</code></pre>"
}

// CSS returns the stylesheet rules for highlighted code, one class per kind
// of token.
func CSS() string {
	var b bytes.Buffer
	_ = formatter().WriteCSS(&b, styles.Get(StyleName))
	return b.String()
}
