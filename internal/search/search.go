// Package search finds posts and projects with SQLite's FTS5 indexes,
// which triggers in the schema keep in step with every write. What a reader
// types, in the original Blog's syntax (AND OR NOT && || !, parentheses,
// phrases, word*), is never handed to FTS5 as is: ParseQuery rebuilds it
// with every word quoted, so no input is a syntax error.
package search

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"time"

	"blog"
	"blog/internal/posts"
	"blog/internal/projects"
)

// Segment is a piece of a snippet; Match marks the words that matched.
type Segment struct {
	Text  string
	Match bool
}

// Hit is one post or project found.
type Hit struct {
	Kind    string // "post" or "project"
	Title   string
	URL     string
	Date    time.Time // of a post; zero for a project
	Snippet []Segment
}

// Results is the answer to a search.
type Results struct {
	Input string
	Query Query
	Hits  []Hit
	// Hint tells the reader what to try when the input had no words or
	// nothing matched; "" otherwise.
	Hint string
}

var blockBreaks = regexp.MustCompile(`[ \t]*\n\s*`)

// Snippet markers: control characters, which no stored text carries.
const (
	markStart = "\x02"
	markEnd   = "\x03"
)

// Run searches posts and projects for input, best matches first.
func Run(ctx context.Context, db *sql.DB, input string, limit int) (Results, error) {
	res := Results{Input: input, Query: ParseQuery(input), Hits: []Hit{}}
	if res.Query.Match == "" {
		if strings.TrimSpace(input) != "" {
			res.Hint = "That search has no words to look for. Try words from a post's title or text, such as “primary” or “litefs”."
		}
		return res, nil
	}
	rows, err := db.QueryContext(ctx, `
		SELECT 'post', p.slug, p.title, p.published_at,
			snippet(posts_fts, 2, char(2), char(3), '…', 24),
			`+posts.Rank+` AS rank
		FROM posts_fts JOIN posts p ON p.id = posts_fts.rowid
		WHERE posts_fts MATCH ?1 AND p.is_draft = 0
		UNION ALL
		SELECT 'project', pr.name, pr.name, '',
			snippet(projects_fts, 1, char(2), char(3), '…', 24),
			`+projects.Rank+` AS rank
		FROM projects_fts JOIN projects pr ON pr.id = projects_fts.rowid
		WHERE projects_fts MATCH ?1
		ORDER BY rank LIMIT ?2`, res.Query.Match, limit)
	if err != nil {
		return res, fmt.Errorf("search %q: %w", res.Query.Match, err)
	}
	defer rows.Close()
	for rows.Next() {
		var h Hit
		var key, date, snippet string
		var rank float64
		if err := rows.Scan(&h.Kind, &key, &h.Title, &date, &snippet, &rank); err != nil {
			return res, fmt.Errorf("search: %w", err)
		}
		if h.Kind == "post" {
			h.URL = "/posts/" + key
			h.Date, _ = time.Parse(blog.TimeFormat, date)
		} else {
			h.URL = "/projects#" + projects.AnchorOf(key)
		}
		h.Snippet = Segments(snippet)
		res.Hits = append(res.Hits, h)
	}
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("search: %w", err)
	}
	if len(res.Hits) == 0 {
		res.Hint = "Nothing matches that search. Try fewer words, OR between them, or word* for every word that begins so."
	}
	return res, nil
}

// Segments splits a snippet marked by FTS5 into plain and matched pieces,
// so a page can escape the text and still highlight the matches.
func Segments(s string) []Segment {
	// Blocks of the stored text (a heading, a paragraph) end in line breaks,
	// which a page would show as bare spaces, running a heading into the
	// sentence after it.
	s = blockBreaks.ReplaceAllString(strings.TrimSpace(s), " · ")
	var out []Segment
	for s != "" {
		i := strings.Index(s, markStart)
		if i < 0 {
			out = append(out, Segment{Text: s})
			break
		}
		if i > 0 {
			out = append(out, Segment{Text: s[:i]})
		}
		s = s[i+len(markStart):]
		j := strings.Index(s, markEnd)
		if j < 0 {
			out = append(out, Segment{Text: s, Match: true})
			break
		}
		out = append(out, Segment{Text: s[:j], Match: true})
		s = s[j+len(markEnd):]
	}
	return out
}
