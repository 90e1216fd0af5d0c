package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"blog/internal/repo"
	"blog/internal/sqlite"
	"blog/internal/tags"
	"blog/web"
)

// shutdownGrace is how long a request in flight, a forwarded write among
// them, may take to finish after SIGTERM.
const shutdownGrace = 20 * time.Second

func openDB(cfg config) (*sql.DB, error) {
	return sqlite.Open(cfg.DB, sqlite.Options{})
}

func migrate(ctx context.Context, cfg config, log *slog.Logger) error {
	db, err := openDB(cfg)
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

func serve(ctx context.Context, cfg config, log *slog.Logger) error {
	db, err := openDB(cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := sqlite.Migrate(ctx, db, log); err != nil {
		return err
	}

	r := repo.New(db)
	tagService := tags.NewService(r)

	srv := web.NewServer(web.Deps{
		Log:           log,
		Tags:          tagService,
		AdminPassword: cfg.AdminPassword,
	})
	err = srv.ListenAndServe(ctx, cfg.Addr, shutdownGrace, func(addr string) {
		log.Info("serving", "addr", addr, "db", cfg.DB, "version", version, "writes", cfg.AdminPassword != "")
	})
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}
