// Package assets turns the images of the content into what the blog
// serves: WebP at most 1600 pixels wide (SVG kept as it is), with their
// size and a 20-bit placeholder that CSS alone draws while they load. It
// stores them in the assets table through the write chain, so LiteFS
// carries them to every node, and rewrites the <img> tags of posts to
// carry their size, placeholder and a link to the full picture.
package assets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"blog"
	"blog/internal/markdown"
	"blog/internal/repo"
)

// Operation names on the write chain.
const (
	OpUpsert = "assets.upsert"
	OpDelete = "assets.delete"
)

// Register adds the asset operations to r. Every node registers them, so
// a write runs wherever the chain sends it.
func Register(r *repo.Repo) {
	r.Handle(OpUpsert, repo.Typed(execUpsert))
	r.Handle(OpDelete, repo.Typed(execDelete))
}

// Asset is an image ready to be stored, the argument of "assets.upsert".
type Asset struct {
	Name        string `json:"name"`   // the base name without extension, as in /assets/images/{name}
	Source      string `json:"source"` // the file in the content
	ContentType string `json:"content_type"`
	Data        []byte `json:"data"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	LQIP        *int   `json:"lqip"`
	Hash        string `json:"hash"`
}

// Meta is what a page needs to show an image: its size and placeholder.
type Meta struct {
	Name   string
	Width  int
	Height int
	LQIP   *int
	Hash   string
}

// Meta returns a's metadata.
func (a Asset) Meta() Meta {
	return Meta{Name: a.Name, Width: a.Width, Height: a.Height, LQIP: a.LQIP, Hash: a.Hash}
}

// Save stores a through the write chain.
func Save(ctx context.Context, r *repo.Repo, a Asset) (repo.Outcome, error) {
	return repo.Call[repo.Outcome](ctx, r, OpUpsert, a)
}

// Remove deletes the asset called name through the write chain.
func Remove(ctx context.Context, r *repo.Repo, name string) (repo.Outcome, error) {
	return repo.Call[repo.Outcome](ctx, r, OpDelete, deleteArgs{Name: name})
}

type deleteArgs struct {
	Name string `json:"name"`
}

// NameOf returns the name an image file is stored and served under: its
// base name without the extension, as posts name it (markdown.AssetName).
func NameOf(file string) string { return markdown.AssetName(file) }

// CheckName reports whether name can be an asset's name.
func CheckName(name string) error {
	switch {
	case name == "" || len(name) > 200:
		return blog.FieldErrorf("name", "Asset name %q must be 1 to 200 bytes.", name)
	case strings.ContainsAny(name, "/\\?#%\"'<>&") || strings.HasPrefix(name, "."):
		return blog.FieldErrorf("name", "Asset name %q must not start with a dot or hold / \\ ? # %% \" ' < > &.", name)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return blog.FieldErrorf("name", "Asset name %q holds a control character.", name)
		}
	}
	return nil
}

// Validate checks what the table and the handler rely on.
func (a Asset) Validate() error {
	if err := CheckName(a.Name); err != nil {
		return err
	}
	switch {
	case a.ContentType != "image/webp" && a.ContentType != SVGContentType:
		return blog.FieldErrorf("content_type", "Content type %q is neither image/webp nor %s.", a.ContentType, SVGContentType)
	case len(a.Data) == 0:
		return blog.FieldErrorf("data", "Asset %q has no data.", a.Name)
	case a.Width < 0 || a.Height < 0:
		return blog.FieldErrorf("width", "Asset %q has a negative size.", a.Name)
	case a.LQIP != nil && (*a.LQIP < -lqipBias || *a.LQIP >= lqipBias):
		return blog.FieldErrorf("lqip", "Placeholder %d is not 20 bits.", *a.LQIP)
	case a.Hash == "":
		return blog.FieldErrorf("hash", "Hash is required.")
	}
	return nil
}

func execUpsert(ctx context.Context, tx *sql.Tx, a Asset) (any, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	var id int64
	var hash string
	err := tx.QueryRowContext(ctx, `SELECT id, hash FROM assets WHERE name = ?`, a.Name).Scan(&id, &hash)
	switch {
	case err == nil && hash == a.Hash:
		return repo.Outcome{ID: id, Change: repo.Unchanged}, nil
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("look up asset %q: %w", a.Name, err)
	}
	ts := time.Now().UTC().Format(blog.TimeFormat)
	if id == 0 {
		err = tx.QueryRowContext(ctx, `
			INSERT INTO assets (name, source, content_type, data, width, height, lqip, hash, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			a.Name, a.Source, a.ContentType, a.Data, a.Width, a.Height, a.LQIP, a.Hash, ts, ts).Scan(&id)
		if err != nil {
			return nil, fmt.Errorf("store asset %q: %w", a.Name, err)
		}
		return repo.Outcome{ID: id, Change: repo.Created}, nil
	}
	_, err = tx.ExecContext(ctx, `
		UPDATE assets SET source = ?, content_type = ?, data = ?, width = ?, height = ?, lqip = ?, hash = ?, updated_at = ?
		WHERE id = ?`,
		a.Source, a.ContentType, a.Data, a.Width, a.Height, a.LQIP, a.Hash, ts, id)
	if err != nil {
		return nil, fmt.Errorf("store asset %q: %w", a.Name, err)
	}
	return repo.Outcome{ID: id, Change: repo.Updated}, nil
}

