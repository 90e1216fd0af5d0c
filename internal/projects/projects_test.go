package projects_test

import (
	"context"
	"testing"

	"blog"
	"blog/internal/projects"
	"blog/internal/repo"
	"blog/internal/sqlite/sqlitetest"
)

func openRepo(t *testing.T) *repo.Repo {
	t.Helper()
	db := sqlitetest.Open(t)
	r := repo.New(db)
	projects.Register(r)
	return r
}

func project(name, url string, pos int, tags ...string) projects.Upsert {
	u := projects.Upsert{Name: name, URL: url, Description: "About " + name, Tags: tags, Position: pos}
	u.Hash = u.ComputeHash()
	return u
}

func TestProjects(t *testing.T) {
	r := openRepo(t)
	ctx := context.Background()
	for _, u := range []projects.Upsert{
		project("Zeta", "https://example.com/z", 0, "go", "Go"),
		project("Alpha", "https://example.com/a", 1, "sqlite"),
	} {
		if out, err := projects.Save(ctx, r, u); err != nil || out.Change != repo.Created {
			t.Fatalf("Save(%s) = %+v, %v", u.Name, out, err)
		}
	}
	list, err := projects.List(ctx, r.DB(), projects.Filter{})
	// By name, as the original Blog lists them, whatever the file's order.
	if err != nil || len(list) != 2 || list[0].Name != "Alpha" || list[1].Name != "Zeta" {
		t.Fatalf("List = %+v, %v; want them by name", list, err)
	}
	alpha, zeta := list[0], list[1]
	if alpha.CreatedAt.IsZero() || zeta.CreatedAt.IsZero() {
		t.Error("a project has no date")
	}
	if len(zeta.Tags) != 1 {
		t.Errorf("labels equal ignoring case made %d tags", len(zeta.Tags))
	}
	byTag, err := projects.ByTag(ctx, r.DB(), alpha.Tags[0].ID)
	if err != nil || len(byTag) != 1 || byTag[0].Name != "Alpha" {
		t.Errorf("ByTag = %+v, %v", byTag, err)
	}
	if a := zeta.Anchor(); a != "project-zeta" {
		t.Errorf("Anchor = %q", a)
	}
	if a := projects.AnchorOf("go-sqlite3 (ncruces)"); a != "project-go-sqlite3-ncruces" {
		t.Errorf("AnchorOf = %q", a)
	}
}

func TestSaveChecksItsArguments(t *testing.T) {
	r := openRepo(t)
	for name, u := range map[string]projects.Upsert{
		"script url":   project("X", "javascript:alert(1)", 0),
		"relative url": project("X", "/x", 0),
		"no name":      project(" ", "https://example.com", 0),
		"bad tag":      project("X", "https://example.com", 0, ""),
	} {
		if _, err := projects.Save(context.Background(), r, u); blog.ErrorCode(err) != blog.EINVALID {
			t.Errorf("%s: err = %v, want invalid", name, err)
		}
	}
}
