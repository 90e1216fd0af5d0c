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
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"blog"
	"blog/internal/catalog"
	"blog/internal/repo"
	"blog/internal/tags"
)

// Operation names on the write chain.
const (
	OpUpsert = "projects.upsert"
	OpDelete = "projects.delete"
)

// table is the projects table, for the operations it shares with posts.
var table = catalog.Table{Name: "projects", Noun: "project", Key: "name",
	Links: "project_tags", LinkKey: "project_id"}

// Project is a project as the projects page shows it.
type Project struct {
	ID          int64
	Name        string
	URL         string
	Description string
	Tags        []tags.Ref
	// CreatedAt is when the project was first imported: the date the
	// projects page shows, as the original Blog does.
	CreatedAt time.Time
	UpdatedAt time.Time
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
	// Match is an FTS5 query over the projects' text, as made by
	// search.Query.For.
	Match string
	// Without is an FTS5 query whose matches are left out.
	Without string
}

// List returns the projects by name, as the original Blog lists them (best
// matches first when searched).
func List(ctx context.Context, db *sql.DB, f Filter) ([]Project, error) {
	var where []string
	var args []any
	if len(f.TagIDs) > 0 {
		under, ids := table.UnderAny("p", f.TagIDs)
		where = append(where, under)
		args = append(args, ids...)
	}
	order := ` ORDER BY p.name COLLATE NOCASE, p.id`
	join := ""
	if f.Match != "" {
		// Best matches first, as the original Blog ranks them.
		join = ` JOIN projects_fts ON projects_fts.rowid = p.id`
		where = append(where, `projects_fts MATCH ?`)
		args = append(args, f.Match)
		order = ` ORDER BY ` + Rank + `, p.name COLLATE NOCASE`
	}
	if f.Without != "" {
		where = append(where, `p.id NOT IN (SELECT rowid FROM projects_fts WHERE projects_fts MATCH ?)`)
		args = append(args, f.Without)
	}
	q := `SELECT p.id, p.name, p.url, p.description, p.created_at, p.updated_at, ` + table.TagsColumn("p") + `
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
		var created, updated, tagList string
		if err := rows.Scan(&p.ID, &p.Name, &p.URL, &p.Description, &created, &updated, &tagList); err != nil {
			return nil, fmt.Errorf("list projects: %w", err)
		}
		p.CreatedAt, _ = time.Parse(blog.TimeFormat, created)
		p.UpdatedAt, _ = time.Parse(blog.TimeFormat, updated)
		if p.Tags, err = table.DecodeTags(tagList, p.Name); err != nil {
			return nil, err
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
	return table.Hashes(ctx, db)
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
	r.Handle(OpUpsert, repo.Typed(execUpsert))
	r.Handle(OpDelete, repo.Typed(execDelete))
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

func execUpsert(ctx context.Context, tx *sql.Tx, u Upsert) (any, error) {
	if err := u.Validate(); err != nil {
		return nil, err
	}
	tagList, err := tags.Dedupe(u.Tags)
	if err != nil {
		return nil, err
	}
	id, hash, err := table.Find(ctx, tx, u.Name)
	if err != nil {
		return nil, err
	}
	if id != 0 && hash == u.Hash {
		return repo.Outcome{ID: id, Change: repo.Unchanged}, nil
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
	if err := table.File(ctx, tx, id, u.Name, tagList, now); err != nil {
		return nil, err
	}
	return repo.Outcome{ID: id, Change: change}, nil
}

func execDelete(ctx context.Context, tx *sql.Tx, a deleteArgs) (any, error) {
	return table.Delete(ctx, tx, a.Name)
}

// TagsInUse returns the tags that file at least one project, by label.
func TagsInUse(ctx context.Context, db *sql.DB) ([]tags.Ref, error) {
	return table.TagsInUse(ctx, db)
}

// Count counts the projects, inside the caller's transaction so that it
// agrees with the other tables counted there (`blog check`).
func Count(ctx context.Context, tx *sql.Tx) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM projects`).Scan(&n)
	return n, err
}
