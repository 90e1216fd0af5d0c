// Package search finds posts and projects with SQLite's FTS5 indexes,
// which triggers in the schema keep in step with every write. What a reader
// types, in FTS5's syntax with the original Blog's shorthands (&& || !), is
// never handed to FTS5 as is: ParseQuery reads it and rebuilds it with
// every word quoted, so no input is an FTS5 error, and input it cannot
// read is answered with what is wrong with it.
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
	// Problem says why the input cannot be read as a search (Query.Problem);
	// then nothing was searched.
	Problem string
	// Hint tells the reader what to try when nothing matched; "" otherwise.
	Hint string
}

var blockBreaks = regexp.MustCompile(`[ \t]*\n\s*`)

// Snippet markers: control characters, which no stored text carries.
const (
	markStart = "\x02"
	markEnd   = "\x03"
)

// Run searches posts and projects for input, best matches first. A search
// that only takes away ("!litefs") lists the rest, newest posts first.
func Run(ctx context.Context, db *sql.DB, input string, limit int) (Results, error) {
	res := Results{Input: input, Query: ParseQuery(input), Hits: []Hit{}}
	res.Problem = res.Query.Problem
	if res.Query.Empty() {
		return res, nil
	}
	postMatch, postWithout := res.Query.For(PostColumns)
	projectMatch, projectWithout := res.Query.For(ProjectColumns)
	var rows *sql.Rows
	var err error
	if postMatch != "" {
		rows, err = db.QueryContext(ctx, `
			SELECT 'post', p.slug, p.title, p.published_at,
				snippet(posts_fts, 2, char(2), char(3), '…', 24),
				snippet(posts_fts, -1, char(2), char(3), '…', 24),
				`+posts.Rank+` AS rank
			FROM posts_fts JOIN posts p ON p.id = posts_fts.rowid
			WHERE posts_fts MATCH ?1 AND p.is_draft = 0
			UNION ALL
			SELECT 'project', pr.name, pr.name, '',
				snippet(projects_fts, 1, char(2), char(3), '…', 24),
				snippet(projects_fts, -1, char(2), char(3), '…', 24),
				`+projects.Rank+` AS rank
			FROM projects_fts JOIN projects pr ON pr.id = projects_fts.rowid
			WHERE projects_fts MATCH ?2
			ORDER BY rank LIMIT ?3`, postMatch, projectMatch, limit)
	} else {
		rows, err = db.QueryContext(ctx, `
			SELECT 'post', p.slug, p.title, p.published_at, p.description, '', 0
			FROM posts p
			WHERE p.is_draft = 0 AND p.id NOT IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?1)
			UNION ALL
			SELECT 'project', pr.name, pr.name, '', pr.description, '', 0
			FROM projects pr
			WHERE pr.id NOT IN (SELECT rowid FROM projects_fts WHERE projects_fts MATCH ?2)
			ORDER BY 1, 4 DESC, 3 LIMIT ?3`, postWithout, projectWithout, limit)
	}
	if err != nil {
		return res, fmt.Errorf("search %q: %w", input, err)
	}
	defer rows.Close()
	for rows.Next() {
		var h Hit
		var key, date, text, best string
		var rank float64
		if err := rows.Scan(&h.Kind, &key, &h.Title, &date, &text, &best, &rank); err != nil {
			return res, fmt.Errorf("search: %w", err)
		}
		// The text around a match in the body (a project's description);
		// else around the best match elsewhere, unless that is only the
		// title again, which the hit shows already: then the body's start.
		snippet := text
		if !strings.Contains(text, markStart) && best != "" && strings.ReplaceAll(strings.ReplaceAll(best, markStart, ""), markEnd, "") != h.Title {
			snippet = best
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
