package main

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"blog/internal/cluster"
	"blog/internal/importer"
	"blog/internal/litefs"
	"blog/internal/repo"
	"blog/internal/sqlite"
	"blog/web"
)

// app is the running blog's wiring, for what runs after the start: the
// import, the watch of the role and of the content, the health check.
type app struct {
	cfg     config
	log     *slog.Logger
	node    *litefs.Node
	db      *sql.DB
	repo    *repo.Repo
	content fs.FS
	// checked is the content as serve checked it before it opened the
	// database, for the first import; nil once imported.
	checked *importer.Content
	samples *cluster.Samples // what the cluster page charts of this node
}

// rolePoll is how often a running node checks whether it was promoted.
const rolePoll = time.Second

// start does what the node's role calls for: a node that can write
// migrates and imports; every node watches for its promotion, and with
// --watch for changes to the content.
func (a *app) start(ctx context.Context, role litefs.Role, primary string) error {
	a.log.Info("starting", "role", role, "primary", primary, "db", a.cfg.DB, "version", version)
	if role != litefs.Replica {
		if err := a.becomeWriter(ctx); err != nil {
			return err
		}
	}
	go a.watchRole(ctx, role)
	if a.cfg.Watch {
		if err := a.watchContent(ctx, a.cfg.ContentDir); err != nil {
			return fmt.Errorf("watch the content: %w", err)
		}
	}
	return nil
}

// becomeWriter does what only a node that can write does: bring the schema
// up to date and import the content.
func (a *app) becomeWriter(ctx context.Context) error {
	if err := sqlite.Migrate(ctx, a.db, a.log); err != nil {
		return err
	}
	var rep importer.Report
	var err error
	if c := a.checked; c != nil {
		a.checked = nil
		rep, err = importer.Store(ctx, a.repo, a.content, c)
	} else {
		rep, err = importer.Run(ctx, a.repo, a.content)
	}
	if err != nil && a.cfg.Watch {
		// While authoring, a broken file is for the author to fix; the
		// watcher imports again when it changes.
		a.log.Error("the content does not import; serving what was imported before", "err", err.Error())
		return nil
	}
	if err != nil {
		return fmt.Errorf("import content: %w", err)
	}
	a.log.Info("content imported", "wrote", rep.Wrote(),
		"posts_created", rep.Posts.Created, "posts_updated", rep.Posts.Updated, "posts_deleted", rep.Posts.Deleted,
		"projects_created", rep.Projects.Created, "projects_updated", rep.Projects.Updated,
		"projects_deleted", rep.Projects.Deleted, "drafts", rep.Drafts,
		"images_created", rep.Assets.Created, "images_updated", rep.Assets.Updated, "images_deleted", rep.Assets.Deleted,
		"unused_tags_deleted", rep.Tags.Deleted)
	return nil
}

// watchRole notices when this node is promoted to primary while running,
// and then migrates and imports as a primary that started so would have.
func (a *app) watchRole(ctx context.Context, last litefs.Role) {
	t := time.NewTicker(rolePoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		role, _, err := a.node.Role()
		if err != nil || role == last {
			continue
		}
		a.log.Info("role changed", "from", last, "to", role)
		last = role
		if role == litefs.Primary {
			if err := a.becomeWriter(ctx); err != nil {
				a.log.Error("promoted, but could not migrate or import", "err", err)
			}
		}
	}
}

// health reports the node's role and position, and 503 while the schema
// this node reads is older than the binary's migrations.
func (a *app) health(ctx context.Context) web.Health {
	st, err := a.node.Status()
	if err != nil {
		return web.Health{Role: "unknown", Reason: "cannot read the LiteFS state: " + err.Error()}
	}
	h := web.Health{Role: string(st.Role), Primary: st.Primary, TXID: st.TXID}
	schema, err := sqlite.Schema(ctx, a.db)
	switch {
	case err != nil:
		h.Reason = "cannot read the database schema: " + err.Error()
	case schema.Behind():
		h.Reason = fmt.Sprintf("the database schema is at version %d and this binary needs %d; "+
			"waiting for the primary to migrate", schema.Current, schema.Latest)
	}
	return h
}