func execDelete(ctx context.Context, tx *sql.Tx, a deleteArgs) (any, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `DELETE FROM assets WHERE name = ? RETURNING id`, a.Name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return repo.Outcome{Change: repo.Unchanged}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("delete asset %q: %w", a.Name, err)
	}
	return repo.Outcome{ID: id, Change: repo.Deleted}, nil
}

// Stored returns the metadata of every stored asset, by name.
func Stored(ctx context.Context, db *sql.DB) (map[string]Meta, error) {
	rows, err := db.QueryContext(ctx, `SELECT name, width, height, lqip, hash FROM assets`)
	if err != nil {
		return nil, fmt.Errorf("read assets: %w", err)
	}
	defer rows.Close()
	m := map[string]Meta{}
	for rows.Next() {
		var a Meta
		var lqip sql.NullInt64
		if err := rows.Scan(&a.Name, &a.Width, &a.Height, &lqip, &a.Hash); err != nil {
			return nil, err
		}
		if lqip.Valid {
			n := int(lqip.Int64)
			a.LQIP = &n
		}
		m[a.Name] = a
	}
	return m, rows.Err()
}

// File is an asset as served.
type File struct {
	ContentType string
	Data        []byte
	Hash        string
	UpdatedAt   time.Time
}

// Get returns the asset called name, or an ENOTFOUND error.
func Get(ctx context.Context, db *sql.DB, name string) (File, error) {
	var f File
	var updated string
	err := db.QueryRowContext(ctx, `SELECT content_type, data, hash, updated_at FROM assets WHERE name = ?`, name).
		Scan(&f.ContentType, &f.Data, &f.Hash, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return f, blog.Errorf(blog.ENOTFOUND, "No image is called %q.", name)
	}
	if err != nil {
		return f, fmt.Errorf("read asset %q: %w", name, err)
	}
	f.UpdatedAt, _ = time.Parse(blog.TimeFormat, updated)
	return f, nil
}

// Found is what is known of a stored image before its picture is read.
type Found struct {
	Name        string // as stored
	ContentType string
	Hash        string
}

// Find returns the stored image a requested name means: the name as it
// is, else without its extension (a post's blog_1.png is stored as
// blog_1), or an ENOTFOUND error. It reads no picture: enough to answer a
// revalidation.
func Find(ctx context.Context, db *sql.DB, name string) (Found, error) {
	f, err := find(ctx, db, name)
	if errors.Is(err, sql.ErrNoRows) {
		if bare := NameOf(name); bare != name && bare != "" {
			f, err = find(ctx, db, bare)
		}
	}
	if errors.Is(err, sql.ErrNoRows) {
		return f, blog.Errorf(blog.ENOTFOUND, "There is no image called %s.", name)
	}
	if err != nil {
		return f, fmt.Errorf("read asset %q: %w", name, err)
	}
	return f, nil
}

func find(ctx context.Context, db *sql.DB, name string) (Found, error) {
	f := Found{Name: name}
	err := db.QueryRowContext(ctx, `SELECT content_type, hash FROM assets WHERE name = ?`, name).Scan(&f.ContentType, &f.Hash)
	return f, err
}

// Count counts the images, inside the caller's transaction so that it
// agrees with the other tables counted there (`blog check`).
func Count(ctx context.Context, tx *sql.Tx) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM assets`).Scan(&n)
	return n, err
}
