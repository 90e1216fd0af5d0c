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
	pre, err := prepare(cfg)
	if err != nil {
		return err
	}
	defer pre.ln.Close()
	node := litefs.NewNode(cfg.DB)
	role, primary, err := node.Role()
	if err != nil {
		return err
	}
	db, closeDB, err := openDatabase(ctx, cfg.DB, role, log)
	if err != nil {
		return err
	}
	defer closeDB()
	// What serve starts from here on stops when it returns, on an error
	// too, and before the database closes.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a := &app{cfg: cfg, log: log, node: node, db: db, repo: repo.New(db), content: pre.content,
		samples: cluster.NewSamples(nil)}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	chain := a.buildWriteChain(reg, pre.onLiteFS)
	if chain.events != nil {
		go chain.events.Run(ctx)
	}
	tagService := register(a.repo)
	if err := a.start(ctx, role, primary); err != nil {
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
	content  fs.FS
	taglines []string
	ln       net.Listener
}

// prepare reports first what a user must fix before the blog can run, and
// creates nothing on the way: a binary to rebuild, a missing secret, a
// content folder, then the address to listen on, then the taglines.
func prepare(cfg config) (prepared, error) {
	p := prepared{onLiteFS: sqlite.OnLiteFS(cfg.DB)}
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
	if p.content, err = content.From(cfg.ContentDir); err != nil {
		return p, err
	}
	if p.ln, err = net.Listen("tcp", cfg.Addr); err != nil {
		return p, fmt.Errorf("cannot listen on %s: %w", cfg.Addr, err)
	}
	if p.taglines, err = web.LoadTaglines(p.content); err != nil {
		p.ln.Close()
		return p, err
	}
	return p, nil
}

// openDatabase opens the database as the node's role allows: a replica
// waits for LiteFS to bring the database from the primary and opens it
// to read only. The returned func closes it.
func openDatabase(ctx context.Context, path string, role litefs.Role, log *slog.Logger) (*sql.DB, func(), error) {
	if role == litefs.Replica {
		if err := waitForDatabase(ctx, path, log); err != nil {
			return nil, nil, err
		}
	}
	db, err := sqlite.Open(path, sqlite.Options{Replica: role == litefs.Replica})
	if err != nil {
		return nil, nil, err
	}
	guard, err := sqlite.GuardWAL(ctx, db, path)
	if err != nil {
		log.Warn("the sqlite3 shell could remove this database's WAL while the blog runs; use sqlite3 -readonly", "err", err)
		return db, func() { db.Close() }, nil
	}
	return db, func() { guard.Close(); db.Close() }, nil
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
