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
	"blog/internal/cluster"
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

// serve runs the site until ctx ends: it checks what a user must fix,
// opens the database, builds the write chain, starts the live features
// and serves.
func serve(ctx context.Context, cfg config, log *slog.Logger) error {
	pre, err := prepare(ctx, cfg)
	if err != nil {
		return err
	}
	defer pre.ln.Close()
	db, closeDB, err := openDatabase(ctx, cfg.DB, pre.role, pre.onLiteFS, log)
	if err != nil {
		return err
	}
	defer closeDB()
	// What serve starts from here on stops when it returns, on an error
	// too, and before the database closes.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a := &app{cfg: cfg, log: log, node: pre.node, db: db, repo: repo.New(db), content: pre.content, checked: pre.checked,
		samples: cluster.NewSamples(nil)}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	chain := a.buildWriteChain(reg, pre.onLiteFS)
	defer chain.stamps.Close()
	if chain.events != nil {
		go chain.events.Run(ctx)
	}
	tagService := register(a.repo)
	if err := a.start(ctx, pre.role, pre.primary); err != nil {
		return err
	}
	hub, g, stopLive := startLive(ctx, cfg, log, reg)
	defer stopLive()
	srv := newWebServer(ctx, a, tagService, chain, pre.taglines, hub, g)
	stopMetrics := serveMetrics(cfg.MetricsAddr, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), log)
	defer stopMetrics()

	err = srv.Serve(ctx, pre.ln, shutdownGrace, func(addr string) {
		log.Info("serving", "addr", addr, "writes", cfg.AdminPassword != "")
	})
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}

// prepared is what serve checks and readies before it creates anything.
type prepared struct {
	onLiteFS bool
	node     *litefs.Node
	role     litefs.Role
	primary  string
	content  fs.FS
	checked  *importer.Content // the content, read and checked; nil when this node does not import it now
	taglines []string
	ln       net.Listener
}

// prepare reports first what a user must fix before the blog can run, and
// creates nothing on the way: a binary to rebuild, a missing secret, a
// content folder and what is in it, then the address to listen on, then
// the taglines.
func prepare(ctx context.Context, cfg config) (prepared, error) {
	p := prepared{onLiteFS: sqlite.OnLiteFS(cfg.DB), node: litefs.NewNode(cfg.DB)}
	if err := sqlite.CheckBuild(cfg.DB); err != nil {
		return p, err
	}
	if p.onLiteFS && cfg.ForwardSecret == "" {
		return p, errors.New("BLOG_FORWARD_SECRET must be set: the database is on LiteFS, " +
			"and replicas sign the writes they forward to the primary with it (use the same value on every node)")
	}
	if cfg.Watch && cfg.ContentDir == "" {
		return p, usageError{"--watch needs the content folder to watch: set BLOG_CONTENT or --content"}
	}
	var err error
	if p.role, p.primary, err = p.node.Role(); err != nil {
		return p, err
	}
	if p.content, err = content.From(cfg.ContentDir); err != nil {
		return p, err
	}
	// A node that imports at start checks the content first, so that a
	// broken file leaves no empty database behind. With --watch a broken
	// file is the author's to fix while the blog serves; a replica does
	// not import.
	if !cfg.Watch && p.role != litefs.Replica {
		if p.checked, err = importer.Check(ctx, p.content); err != nil {
			return p, fmt.Errorf("the content does not import (nothing was created): %w", err)
		}
	}
	if p.ln, err = net.Listen("tcp", cfg.Addr); err != nil {
		return p, fmt.Errorf("cannot listen on %s, %s (choose another address with BLOG_ADDR or --addr): %w",
			cfg.Addr, cfg.AddrOrigin, err)
	}
	if p.taglines, err = web.LoadTaglines(p.content); err != nil {
		p.ln.Close()
		return p, err
	}
	return p, nil
}

