package web

import (
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"blog/internal/search"
	"blog/web/views"
)

// maxChosenTags bounds how many tags one list may be narrowed to.
const maxChosenTags = 20

// chosenTags reads the tags a list is narrowed to: ?tags=a,b as the
// original Blog writes them, and ?tag=a as this blog's older links do.
// Repeats (ignoring case) are dropped.
func chosenTags(c echo.Context) []string {
	var raw []string
	for _, v := range c.QueryParams()["tags"] {
		raw = append(raw, strings.Split(v, ",")...)
	}
	raw = append(raw, c.QueryParams()["tag"]...)
	var out []string
	seen := map[string]bool{}
	for _, l := range raw {
		l = strings.TrimSpace(l)
		if l == "" || seen[strings.ToLower(l)] || len(out) == maxChosenTags {
			continue
		}
		seen[strings.ToLower(l)] = true
		out = append(out, l)
	}
	return out
}

// tagged is a tag a list can be narrowed to.
type tagged struct {
	ID    int64
	Label string
}

// listFilter builds the tag bar and search form of a list page at path:
// every tag in use, each linking to the list with that tag toggled, the
// IDs of the chosen tags that exist, and the search read from query
// (empty when there is none). A chosen label that no tag has matches
// nothing, nor does a search that cannot be read, whose problem the page
// shows; found is false when nothing can match.
func listFilter(path, query string, chosen []string, all []tagged) (f views.ListFilter, ids []int64, q search.Query, found bool) {
	f = views.ListFilter{Action: path, Query: query}
	byLabel := map[string]tagged{}
	for _, t := range all {
		byLabel[strings.ToLower(t.Label)] = t
	}
	isChosen := map[string]bool{}
	for _, l := range chosen {
		if t, ok := byLabel[strings.ToLower(l)]; ok {
			l = t.Label // as the tag spells it
			ids = append(ids, t.ID)
		}
		isChosen[strings.ToLower(l)] = true
		f.Chosen = append(f.Chosen, l)
	}
	for _, t := range all {
		on := isChosen[strings.ToLower(t.Label)]
		var next []string
		for _, l := range f.Chosen {
			if !strings.EqualFold(l, t.Label) {
				next = append(next, l)
			}
		}
		if !on {
			next = append(next, t.Label)
		}
		f.Tags = append(f.Tags, views.TagChoice{Label: t.Label, Chosen: on, URL: listURL(path, query, next)})
	}
	f.ClearURL = listURL(path, query, nil)
	found = len(chosen) == 0 || len(ids) > 0
	if strings.TrimSpace(query) != "" {
		f.Matched = true
		q = search.ParseQuery(query)
		if q.Empty() {
			f.Problem = q.Problem
			found = false
		}
	}
	return f, ids, q, found
}

// listTitle is the title of a list of noun ("Posts"): what it is narrowed
// to, if anything.
func listTitle(noun string, f views.ListFilter) string {
	switch {
	case len(f.Chosen) > 0:
		return noun + " tagged " + strings.Join(f.Chosen, ", ")
	case f.Matched:
		return noun + " matching " + f.Query
	}
	return noun
}

// listURL is the address of a list page searched for query and narrowed
// to the tags, written as the original Blog writes it.
func listURL(path, query string, tags []string) string {
	v := url.Values{}
	if strings.TrimSpace(query) != "" {
		v.Set("q", query)
	}
	if len(tags) > 0 {
		v.Set("tags", strings.Join(tags, ","))
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}
