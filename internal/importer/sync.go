package importer

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"

	"blog/internal/posts"
	"blog/internal/projects"
	"blog/internal/repo"
)

// kind is one kind of content as an import writes it: how the content
// names an item, and how the write chain stores and removes one.
type kind[U any] struct {
	noun   string         // one item, in errors
	key    func(U) string // the name the content gives an item
	hash   func(U) string // the hash of its content
	source func(U) string // where the content has it, in errors
	hashes func(context.Context, *sql.DB) (map[string]string, error)
	save   func(context.Context, *repo.Repo, U) (repo.Outcome, error)
	remove func(context.Context, *repo.Repo, string) (repo.Outcome, error)
}

var postKind = kind[posts.Upsert]{
	noun:   "post",
	key:    func(u posts.Upsert) string { return u.Slug },
	hash:   func(u posts.Upsert) string { return u.Hash },
	source: func(u posts.Upsert) string { return u.Source },
	hashes: posts.Hashes, save: posts.Save, remove: posts.Remove,
}

var projectKind = kind[projects.Upsert]{
	noun:   "project",
	key:    func(u projects.Upsert) string { return u.Name },
	hash:   func(u projects.Upsert) string { return u.Hash },
	source: func(u projects.Upsert) string { return fmt.Sprintf("project %q", u.Name) },
	hashes: projects.Hashes, save: projects.Save, remove: projects.Remove,
}

// sync makes the stored items of the kind those of the content: it saves
// each item whose hash is not the stored one, and removes each stored item
// the content no longer has, counting in c what it did.
func (k kind[U]) sync(ctx context.Context, r *repo.Repo, items []U, c *Counts) error {
	stored, err := k.hashes(ctx, r.DB())
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, u := range items {
		keep[k.key(u)] = true
		if stored[k.key(u)] == k.hash(u) {
			c.Unchanged++
			continue
		}
		out, err := k.save(ctx, r, u)
		if err != nil {
			return fmt.Errorf("import %s: %w", k.source(u), err)
		}
		c.add(out.Change)
	}
	for _, key := range slices.Sorted(maps.Keys(stored)) {
		if keep[key] {
			continue
		}
		out, err := k.remove(ctx, r, key)
		if err != nil {
			return fmt.Errorf("remove %s %q: %w", k.noun, key, err)
		}
		c.add(out.Change)
	}
	return nil
}
