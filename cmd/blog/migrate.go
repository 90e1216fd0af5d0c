package main

import (
	"context"
	"log/slog"

	"blog/internal/litefs"
	"blog/internal/sqlite"
)

// migrate brings the database's schema up to date (blog migrate), where
// this node can write.
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
