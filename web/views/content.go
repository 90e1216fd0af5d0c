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
