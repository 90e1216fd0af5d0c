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
	"strings"

	"blog/internal/assets"
	"blog/internal/markdown"
	"blog/internal/posts"
	"blog/internal/projects"
	"blog/internal/repo"
	"blog/internal/tags"
)

// FileError is a problem with one content file, at one line.
type FileError struct {
	File string
	Line int
	Msg  string
}

func (e *FileError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// ProjectsFile is the projects file's path in the content.
const ProjectsFile = "projects/projects.yaml"

// AssetsDir is the folder of the pictures the posts show.
const AssetsDir = "assets"

// Register adds the operations an import writes with to r: those of
// posts, projects and images, and tags.prune. Every node registers them,
// since a write runs wherever the chain sends it.
func Register(r *repo.Repo) {
	posts.Register(r)
	projects.Register(r)
	assets.Register(r)
	tags.RegisterPrune(r)
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
	set := postSet{c: c, assets: assets, bySlug: map[string]*PostFile{}, byPermalink: map[string]string{}}
	var errs []error
	for _, name := range names {
		if strings.HasPrefix(path.Base(name), ".") {
			continue // editors' temporary files
		}
		errs = append(errs, set.add(fsys, name)...)
	}
	errs = append(errs, set.hiddenAddresses()...)

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

// postSet gathers the posts of a content, checking each against the ones
// before it.
type postSet struct {
	c           *Content
	assets      map[string]bool      // the pictures' names (assetNames)
	bySlug      map[string]*PostFile // the posts so far
	byPermalink map[string]string    // the files that claim each old address
}

// add reads, checks and adds the post file called name, and returns what
// is wrong with it.
func (s *postSet) add(fsys fs.FS, name string) []error {
	src, err := fs.ReadFile(fsys, name)
	if err != nil {
		return []error{err}
	}
	pf, err := ParsePost(name, src)
	if err != nil {
		return []error{err}
	}
	var errs []error
	for _, img := range pf.images {
		if err := checkImage(s.assets, img.src); err != nil {
			errs = append(errs, &FileError{name, img.line, err.Error()})
		}
	}
	u := pf.Post
	if prev, dup := s.bySlug[u.Slug]; dup {
		return append(errs, &FileError{name, pf.slugLine,
			fmt.Sprintf("slug %q is already used by %s", u.Slug, prev.Post.Source)})
	}
	s.bySlug[u.Slug] = pf
	if pf.Draft {
		s.c.Drafts = append(s.c.Drafts, name)
	}
	for _, p := range u.Permalinks {
		if other, dup := s.byPermalink[p]; dup {
			errs = append(errs, &FileError{name, pf.permalinkLines[p],
				fmt.Sprintf("permalink %s is already claimed by %s", p, other)})
		}
		s.byPermalink[p] = name
	}
	s.c.Posts = append(s.c.Posts, u)
	return errs
}

// hiddenAddresses reports the old addresses under /posts/ that would hide
// a published post's real one.
func (s *postSet) hiddenAddresses() []error {
	var errs []error
	for _, u := range s.c.Posts {
		for _, p := range u.Permalinks {
			if slug, ok := strings.CutPrefix(p, "/posts/"); ok {
				if other, taken := s.bySlug[slug]; taken && !other.Draft {
					errs = append(errs, &FileError{u.Source, s.bySlug[u.Slug].permalinkLines[p],
						fmt.Sprintf("permalink %s is the address of %s", p, other.Post.Source)})
				}
			}
		}
	}
	return errs
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
	Tags     Counts // only Deleted: the tags the import made that nothing uses any more
	Drafts   int    // posts among them that are drafts, shown to the admin only
}

func (r Report) String() string {
	return fmt.Sprintf("posts: %v (%d drafts); projects: %v; images: %v; unused tags removed: %d",
		r.Posts, r.Drafts, r.Projects, r.Assets, r.Tags.Deleted)
}

// Wrote reports whether the import changed the database.
func (r Report) Wrote() bool {
	return r.Posts.Created+r.Posts.Updated+r.Posts.Deleted+
		r.Projects.Created+r.Projects.Updated+r.Projects.Deleted+
		r.Assets.Created+r.Assets.Updated+r.Assets.Deleted+r.Tags.Deleted > 0
}

// Run imports fsys's content through r's write chain, so it must be called
// on a node that can write: a standalone node or the primary, at start-up
// and again when a replica is promoted. Content that is unchanged since the
// last import is not written at all; a post or project whose entry is gone
// is removed. When any file is bad, Run returns the error and writes
// nothing.
func Run(ctx context.Context, r *repo.Repo, fsys fs.FS) (Report, error) {
	c, err := Load(fsys)
	if err != nil {
		return Report{}, err
	}
	return Store(ctx, r, fsys, c)
}

// Check reads and checks fsys's content before there is a database to
// import it into: everything Load checks, and the images' names, sizes
// and headers. It returns the content for Store.
func Check(ctx context.Context, fsys fs.FS) (*Content, error) {
	c, err := Load(fsys)
	if err = errors.Join(err, assets.Check(ctx, fsys)); err != nil {
		return nil, err
	}
	return c, nil
}

// Store imports c, which Load or Check read from fsys, as Run does: for a
// caller that checked the content before it had a database to write to.
func Store(ctx context.Context, r *repo.Repo, fsys fs.FS, c *Content) (Report, error) {
	var rep Report
	for _, op := range []string{posts.OpUpsert, posts.OpDelete, projects.OpUpsert, projects.OpDelete, assets.OpUpsert, assets.OpDelete, tags.OpPrune} {
		if !r.Has(op) {
			return rep, fmt.Errorf("import: operation %s is not registered; call importer.Register first", op)
		}
	}
	rep.Drafts = len(c.Drafts)
	images, err := prepareImages(ctx, r, fsys, c)
	if err != nil {
		return rep, err
	}
	if err := storeImages(ctx, r, images, &rep); err != nil {
		return rep, err
	}

	if err := postKind.sync(ctx, r, c.Posts, &rep.Posts); err != nil {
		return rep, err
	}
	if err := projectKind.sync(ctx, r, c.Projects, &rep.Projects); err != nil {
		return rep, err
	}
	// Last, once the content is filed: the tags it no longer uses.
	n, err := tags.Prune(ctx, r)
	if err != nil {
		return rep, fmt.Errorf("remove the tags the content no longer uses: %w", err)
	}
	rep.Tags.Deleted = n
	return rep, nil
}
