// Package posts owns the blog's posts: the types pages show, the reads as
// plain queries, and the operations "posts.upsert" and "posts.delete" on the
// write chain. A post arrives already rendered, so the node that executes
// the write renders nothing.
package posts

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"blog"
	"blog/internal/catalog"
	"blog/internal/markdown"
	"blog/internal/tags"
)

// SlugPattern is what a stored slug looks like: lower-case letters, digits
// and dashes. Slugs written with underscores, as the original Blog allowed,
// are stored with dashes (NormalizeSlug).
var SlugPattern = regexp.MustCompile(`^[a-z0-9-]*[a-z0-9][a-z0-9-]*$`)

// NormalizeSlug reads a slug as the original Blog did: an underscore is a
// dash, so /posts/hello_world is /posts/hello-world.
func NormalizeSlug(s string) string { return strings.ReplaceAll(s, "_", "-") }

// MaxSlug is the longest slug allowed.
const MaxSlug = 100

// table is the posts table, for the operations it shares with projects.
var table = catalog.Table{Name: "posts", Noun: "post", Key: "slug",
	Links: "post_tags", LinkKey: "post_id", Shown: "is_draft = 0"}

// Summary is a post as lists show it.
type Summary struct {
	ID          int64
	Slug        string
	Title       string
	Description string
	// DescriptionHTML is the description rendered from its Markdown; empty
	// when the post has none of its own.
	DescriptionHTML string
	// Draft is true for a post only the admin sees.
	Draft          bool
	PublishedAt    time.Time
	UpdatedAt      time.Time
	ExcerptHTML    string
	ReadingMinutes int
	Tags           []tags.Ref
}

// URL is the post's address on the blog.
func (s Summary) URL() string { return "/posts/" + s.Slug }

// Post is a whole post as its page shows it.
type Post struct {
	Summary
	HTML  string
	TOC   []markdown.Heading
	Words int
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

var summaryColumns = `p.id, p.slug, p.title, p.description, p.description_html, p.is_draft,
	p.published_at, p.updated_at,
	p.excerpt_html, p.reading_minutes, ` + table.TagsColumn("p")

func scanSummary(row interface{ Scan(...any) error }, extra ...any) (Summary, error) {
	var s Summary
	var published, updated, tagList string
	dest := append([]any{&s.ID, &s.Slug, &s.Title, &s.Description, &s.DescriptionHTML, &s.Draft, &published, &updated,
		&s.ExcerptHTML, &s.ReadingMinutes, &tagList}, extra...)
	if err := row.Scan(dest...); err != nil {
		return s, err
	}
	s.PublishedAt, _ = time.Parse(blog.TimeFormat, published)
	s.UpdatedAt, _ = time.Parse(blog.TimeFormat, updated)
	var err error
	s.Tags, err = table.DecodeTags(tagList, s.Slug)
	return s, err
}

// Rank orders posts_fts's matches, best first: a match in the title counts
// most, then in the tags, the description and the body. /search ranks the
// same way.
const Rank = `bm25(posts_fts, 10.0, 4.0, 1.0, 6.0)`

// Filter narrows a list of posts. Zero values filter nothing.
type Filter struct {
	// TagIDs keeps the posts filed under any of these tags.
	TagIDs []int64
	// Match is an FTS5 query over the posts' text, as made by
	// search.Query.For. With a match the best matches come first.
	Match string
	// Without is an FTS5 query whose matches are left out: a search that
	// only takes away ("!litefs").
	Without string
	Limit   int
}

// List returns published posts, newest first. Drafts are never listed.
func List(ctx context.Context, db *sql.DB, f Filter) ([]Summary, error) {
	where := []string{`p.is_draft = 0`}
	var args []any
	if len(f.TagIDs) > 0 {
		under, ids := table.UnderAny("p", f.TagIDs)
		where = append(where, under)
		args = append(args, ids...)
	}
	q := `SELECT ` + summaryColumns + ` FROM posts p`
	order := ` ORDER BY p.published_at DESC, p.id DESC`
	if f.Match != "" {
		q += ` JOIN posts_fts ON posts_fts.rowid = p.id`
		where = append(where, `posts_fts MATCH ?`)
		args = append(args, f.Match)
		order = ` ORDER BY ` + Rank + `, p.published_at DESC`
	}
	if f.Without != "" {
		where = append(where, `p.id NOT IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?)`)
		args = append(args, f.Without)
	}
	q += ` WHERE ` + strings.Join(where, ` AND `) + order
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list posts: %w", err)
	}
	defer rows.Close()
	list := []Summary{}
	for rows.Next() {
		s, err := scanSummary(rows)
		if err != nil {
			return nil, fmt.Errorf("list posts: %w", err)
		}
		list = append(list, s)
	}
	return list, rows.Err()
}

