package importer

import (
	"context"
	"io/fs"

	"blog/internal/assets"
	"blog/internal/repo"
)

// prepareImages converts the content's new and changed images (assets/,
// and images/ of earlier content) and gives every post's <img> its size,
// placeholder and link. It writes nothing: a bad image stops the import
// before any write. A post whose images changed gets a new hash, so it is
// stored again.
func prepareImages(ctx context.Context, r *repo.Repo, fsys fs.FS, c *Content) (*assets.Plan, error) {
	plan, err := assets.Prepare(ctx, r.DB(), fsys)
	if err != nil {
		return nil, err
	}
	for i := range c.Posts {
		u := &c.Posts[i]
		u.HTML = assets.RewriteImages(u.HTML, plan.Lookup)
		u.ExcerptHTML = assets.RewriteImages(u.ExcerptHTML, plan.Lookup)
		u.Hash = u.ComputeHash()
	}
	return plan, nil
}

// storeImages writes the prepared images through the write chain and
// counts what it did in rep.
func storeImages(ctx context.Context, r *repo.Repo, plan *assets.Plan, rep *Report) error {
	changes, err := plan.Apply(ctx, r)
	for _, ch := range changes {
		rep.Assets.add(ch)
	}
	rep.Assets.Unchanged += plan.Unchanged
	return err
}
