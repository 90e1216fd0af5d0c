// Package importer brings the authors' content into the database, laid out
// as the original Blog lays it out: the posts in posts/*.md, the projects
// in projects/projects.yaml and the pictures in assets/. It reads, checks
// and renders every file before it writes anything, then stores what
// changed through the write chain and removes what is gone.
package importer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"blog/internal/assets"
	"blog/internal/markdown"
	"blog/internal/posts"
	"blog/internal/projects"
	"blog/internal/repo"
)

// ProjectsFile is the projects file's path in the content.
const ProjectsFile = "projects/projects.yaml"

// AssetsDir is the folder of the pictures the posts show.
const AssetsDir = "assets"

// Register adds the operations an import writes with to r: posts.upsert,
// posts.delete, projects.upsert and projects.delete. Every node registers
// them, since a write runs wherever the chain sends it.
func Register(r *repo.Repo) {
	posts.Register(r)
	projects.Register(r)
	assets.Register(r)
}

// Content is everything an import would store, already checked.
type Content struct {
	Posts    []posts.Upsert // drafts among them
	Drafts   []string       // files of the drafts, stored for the admin only
	Projects []projects.Upsert
}

// Load reads, checks and renders all of fsys's content. A problem with any
// file is an error naming the file and the line; every problem found is
// reported, joined.
func Load(fsys fs.FS) (*Content, error) {
	names, err := fs.Glob(fsys, "posts/*.md")
	if err != nil {
		return nil, err
	}
	_, statErr := fs.Stat(fsys, ProjectsFile)
	if _, dirErr := fs.Stat(fsys, "posts"); dirErr != nil && statErr != nil {
		return nil, errors.New("the content has neither a posts/ folder nor " + ProjectsFile +
			"; refusing to import nothing, which would remove every post and project")
	}
	assets, err := assetNames(fsys)
	if err != nil {
		return nil, err
	}

	c := &Content{}
	var errs []error
	bySlug := map[string]*PostFile{}
	byPermalink := map[string]string{}
	for _, name := range names {
		if strings.HasPrefix(path.Base(name), ".") {
			continue // editors' temporary files
		}
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		pf, err := ParsePost(name, src)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, img := range pf.images {
			if err := checkImage(assets, img.src); err != nil {
				errs = append(errs, &FileError{name, img.line, err.Error()})
			}
		}
		u := pf.Post
		if prev, dup := bySlug[u.Slug]; dup {
			errs = append(errs, &FileError{name, pf.slugLine,
				fmt.Sprintf("slug %q is already used by %s", u.Slug, prev.Post.Source)})
			continue
		}
		bySlug[u.Slug] = pf
		if pf.Draft {
			c.Drafts = append(c.Drafts, name)
		}
		for _, p := range u.Permalinks {
			if other, dup := byPermalink[p]; dup {
				errs = append(errs, &FileError{name, pf.permalinkLines[p],
					fmt.Sprintf("permalink %s is already claimed by %s", p, other)})
			}
			byPermalink[p] = name
		}
		c.Posts = append(c.Posts, u)
	}
	for _, u := range c.Posts {
		// An old address under /posts/ must not hide a post's real one.
		for _, p := range u.Permalinks {
			if slug, ok := strings.CutPrefix(p, "/posts/"); ok {
				if other, taken := bySlug[slug]; taken && !other.Draft {
					errs = append(errs, &FileError{u.Source, bySlug[u.Slug].permalinkLines[p],
						fmt.Sprintf("permalink %s is the address of %s", p, other.Post.Source)})
				}
			}
		}
	}

	switch src, err := fs.ReadFile(fsys, ProjectsFile); {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		errs = append(errs, err)
	default:
		entries, err := ParseProjects(ProjectsFile, src)
		if err != nil {
			errs = append(errs, err)
		}
		for _, e := range entries {
			c.Projects = append(c.Projects, e.Project)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// assetNames returns the names of the pictures in the content's assets/
// folder, each a file's base name without its extension: the files the
// import stores (assets.Files).
func assetNames(fsys fs.FS) (map[string]bool, error) {
	files, err := assets.Files(fsys, AssetsDir)
	names := make(map[string]bool, len(files))
	for _, f := range files {
		names[assets.NameOf(f)] = true
	}
	return names, err
}

// checkImage reports a post's picture under ../assets/ that the content's
// assets/ folder lacks. It is found by its base name whatever the
// extension: the original Blog writes ../assets/rufus.webp for
// assets/rufus.jpg.
func checkImage(assets map[string]bool, src string) error {
	rest, ok := strings.CutPrefix(src, markdown.AssetPrefix)
	if !ok {
		return nil
	}
	if name := markdown.AssetName(rest); name == "" || !assets[name] {
		return fmt.Errorf("image %s: no picture named %s in the content's %s/ folder", src, name, AssetsDir)
	}
	return nil
}

// Counts says what an import did to one kind of content.
type Counts struct {
	Created, Updated, Deleted, Unchanged int
}

func (c *Counts) add(change repo.Change) {
	switch change {
	case repo.Created:
		c.Created++
	case repo.Updated:
		c.Updated++
	case repo.Deleted:
		c.Deleted++
	default:
		c.Unchanged++
	}
}

func (c Counts) String() string {
	return fmt.Sprintf("%d created, %d updated, %d deleted, %d unchanged", c.Created, c.Updated, c.Deleted, c.Unchanged)
}

// Report says what an import did.
type Report struct {
	Posts    Counts
	Projects Counts
	Assets   Counts // images
	Drafts   int    // posts among them that are drafts, shown to the admin only
}

func (r Report) String() string {
	return fmt.Sprintf("posts: %v (%d drafts); projects: %v; images: %v", r.Posts, r.Drafts, r.Projects, r.Assets)
}

// Wrote reports whether the import changed the database.
func (r Report) Wrote() bool {
	return r.Posts.Created+r.Posts.Updated+r.Posts.Deleted+
		r.Projects.Created+r.Projects.Updated+r.Projects.Deleted+
		r.Assets.Created+r.Assets.Updated+r.Assets.Deleted > 0
}

// Run imports fsys's content through r's write chain, so it must be called
// on a node that can write: a standalone node or the primary, at start-up
// and again when a replica is promoted. Content that is unchanged since the
// last import is not written at all; a post or project whose entry is gone
// is removed. When any file is bad, Run returns the error and writes
// nothing.
func Run(ctx context.Context, r *repo.Repo, fsys fs.FS) (Report, error) {
	var rep Report
	for _, op := range []string{posts.OpUpsert, posts.OpDelete, projects.OpUpsert, projects.OpDelete, assets.OpUpsert, assets.OpDelete} {
		if !r.Has(op) {
			return rep, fmt.Errorf("import: operation %s is not registered; call importer.Register first", op)
		}
	}
	c, err := Load(fsys)
	if err != nil {
		return rep, err
	}
	rep.Drafts = len(c.Drafts)
	images, err := prepareImages(ctx, r, fsys, c)
	if err != nil {
		return rep, err
	}
	if err := storeImages(ctx, r, images, &rep); err != nil {
		return rep, err
	}

	stored, err := posts.Hashes(ctx, r.DB())
	if err != nil {
		return rep, err
	}
	keep := map[string]bool{}
	for _, u := range c.Posts {
		keep[u.Slug] = true
		if stored[u.Slug] == u.Hash {
			rep.Posts.Unchanged++
			continue
		}
		out, err := posts.Save(ctx, r, u)
		if err != nil {
			return rep, fmt.Errorf("import %s: %w", u.Source, err)
		}
		rep.Posts.add(out.Change)
	}
	for _, slug := range sortedKeys(stored) {
		if keep[slug] {
			continue
		}
		out, err := posts.Remove(ctx, r, slug)
		if err != nil {
			return rep, fmt.Errorf("remove post %q: %w", slug, err)
		}
		rep.Posts.add(out.Change)
	}

	storedProjects, err := projects.Hashes(ctx, r.DB())
	if err != nil {
		return rep, err
	}
	keep = map[string]bool{}
	for _, u := range c.Projects {
		keep[u.Name] = true
		if storedProjects[u.Name] == u.Hash {
			rep.Projects.Unchanged++
			continue
		}
		out, err := projects.Save(ctx, r, u)
		if err != nil {
			return rep, fmt.Errorf("import project %q: %w", u.Name, err)
		}
		rep.Projects.add(out.Change)
	}
	for _, name := range sortedKeys(storedProjects) {
		if keep[name] {
			continue
		}
		out, err := projects.Remove(ctx, r, name)
		if err != nil {
			return rep, fmt.Errorf("remove project %q: %w", name, err)
		}
		rep.Projects.add(out.Change)
	}
	return rep, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