// ByTag returns the published posts filed under the tag, newest first.
func ByTag(ctx context.Context, db *sql.DB, tagID int64) ([]Summary, error) {
	return List(ctx, db, Filter{TagIDs: []int64{tagID}})
}

// Get returns the published post with the slug, or a not_found error.
func Get(ctx context.Context, db *sql.DB, slug string) (Post, error) {
	return getWhere(ctx, db, `p.is_draft = 0 AND p.slug = ?`, slug)
}

// Exists reports whether a published post has the slug, reading no more
// than its index entry.
func Exists(ctx context.Context, db *sql.DB, slug string) (bool, error) {
	var one int
	err := db.QueryRowContext(ctx, `SELECT 1 FROM posts WHERE is_draft = 0 AND slug = ?`, slug).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// Lookup returns the post with the slug, a draft too (Draft says which),
// for the admin's preview; or a not_found error.
func Lookup(ctx context.Context, db *sql.DB, slug string) (Post, error) {
	return getWhere(ctx, db, `p.slug = ?`, slug)
}

// Latest returns the newest published post, or a not_found error when
// there is none.
func Latest(ctx context.Context, db *sql.DB) (Post, error) {
	return getWhere(ctx, db, `p.id = (SELECT id FROM posts WHERE is_draft = 0
		ORDER BY published_at DESC, id DESC LIMIT 1)`)
}

func getWhere(ctx context.Context, db querier, where string, args ...any) (Post, error) {
	var p Post
	var toc string
	row := db.QueryRowContext(ctx, `SELECT `+summaryColumns+`, p.html, p.toc, p.words FROM posts p WHERE `+where, args...)
	s, err := scanSummary(row, &p.HTML, &toc, &p.Words)
	if errors.Is(err, sql.ErrNoRows) {
		what := "There is no such post."
		if len(args) == 1 {
			what = fmt.Sprintf("There is no post %q.", args[0])
		}
		return p, blog.Errorf(blog.ENOTFOUND, "%s", what)
	}
	if err != nil {
		return p, fmt.Errorf("get post: %w", err)
	}
	p.Summary = s
	if err := json.Unmarshal([]byte(toc), &p.TOC); err != nil {
		return p, fmt.Errorf("decode contents of post %q: %w", s.Slug, err)
	}
	return p, nil
}

// ByPermalink returns the slug of the post that answers to an old address,
// or a not_found error.
func ByPermalink(ctx context.Context, db *sql.DB, path string) (string, error) {
	var slug string
	err := db.QueryRowContext(ctx, `
		SELECT p.slug FROM post_permalinks l JOIN posts p ON p.id = l.post_id
		WHERE l.path = ? AND p.is_draft = 0`, path).Scan(&slug)
	if errors.Is(err, sql.ErrNoRows) {
		return "", blog.Errorf(blog.ENOTFOUND, "There is nothing at %s.", path)
	}
	if err != nil {
		return "", fmt.Errorf("look up permalink: %w", err)
	}
	return slug, nil
}

// Hashes returns the content hash of every stored post by slug, so an
// import can skip the posts that did not change.
func Hashes(ctx context.Context, db *sql.DB) (map[string]string, error) {
	return table.Hashes(ctx, db)
}

// TagsInUse returns the tags that file at least one published post, by
// label.
func TagsInUse(ctx context.Context, db *sql.DB) ([]tags.Ref, error) {
	return table.TagsInUse(ctx, db)
}

// Count counts the posts, drafts included, inside the caller's transaction
// so that it agrees with the other tables counted there (`blog check`).
func Count(ctx context.Context, tx *sql.Tx) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM posts`).Scan(&n)
	return n, err
}
