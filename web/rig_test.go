package web

import (
	"context"
	"database/sql"
	"io/fs"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"blog/internal/importer"
	"blog/internal/live"
	"blog/internal/repo"
	"blog/internal/sqlite/sqlitetest"
	"blog/internal/stamp"
	"blog/internal/tags"
)

// Rig is the blog's real server over a real SQLite database in a temporary
// folder: the one way web's tests, inside the package and out, build a
// server. It lives in a _test.go file of package web, so it is test
// support only, and web_test sees it through the package under test.
type Rig struct {
	T      *testing.T
	Server *Server
	HTTP   *httptest.Server // nil when RigOptions.Unstarted
	Path   string           // the database file, for a second connection
	DB     *sql.DB
	Repo   *repo.Repo
	Tags   *tags.Service
	Stamps *stamp.Watcher
	Hub    *live.Hub // nil unless RigOptions.LiveMax
}

// RigOptions say what the rig's server has besides a database with the
// schema and the tag operations.
type RigOptions struct {
	// Content is imported through the chain before the server starts;
	// nil imports nothing.
	Content fs.FS
	// AdminPassword is BLOG_ADMIN_PASSWORD; empty turns writing off.
	AdminPassword string
	// BaseURL is BLOG_URL.
	BaseURL string
	// LiveMax, above 0, gives the server a live hub of that many streams.
	LiveMax int
	// Changes tell the content stamp of changes, as LiteFS's event stream
	// does; nil reads the stamp for every page, as off LiteFS.
	Changes stamp.Changes
	Log     *slog.Logger
	// Unstarted leaves HTTP nil, for a test that serves Server itself.
	Unstarted bool
}

// NewRig builds a server as cmd/blog does, from a fresh database.
func NewRig(t *testing.T, o RigOptions) *Rig {
	t.Helper()
	path := filepath.Join(t.TempDir(), "blog.db")
	db := sqlitetest.OpenAt(t, path)
	r := repo.New(db)
	rig := &Rig{T: t, Path: path, DB: db, Repo: r, Tags: tags.NewService(r)}
	rig.Stamps = stamp.NewWatcher(db, o.Changes, o.Log)
	r.Use(rig.Stamps.Middleware())
	importer.Register(r)
	if o.Content != nil {
		if _, err := importer.Run(context.Background(), r, o.Content); err != nil {
			t.Fatal(err)
		}
	}
	if o.LiveMax > 0 {
		rig.Hub = live.NewHub(live.Options{Max: o.LiveMax})
		t.Cleanup(rig.Hub.Close)
	}
	rig.Server = NewServer(Deps{Log: o.Log, Tags: rig.Tags, AdminPassword: o.AdminPassword, Live: rig.Hub,
		Content: ContentDeps{DB: db, FS: o.Content, BaseURL: o.BaseURL, Stamp: rig.Stamps}})
	if !o.Unstarted {
		rig.HTTP = httptest.NewServer(rig.Server)
		t.Cleanup(rig.HTTP.Close)
	}
	return rig
}

// FollowContent tells the live hub of every change of the content until
// ctx ends, as cmd/blog does.
func (rig *Rig) FollowContent(ctx context.Context) {
	go rig.Stamps.Follow(ctx, func(st stamp.Stamp) { rig.Hub.SetContentVersion(st.Version) })
}
