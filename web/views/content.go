package views

import (
	"net/url"
	"strconv"
	"strings"
)

// Helpers of the reading side's pages: posts, projects and search.

func queryEscape(s string) string { return url.QueryEscape(s) }

// displayURL shows an address without its scheme and trailing slash.
func displayURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.Host != "" {
		return strings.TrimSuffix(u.Host+u.EscapedPath(), "/")
	}
	return s
}

func resultCount(n int) string {
	if n == 1 {
		return "1 result"
	}
	return strconv.Itoa(n) + " results"
}

// quoteTerms lists the searched words as the reader should read them.
func quoteTerms(terms []string) string {
	q := make([]string, len(terms))
	for i, t := range terms {
		q[i] = "“" + t + "”"
	}
	return strings.Join(q, " ")
}

// TagChoice is one tag of a list page's tag bar.
type TagChoice struct {
	Label  string
	Chosen bool
	URL    string // the list with this tag toggled
}

// ListFilter is the search form and tag bar of a list page (posts,
// projects): the words searched for and the tags chosen, each kept when
// the other changes.
type ListFilter struct {
	Action   string // the list's path, such as /posts
	Query    string
	Chosen   []string    // the chosen tags' labels, in the order chosen
	Tags     []TagChoice // every tag the list's items use
	ClearURL string      // the list without chosen tags
	Problem  string      // why the search cannot be read; nothing was searched
	Matched  bool        // the list is the result of a search
}

func (f ListFilter) chosenList() string { return strings.Join(f.Chosen, ", ") }
