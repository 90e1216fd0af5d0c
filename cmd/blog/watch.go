package main

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"blog/internal/importer"
	"blog/internal/litefs"
)

// watchSettle is how long the watcher waits after a change for the next
// one, so that an editor's burst of writes (a temporary file, a rename, a
// chmod) is imported once, well within a second of the last.
const watchSettle = 150 * time.Millisecond

// watchContent re-imports the content folder whenever one of its files
// changes, for as long as ctx lives (blog serve --watch). Only a node that
// can write imports; a replica logs that it leaves the change to the
// primary. A broken file is logged with its file and line, and since an
// import that fails writes nothing, the last good content stays served.
func (a *app) watchContent(ctx context.Context, dir string) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	if err := addTree(w, dir); err != nil {
		w.Close()
		return err
	}
	a.log.Info("watching the content for changes", "dir", dir)
	go func() {
		defer w.Close()
		changed := map[string]bool{}
		var settle <-chan time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				a.log.Warn("watching the content", "err", err)
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if ev.Has(fsnotify.Create) {
					if info, err := os.Stat(ev.Name); err == nil && info.IsDir() {
						_ = addTree(w, ev.Name) // a new folder, such as assets/
					}
				}
				rel, err := filepath.Rel(dir, ev.Name)
				if err != nil || ignoredByWatch(rel) {
					continue
				}
				changed[filepath.ToSlash(rel)] = true
				settle = time.After(watchSettle)
			case <-settle:
				settle = nil
				files := make([]string, 0, len(changed))
				for f := range changed {
					files = append(files, f)
				}
				sort.Strings(files)
				clear(changed)
				a.reimport(ctx, files)
			}
		}
	}()
	return nil
}

// reimport imports the content again after files changed.
func (a *app) reimport(ctx context.Context, files []string) {
	role, primary, err := a.node.Role()
	if err != nil {
		a.log.Error("content changed, but the node's role is unknown", "files", files, "err", err)
		return
	}
	if role == litefs.Replica {
		a.log.Info("content changed; the primary imports it", "files", files, "primary", primary)
		return
	}
	start := time.Now()
	rep, err := importer.Run(ctx, a.repo, a.content)
	if err != nil {
		// Each problem is a line "file:line: message"; none was written.
		a.log.Error("content changed, but it does not import; still serving the last good content",
			"files", files, "err", err.Error())
		return
	}
	a.log.Info("content re-imported", "files", files, "wrote", rep.Wrote(), "duration", time.Since(start).Round(time.Millisecond),
		"posts", rep.Posts.String(), "projects", rep.Projects.String(), "drafts", rep.Drafts,
		"unused_tags_deleted", rep.Tags.Deleted)
}

// addTree watches dir and every folder under it.
func addTree(w *fsnotify.Watcher, dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed while we looked
			}
			return err
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return w.Add(p)
		}
		return nil
	})
}

// ignoredByWatch reports editors' temporary and backup files.
func ignoredByWatch(rel string) bool {
	base := filepath.Base(rel)
	return strings.HasPrefix(base, ".") || strings.HasSuffix(base, "~") ||
		strings.HasSuffix(base, ".swp") || strings.HasSuffix(base, ".swx") || strings.HasPrefix(base, "#")
}
