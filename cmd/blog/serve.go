package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
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
	"blog/internal/gossip"
	"blog/internal/importer"
	"blog/internal/litefs"
	"blog/internal/live"
	"blog/internal/presence"
	"blog/internal/repo"
	"blog/internal/sqlite"
	"blog/internal/stamp"
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
	taglines, err := web.LoadTaglines(contentFS)
	if err != nil {
		return err
	}
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

	// On LiteFS the node follows LiteFS's event stream: the role, the
	// primary and the latest transaction are then known without a look at
	// the mount, for writes, the replica's wait and the content stamp
	// alike. Off LiteFS there is nothing to follow, and changes stays nil.
	var changes stamp.Changes
	if onLiteFS {
		events := litefs.NewEvents(litefs.EventsConfig{URL: cfg.LiteFSURL, DB: cfg.DB, Log: log, Metrics: metrics})
		node.Follow(events)
		eventsCtx, stopEvents := context.WithCancel(ctx)
		defer stopEvents()
		go events.Run(eventsCtx)
		changes = events
	}
	stamps := stamp.NewWatcher(db, changes, log)
	a.repo.Use(stamps.Middleware())
	forwarder := litefs.NewForwarder(litefs.ForwarderConfig{
		Node:    node,
		Secret:  cfg.ForwardSecret,
		Port:    cfg.ForwardPort,
		Log:     log,
		Metrics: metrics,
	})
	// The forwarder comes first: on a replica nothing after it runs.
	a.repo.Use(metrics.Middleware(), forwarder.Middleware())

	tagService := register(a.repo)

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

	hub := live.NewHub(live.Options{Max: cfg.LiveMax, Registerer: reg})
	defer hub.Close()
	if cfg.DiscordUserID != "" {
		discord := presence.New(presence.Config{
			URL:        cfg.LanyardURL,
			UserID:     cfg.DiscordUserID,
			Publish:    hub.SetPresence,
			Log:        log,
			Registerer: reg,
		})
		go discord.Run(ctx)
	}
	if len(cfg.Peers) > 0 {
		g, err := gossip.Start(gossip.Config{
			Addr:       cfg.GossipAddr,
			Peers:      cfg.Peers,
			Secret:     cfg.ForwardSecret,
			Counts:     hub,
			MaxPerNode: cfg.LiveMax,
			Log:        log,
			Registerer: reg,
		})
		if err != nil {
			// Viewer counts are a nicety: the node serves without them.
			log.Error("viewer counts stay local to this node", "err", err)
		} else {
			defer g.Close()
		}
	}

	var forward http.Handler
	if cfg.ForwardSecret != "" {
		forward = forwarder.Handler(a.repo, forwardable()...)
	}
	srv := web.NewServer(web.Deps{
		Log:           log,
		Tags:          tagService,
		AdminPassword: cfg.AdminPassword,
		Health:        a.health,
		Forward:       forward,
		Content:       web.ContentDeps{DB: db, FS: contentFS, BaseURL: cfg.BaseURL, HomeSlug: cfg.HomeSlug, Stamp: stamps},
		OnFly:         cfg.OnFly,
		CSRFKey:       csrfKey(cfg.ForwardSecret),
		Site: web.Site{
			Name:        cfg.SiteName,
			Description: cfg.SiteDescription,
			SourceURL:   cfg.SourceURL,
			Taglines:    taglines,
		},
		Live: hub,
	})
	stopMetrics := serveMetrics(cfg.MetricsAddr, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), log)
	defer stopMetrics()
	// Open pages learn of new content, written here or replicated, as
	// soon as the chain or the event stream tells of it.
	go stamps.Follow(ctx, func(st stamp.Stamp) { hub.SetContentVersion(st.Version) })
	err = srv.Serve(ctx, ln, shutdownGrace, func(addr string) {
		log.Info("serving", "addr", addr, "writes", cfg.AdminPassword != "")
	})
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}

// register adds every write operation to r and returns the tag service.
func register(r *repo.Repo) *tags.Service {
	s := tags.NewService(r)
	importer.Register(r)
	return s
}

// forwardable are the operations a primary runs for its replicas: the
// writes users make through the site. The import's operations are not
// among them: every node that imports is a primary, and a post's HTML is
// rendered by the node that stores it, never taken from a request.
func forwardable() []string { return []string{tags.OpCreate, tags.OpRename, tags.OpDelete} }

// csrfKey is the key the forms' CSRF tokens are signed with. With a
// forward secret (always on LiteFS) it is derived from it, so that every
// node accepts a form any other served (Fly's proxy may send the post to
// another machine than the page) and forms survive a deploy; the secret
// itself never signs anything but forwarded writes. Without one, a
// standalone node draws a key at random for each process.
func csrfKey(forwardSecret string) []byte {
	if forwardSecret == "" {
		return nil
	}
	m := hmac.New(sha256.New, []byte(forwardSecret))
	m.Write([]byte("blog csrf key v1"))
	return m.Sum(nil)
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
		"projects_deleted", rep.Projects.Deleted, "drafts", rep.Drafts,
		"images_created", rep.Assets.Created, "images_updated", rep.Assets.Updated, "images_deleted", rep.Assets.Deleted)
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
