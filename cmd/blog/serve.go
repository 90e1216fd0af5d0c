package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"blog/content"
	"blog/internal/importer"
	"blog/internal/litefs"
	"blog/internal/repo"
	"blog/internal/sqlite"
	"blog/internal/tags"
	"blog/web"
)

// shutdownGrace is how long a request in flight, a forwarded write among
// them, may take to finish after SIGTERM.
const shutdownGrace = 20 * time.Second

// rolePoll is how often a running node checks whether it was promoted.
const rolePoll = time.Second

func migrate(ctx context.Context, cfg config, log *slog.Logger) error {
	// A binary that cannot lock a database on LiteFS says so first, even
	// on a replica, where it would otherwise have nothing to do.
	if err := sqlite.CheckBuild(cfg.DB); err != nil {
		return err
	}
	node := litefs.NewNode(cfg.DB)
	if role, primary, err := node.Role(); err != nil {
		return err
	} else if role == litefs.Replica {
		// A candidate that lost the race for the lease ends up here; the
		// primary migrates, and the schema reaches this node by replication.
		log.Info("not migrating: this node is a LiteFS replica; the primary migrates", "primary", primary)
		return nil
	}
	db, err := sqlite.Open(cfg.DB, sqlite.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := sqlite.Migrate(ctx, db, log); err != nil {
		return err
	}
	log.Info("database is up to date", "db", cfg.DB)
	return nil
}

// app is the running blog's wiring.
type app struct {
	cfg     config
	log     *slog.Logger
	node    *litefs.Node
	db      *sql.DB
	repo    *repo.Repo
	content fs.FS
}

func serve(ctx context.Context, cfg config, log *slog.Logger) error {
	// What a user must fix before the blog can run is reported first,
	// before anything is created: a binary to rebuild, a missing secret,
	// a content folder, then the address to listen on.
	if err := sqlite.CheckBuild(cfg.DB); err != nil {
		return err
	}
	node := litefs.NewNode(cfg.DB)
	onLiteFS := sqlite.OnLiteFS(cfg.DB)
	if onLiteFS && cfg.ForwardSecret == "" {
		return errors.New("BLOG_FORWARD_SECRET must be set: the database is on LiteFS, " +
			"and replicas sign the writes they forward to the primary with it (use the same value on every node)")
	}
	if cfg.Watch && cfg.ContentDir == "" {
		return usageError{"--watch needs the content folder to watch: set BLOG_CONTENT or --content"}
	}
	contentFS, err := content.From(cfg.ContentDir)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", cfg.Addr, err)
	}
	defer ln.Close()
	role, primary, err := node.Role()
	if err != nil {
		return err
	}
	if role == litefs.Replica {
		if err := waitForDatabase(ctx, cfg.DB, log); err != nil {
			return err
		}
	}
	db, err := sqlite.Open(cfg.DB, sqlite.Options{Replica: role == litefs.Replica})
	if err != nil {
		return err
	}
	defer db.Close()
	if guard, err := sqlite.GuardWAL(ctx, db, cfg.DB); err != nil {
		log.Warn("the sqlite3 shell could remove this database's WAL while the blog runs; use sqlite3 -readonly", "err", err)
	} else {
		defer guard.Close()
	}

	a := &app{cfg: cfg, log: log, node: node, db: db, repo: repo.New(db), content: contentFS}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := litefs.NewMetrics(reg, node)
	forwarder := litefs.NewForwarder(litefs.ForwarderConfig{
		Node:    node,
		Secret:  cfg.ForwardSecret,
		Port:    cfg.ForwardPort,
		Log:     log,
		Metrics: metrics,
	})
	// The forwarder comes first: on a replica nothing after it runs.
	a.repo.Use(metrics.Middleware(), forwarder.Middleware())

	tagService := tags.NewService(a.repo)
	importer.Register(a.repo)

	log.Info("starting", "role", role, "primary", primary, "db", cfg.DB, "version", version)
	if role != litefs.Replica {
		if err := a.becomeWriter(ctx); err != nil {
			return err
		}
	}
	go a.watchRole(ctx, role)
	if cfg.Watch {
		if err := a.watchContent(ctx, cfg.ContentDir); err != nil {
			return fmt.Errorf("watch the content: %w", err)
		}
	}

	var forward http.Handler
	if cfg.ForwardSecret != "" {
		forward = forwarder.Handler(a.repo)
	}
	srv := web.NewServer(web.Deps{
		Log:           log,
		Tags:          tagService,
		AdminPassword: cfg.AdminPassword,
		Health:        a.health,
		Forward:       forward,
		Metrics:       promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
		Content:       web.ContentDeps{DB: db, FS: contentFS, BaseURL: cfg.BaseURL, HomeSlug: cfg.HomeSlug},
	})
	err = srv.Serve(ctx, ln, shutdownGrace, func(addr string) {
		log.Info("serving", "addr", addr, "writes", cfg.AdminPassword != "")
	})
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}

// becomeWriter does what only a node that can write does: bring the schema
// up to date and import the content.
func (a *app) becomeWriter(ctx context.Context) error {
	if err := sqlite.Migrate(ctx, a.db, a.log); err != nil {
		return err
	}
	rep, err := importer.Run(ctx, a.repo, a.content)
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
		"projects_deleted", rep.Projects.Deleted, "drafts", rep.Drafts)
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

// waitForDatabase waits on a replica until LiteFS has replicated the
// database from the primary.
func waitForDatabase(ctx context.Context, path string, log *slog.Logger) error {
	logged := time.Time{}
	for {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
		if time.Since(logged) > 5*time.Second {
			log.Info("waiting for the primary to create the database", "db", path)
			logged = time.Now()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