// openDatabase opens the database as the node's role allows: a replica
// waits for LiteFS to bring the database from the primary and opens it
// to read only. The returned func closes it (see closeDatabase).
func openDatabase(ctx context.Context, path string, role litefs.Role, onLiteFS bool, log *slog.Logger) (*sql.DB, func(), error) {
	if role == litefs.Replica {
		if err := waitForDatabase(ctx, path, log); err != nil {
			return nil, nil, err
		}
	}
	// On LiteFS the WAL is LiteFS's: it writes a replica's, and ships the
	// primary's. The blog never checkpoints there on its own account
	// (SQLite still checkpoints as a write fills the WAL, as LiteFS
	// expects of every writer).
	db, err := sqlite.Open(path, sqlite.Options{Replica: role == litefs.Replica, KeepWALOnClose: onLiteFS})
	if err != nil {
		return nil, nil, err
	}
	guard, err := sqlite.GuardWAL(ctx, db, path)
	if err != nil {
		log.Warn("the sqlite3 shell could remove this database's WAL while the blog runs; use sqlite3 -readonly", "err", err)
		guard = nil
	}
	return db, func() { closeDatabase(db, guard, !onLiteFS, log) }, nil
}

// closeDatabase closes the database at the end of a clean stop. A
// standalone node first copies its WAL into the database file, so that
// the folder holds the one file again once the last connection closes
// (SQLite then removes -wal and -shm) and a copy of blog.db alone is
// whole. Never on LiteFS: see openDatabase.
func closeDatabase(db *sql.DB, guard *sqlite.WALGuard, checkpoint bool, log *slog.Logger) {
	if checkpoint {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			log.Warn("could not copy the WAL into the database file at stop; SQLite does it at the next start", "err", err)
		}
		cancel()
	}
	if guard != nil {
		guard.Close()
	}
	db.Close()
}

// startLive starts what live pages show besides the content: the hub of
// open streams, the author's presence from Lanyard, and the viewer counts
// gossiped with the peers (nil without peers). The returned func stops
// them.
func startLive(ctx context.Context, cfg config, log *slog.Logger, reg prometheus.Registerer) (*live.Hub, *gossip.Gossip, func()) {
	hub := live.NewHub(live.Options{Max: cfg.LiveMax, Registerer: reg})
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
	if len(cfg.Peers) == 0 {
		return hub, nil, hub.Close
	}
	g, err := gossip.Start(gossip.Config{
		Addr:       cfg.GossipAddr,
		Peers:      cfg.Peers,
		Secret:     cfg.ForwardSecret,
		Counts:     hub,
		MaxPerNode: cfg.LiveMax,
		SitePort:   sitePort(cfg.Addr),
		Log:        log,
		Registerer: reg,
	})
	if err != nil {
		// Viewer counts are a nicety: the node serves without them.
		log.Error("viewer counts stay local to this node", "err", err)
		return hub, nil, hub.Close
	}
	return hub, g, func() { g.Close(); hub.Close() }
}

// newWebServer is the site over what serve built, and tells open pages
// when the content changes, written here or replicated, as soon as the
// chain or LiteFS's event stream tells of it.
func newWebServer(ctx context.Context, a *app, tagService *tags.Service, chain writeChain, taglines []string, hub *live.Hub, g *gossip.Gossip) *web.Server {
	var forward http.Handler
	if a.cfg.ForwardSecret != "" {
		forward = chain.forwarder.Handler(a.repo, forwardable()...)
	}
	cfg := a.cfg
	srv := web.NewServer(web.Deps{
		Log:           a.log,
		Tags:          tagService,
		AdminPassword: cfg.AdminPassword,
		Health:        a.health,
		Forward:       forward,
		Content:       web.ContentDeps{DB: a.db, FS: a.content, BaseURL: cfg.BaseURL, HomeSlug: cfg.HomeSlug, Stamp: chain.stamps},
		OnFly:         cfg.OnFly,
		CSRFKey:       csrfKey(cfg.ForwardSecret),
		Site: web.Site{
			Name:        cfg.SiteName,
			Description: cfg.SiteDescription,
			SourceURL:   cfg.SourceURL,
			Taglines:    taglines,
		},
		Live:    hub,
		Cluster: a.survey(hub, g),
	})
	go chain.stamps.Follow(ctx, func(st stamp.Stamp) { hub.SetContentVersion(st.Version) })
	return srv
}

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
