package posts

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"blog"
	"blog/internal/markdown"
	"blog/internal/repo"
	"blog/internal/tags"
)

// Operation names on the write chain.
const (
	OpUpsert = "posts.upsert"
	OpDelete = "posts.delete"
)

// Upsert is a post ready to be stored: rendered, checked, and keyed by its
// slug. It is the argument of "posts.upsert" and travels as JSON.
type Upsert struct {
	Slug        string `json:"slug"`
	Title       string `json:"title"`
	Description string `json:"description"`
	// DescriptionHTML is the description rendered from its Markdown.
	DescriptionHTML string `json:"description_html"`
	// Draft posts are stored for the admin to preview and shown nowhere else.
	Draft          bool               `json:"draft"`
	PublishedAt    time.Time          `json:"published_at"`
	HTML           string             `json:"html"`
	ExcerptHTML    string             `json:"excerpt_html"`
	Text           string             `json:"text"`
	TOC            []markdown.Heading `json:"toc"`
	Words          int                `json:"words"`
	ReadingMinutes int                `json:"reading_minutes"`
	Tags           []string           `json:"tags"`
	Permalinks     []string           `json:"permalinks"`
	Source         string             `json:"source"`
	// Hash identifies everything above; an upsert with the hash the post
	// already has changes nothing.
	Hash string `json:"hash"`
}

// ComputeHash returns the hash of u's content, ignoring u.Hash.
func (u Upsert) ComputeHash() string {
	u.Hash = ""
	b, _ := json.Marshal(u)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Register adds the post operations to r. Every node registers them, so a
// write runs wherever the chain sends it.
func Register(r *repo.Repo) {
	r.Handle(OpUpsert, repo.Typed(execUpsert))
	r.Handle(OpDelete, repo.Typed(execDelete))
}

// Save stores u through the write chain.
func Save(ctx context.Context, r *repo.Repo, u Upsert) (repo.Outcome, error) {
	return repo.Call[repo.Outcome](ctx, r, OpUpsert, u)
}

// Remove deletes the post with the slug through the write chain. Removing
// a post that is not there is not an error: the outcome says it is unchanged.
func Remove(ctx context.Context, r *repo.Repo, slug string) (repo.Outcome, error) {
	return repo.Call[repo.Outcome](ctx, r, OpDelete, deleteArgs{Slug: slug})
}

type deleteArgs struct {
	Slug string `json:"slug"`
}

// Validate checks what the database and the pages rely on. The executions
// check it again: they trust nothing about their arguments.
func (u Upsert) Validate() error {
	switch {
	case !SlugPattern.MatchString(u.Slug) || len(u.Slug) > MaxSlug:
		return invalid("slug", "Slug %q must be lower-case letters and digits joined by dashes, at most %d characters.", u.Slug, MaxSlug)
	case strings.TrimSpace(u.Title) == "":
		return invalid("title", "Title is required.")
	case utf8.RuneCountInString(u.Title) > 200:
		return invalid("title", "Title must be at most 200 characters.")
	case u.Hash == "":
		return invalid("hash", "Hash is required.")
	}
	for _, l := range u.Tags {
		if _, err := tags.NormalizeLabel(l); err != nil {
			return invalid("tags", "Tag %q: %s", l, blog.ErrorMessage(err))
		}
	}
	for _, p := range u.Permalinks {
		if err := CheckPermalink(p); err != nil {
			return invalid("permalinks", "%s.", upper(err.Error()))
		}
	}
	return nil
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func invalid(field, format string, args ...any) error {
	return blog.FieldErrorf(field, format, args...)
}

func execUpsert(ctx context.Context, tx *sql.Tx, u Upsert) (any, error) {
	if err := u.Validate(); err != nil {
		return nil, err
	}
	tagList, err := tags.Dedupe(u.Tags)
	if err != nil {
		return nil, err
	}
	id, hash, err := table.Find(ctx, tx, u.Slug)
	if err != nil {
		return nil, err
	}
	if id != 0 && hash == u.Hash {
		return repo.Outcome{ID: id, Change: repo.Unchanged}, nil
	}
	change := repo.Updated
	if id == 0 {
		change = repo.Created
	}
	now := time.Now()
	if id, err = store(ctx, tx, id, u, now); err != nil {
		return nil, err
	}
	if u.Draft {
		// A draft is filed under no tag, and creates none: its tags would
		// show readers what it is about before it is out.
		tagList = nil
	}
	if err := table.File(ctx, tx, id, u.Slug, tagList, now); err != nil {
		return nil, err
	}
	if err := storePermalinks(ctx, tx, id, u); err != nil {
		return nil, err
	}
	return repo.Outcome{ID: id, Change: change}, nil
}

// store writes u's row: a new one when id is 0, else the row id. It
// returns the row's id.
func store(ctx context.Context, tx *sql.Tx, id int64, u Upsert, now time.Time) (int64, error) {
	if u.TOC == nil {
		u.TOC = []markdown.Heading{}
	}
	toc, err := json.Marshal(u.TOC)
	if err != nil {
		return 0, err
	}
	ts := now.UTC().Format(blog.TimeFormat)
	published := "" // undated: listed after every dated post
	if !u.PublishedAt.IsZero() {
		published = u.PublishedAt.UTC().Format(blog.TimeFormat)
	}
	if id == 0 {
		err = tx.QueryRowContext(ctx, `
			INSERT INTO posts (slug, title, description, description_html, is_draft, published_at, html,
				excerpt_html, body_text, toc, words, reading_minutes, source, hash, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			u.Slug, u.Title, u.Description, u.DescriptionHTML, u.Draft, published, u.HTML, u.ExcerptHTML, u.Text,
			string(toc), u.Words, u.ReadingMinutes, u.Source, u.Hash, ts, ts).Scan(&id)
	} else {
		_, err = tx.ExecContext(ctx, `
			UPDATE posts SET title = ?, description = ?, description_html = ?, is_draft = ?, published_at = ?,
				html = ?, excerpt_html = ?, body_text = ?, toc = ?, words = ?, reading_minutes = ?, source = ?,
				hash = ?, updated_at = ?
			WHERE id = ?`,
			u.Title, u.Description, u.DescriptionHTML, u.Draft, published, u.HTML, u.ExcerptHTML, u.Text,
			string(toc), u.Words, u.ReadingMinutes, u.Source, u.Hash, ts, id)
	}
	if err != nil {
		return 0, fmt.Errorf("store post %q: %w", u.Slug, err)
	}
	return id, nil
}

// storePermalinks gives the post id exactly u's old addresses. A permalink
// belongs to one post: this one takes it from any other, since the import
// checked that no two files claim the same one.
func storePermalinks(ctx context.Context, tx *sql.Tx, id int64, u Upsert) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM post_permalinks WHERE post_id = ?`, id); err != nil {
		return fmt.Errorf("store permalinks of %q: %w", u.Slug, err)
	}
	for _, p := range u.Permalinks {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO post_permalinks (path, post_id) VALUES (?, ?)
			ON CONFLICT (path) DO UPDATE SET post_id = excluded.post_id`, p, id); err != nil {
			return fmt.Errorf("store permalinks of %q: %w", u.Slug, err)
		}
	}
	return nil
}

func execDelete(ctx context.Context, tx *sql.Tx, a deleteArgs) (any, error) {
	return table.Delete(ctx, tx, a.Slug)
}
