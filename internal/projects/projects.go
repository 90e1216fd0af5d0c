// Package projects owns the blog's list of projects: the type pages show,
// the reads as plain queries, and the operations "projects.upsert" and
// "projects.delete" on the write chain, keyed by the project's name.
package projects

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"blog"
	"blog/internal/repo"
	"blog/internal/tags"
)

// Operation names on the write chain.
const (
	OpUpsert = "projects.upsert"
	OpDelete = "projects.delete"
)

// Tag is a tag as shown beside a project.
type Tag struct {
	ID    int64  `json:"id"`
	Label string `json:"label"`
}

// Project is a project as the projects page shows it.
type Project struct {
	ID          int64
	Name        string
	URL         string
	Description string
	Tags        []Tag
	UpdatedAt   time.Time
}

// Anchor is the id of the project's entry on the projects page.
func (p Project) Anchor() string { return AnchorOf(p.Name) }

// AnchorOf is the id of the entry of the project called name on the
// projects page: its letters and digits, lower-case, joined by dashes.
func AnchorOf(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	return "project-" + b.String()
}

// Rank orders projects_fts's matches, best first: a match in the name
// counts most, then in the tags and the description. /search ranks the
// same way.
const Rank = `bm25(projects_fts, 10.0, 4.0, 6.0)`

// Filter narrows the list of projects. Zero values filter nothing.
type Filter struct {
	// TagIDs keeps the projects filed under any of these tags.
	TagIDs []int64
	// Match is an FTS5 query over the projects' text, as made by search.Query.
	Match string
}

// List returns the projects in the order of the projects file.
func List(ctx context.Context, db *sql.DB, f Filter) ([]Project, error) {
	var where []string
	var args []any
	if len(f.TagIDs) > 0 {
		where = append(where, `p.id IN (SELECT project_id FROM project_tags WHERE tag_id IN (`+
			strings.TrimSuffix(strings.Repeat("?,", len(f.TagIDs)), ",")+`))`)
		for _, id := range f.TagIDs {
			args = append(args, id)
		}
	}
	order := ` ORDER BY p.position, p.id`
	join := ""
	if f.Match != "" {
		// Best matches first, as the original Blog ranks them.
		join = ` JOIN projects_fts ON projects_fts.rowid = p.id`
		where = append(where, `projects_fts MATCH ?`)
		args = append(args, f.Match)
		order = ` ORDER BY ` + Rank + `, p.position`
	}
	q := `SELECT p.id, p.name, p.url, p.description, p.updated_at,
		(SELECT json_group_array(json_object('id', t.id, 'label', t.label))
		 FROM (SELECT t.id, t.label FROM project_tags pt JOIN tags t ON t.id = pt.tag_id
		       WHERE pt.project_id = p.id ORDER BY t.label COLLATE NOCASE) t)
		FROM projects p` + join
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += order
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	defer rows.Close()
	list := []Project{}
	for rows.Next() {
		var p Project
		var updated, tags string
		if err := rows.Scan(&p.ID, &p.Name, &p.URL, &p.Description, &updated, &tags); err != nil {
			return nil, fmt.Errorf("list projects: %w", err)
		}
		p.UpdatedAt, _ = time.Parse(blog.TimeFormat, updated)
		if err := json.Unmarshal([]byte(tags), &p.Tags); err != nil {
			return nil, fmt.Errorf("decode tags of project %q: %w", p.Name, err)
		}
		list = append(list, p)
	}
	return list, rows.Err()
}

// ByTag returns the projects filed under the tag.
func ByTag(ctx context.Context, db *sql.DB, tagID int64) ([]Project, error) {
	return List(ctx, db, Filter{TagIDs: []int64{tagID}})
}

// Hashes returns the content hash of every stored project by name.
func Hashes(ctx context.Context, db *sql.DB) (map[string]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT name, hash FROM projects`)
	if err != nil {
		return nil, fmt.Errorf("read project hashes: %w", err)
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var name, hash string
		if err := rows.Scan(&name, &hash); err != nil {
			return nil, err
		}
		m[name] = hash
	}
	return m, rows.Err()
}

// Upsert is a project ready to be stored, keyed by its name. It is the
// argument of "projects.upsert".
type Upsert struct {
	Name        string   `json:"name"`
	URL         string   `json:"url"`
	Description string   `json:"description"`
	Tags        []string `json:"tags"`
	Position    int      `json:"position"` // its place in the projects file
	Hash        string   `json:"hash"`
}

// ComputeHash returns the hash of u's content, ignoring u.Hash.
func (u Upsert) ComputeHash() string {
	u.Hash = ""
	b, _ := json.Marshal(u)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// MaxName is the longest project name allowed, in characters.
const MaxName = 200

// CheckURL reports why s cannot be a project's address, or nil.
func CheckURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("url %q must be an absolute http or https address", s)
	}
	return nil
}

// Validate checks what the database and the pages rely on.
func (u Upsert) Validate() error {
	switch n := utf8.RuneCountInString(u.Name); {
	case strings.TrimSpace(u.Name) == "":
		return blog.FieldErrorf("name", "Name is required.")
	case n > MaxName:
		return blog.FieldErrorf("name", "Name must be at most %d characters.", MaxName)
	case u.Hash == "":
		return blog.FieldErrorf("hash", "Hash is required.")
	}
	if err := CheckURL(u.URL); err != nil {
		return blog.FieldErrorf("url", "The %s.", err)
	}
	for _, l := range u.Tags {
		if _, err := tags.NormalizeLabel(l); err != nil {
			return blog.FieldErrorf("tags", "Tag %q: %s", l, blog.ErrorMessage(err))
		}
	}
	return nil
}

// Register adds the project operations to r.
func Register(r *repo.Repo) {
	r.Handle(OpUpsert, execUpsert)
	r.Handle(OpDelete, execDelete)
}

// Save stores u through the write chain.
func Save(ctx context.Context, r *repo.Repo, u Upsert) (repo.Outcome, error) {
	return repo.Call[repo.Outcome](ctx, r, OpUpsert, u)
}

// Remove deletes the project called name through the write chain.
func Remove(ctx context.Context, r *repo.Repo, name string) (repo.Outcome, error) {
	return repo.Call[repo.Outcome](ctx, r, OpDelete, deleteArgs{Name: name})
}

type deleteArgs struct {
	Name string `json:"name"`
}

func execUpsert(ctx context.Context, tx *sql.Tx, raw json.RawMessage) (any, error) {
	var u Upsert
	if err := json.Unmarshal(raw, &u); err != nil {
		return nil, blog.Errorf(blog.EBADREQUEST, "Malformed arguments: %v", err)
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	tagList, err := tags.Dedupe(u.Tags)
	if err != nil {
		return nil, err
	}

	var id int64
	var hash string
	err = tx.QueryRowContext(ctx, `SELECT id, hash FROM projects WHERE name = ?`, u.Name).Scan(&id, &hash)
	switch {
	case err == nil && hash == u.Hash:
		return repo.Outcome{ID: id, Change: repo.Unchanged}, nil
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("look up project %q: %w", u.Name, err)
	}
	change := repo.Updated
	now := time.Now()
	ts := now.UTC().Format(blog.TimeFormat)
	if id == 0 {
		change = repo.Created
		err = tx.QueryRowContext(ctx, `
			INSERT INTO projects (name, url, description, position, hash, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			u.Name, u.URL, u.Description, u.Position, u.Hash, ts, ts).Scan(&id)
	} else {
		_, err = tx.ExecContext(ctx, `
			UPDATE projects SET url = ?, description = ?, position = ?, hash = ?, updated_at = ?
			WHERE id = ?`, u.URL, u.Description, u.Position, u.Hash, ts, id)
	}
	if err != nil {
		return nil, fmt.Errorf("store project %q: %w", u.Name, err)
	}

	ids, err := tags.Ensure(ctx, tx, tagList, now)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM project_tags WHERE project_id = ?`, id); err != nil {
		return nil, fmt.Errorf("file project %q: %w", u.Name, err)
	}
	for _, tagID := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO project_tags (project_id, tag_id) VALUES (?, ?)`, id, tagID); err != nil {
			return nil, fmt.Errorf("file project %q: %w", u.Name, err)
		}
	}
	return repo.Outcome{ID: id, Change: change}, nil
}

func execDelete(ctx context.Context, tx *sql.Tx, raw json.RawMessage) (any, error) {
	var a deleteArgs
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, blog.Errorf(blog.EBADREQUEST, "Malformed arguments: %v", err)
	}
	var id int64
	err := tx.QueryRowContext(ctx, `DELETE FROM projects WHERE name = ? RETURNING id`, a.Name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return repo.Outcome{Change: repo.Unchanged}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("delete project %q: %w", a.Name, err)
	}
	return repo.Outcome{ID: id, Change: repo.Deleted}, nil
}

// TagsInUse returns the tags that file at least one project, by label.
func TagsInUse(ctx context.Context, db *sql.DB) ([]Tag, error) {
	rows, err := db.QueryContext(ctx, `
		SELECT t.id, t.label FROM tags t
		WHERE t.id IN (SELECT tag_id FROM project_tags)
		ORDER BY t.label COLLATE NOCASE`)
	if err != nil {
		return nil, fmt.Errorf("list tags of projects: %w", err)
	}
	defer rows.Close()
	list := []Tag{}
	for rows.Next() {
		var t Tag
		if err := rows.Scan(&t.ID, &t.Label); err != nil {
			return nil, err
		}
		list = append(list, t)
	}
	return list, rows.Err()
}
