package posts_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"blog"
	"blog/internal/posts"
	"blog/internal/repo"
	"blog/internal/sqlite/sqlitetest"
)

func openRepo(t *testing.T) *repo.Repo {
	t.Helper()
	db := sqlitetest.Open(t)
	r := repo.New(db)
	posts.Register(r)
	return r
}

func valid() posts.Upsert {
	u := posts.Upsert{Slug: "hello", Title: "Hello", PublishedAt: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC),
		HTML: "<p>Hi</p>", Text: "Hi", Tags: []string{"go"}, Permalinks: []string{"/old/hello"}}
	u.Hash = u.ComputeHash()
	return u
}

// The operation trusts nothing about its arguments, wherever they come from.
func TestUpsertChecksItsArguments(t *testing.T) {
	r := openRepo(t)
	cases := map[string]func(*posts.Upsert){
		"bad slug":           func(u *posts.Upsert) { u.Slug = "Hello World" },
		"no title":           func(u *posts.Upsert) { u.Title = " " },
		"no hash":            func(u *posts.Upsert) { u.Hash = "" },
		"bad tag":            func(u *posts.Upsert) { u.Tags = []string{"a\nb"} },
		"reserved permalink": func(u *posts.Upsert) { u.Permalinks = []string{"/api/x"} },
		"relative permalink": func(u *posts.Upsert) { u.Permalinks = []string{"old/hello"} },
		"dot permalink":      func(u *posts.Upsert) { u.Permalinks = []string{"/a/../tags"} },
	}
	for name, change := range cases {
		u := valid()
		change(&u)
		_, err := posts.Save(context.Background(), r, u)
		if blog.ErrorCode(err) != blog.EINVALID {
			t.Errorf("%s: err = %v, want invalid", name, err)
		}
	}
	var n int
	r.DB().QueryRow(`SELECT COUNT(*) FROM posts`).Scan(&n)
	if n != 0 {
		t.Errorf("%d posts stored", n)
	}
}

// A post without a date, as the original Blog allows one, is stored
// undated and listed after the dated posts.
func TestUndatedPost(t *testing.T) {
	r := openRepo(t)
	ctx := context.Background()
	undated := valid()
	undated.Slug, undated.PublishedAt, undated.Permalinks = "undated", time.Time{}, nil
	undated.Hash = undated.ComputeHash()
	for _, u := range []posts.Upsert{undated, valid()} {
		if _, err := posts.Save(ctx, r, u); err != nil {
			t.Fatalf("Save(%s): %v", u.Slug, err)
		}
	}
	list, err := posts.List(ctx, r.DB(), posts.Filter{})
	if err != nil || len(list) != 2 || list[0].Slug != "hello" || list[1].Slug != "undated" || !list[1].PublishedAt.IsZero() {
		t.Fatalf("List = %+v, %v; want the dated post, then the undated one without a date", list, err)
	}
}

func TestSaveGetRemove(t *testing.T) {
	r := openRepo(t)
	ctx := context.Background()
	out, err := posts.Save(ctx, r, valid())
	if err != nil || out.Change != repo.Created {
		t.Fatalf("Save = %+v, %v", out, err)
	}
	p, err := posts.Get(ctx, r.DB(), "hello")
	if err != nil || p.HTML != "<p>Hi</p>" || len(p.Tags) != 1 || p.Tags[0].Label != "go" || p.TOC == nil {
		t.Fatalf("Get = %+v, %v", p, err)
	}
	if slug, err := posts.ByPermalink(ctx, r.DB(), "/old/hello"); err != nil || slug != "hello" {
		t.Errorf("ByPermalink = %q, %v", slug, err)
	}
	if out, err := posts.Remove(ctx, r, "hello"); err != nil || out.Change != repo.Deleted {
		t.Errorf("Remove = %+v, %v", out, err)
	}
	if out, err := posts.Remove(ctx, r, "hello"); err != nil || out.Change != repo.Unchanged {
		t.Errorf("second Remove = %+v, %v", out, err)
	}
	if _, err := posts.Get(ctx, r.DB(), "hello"); blog.ErrorCode(err) != blog.ENOTFOUND || !strings.Contains(err.Error(), "hello") {
		t.Errorf("Get after Remove: %v", err)
	}
	if _, err := posts.Latest(ctx, r.DB()); blog.ErrorCode(err) != blog.ENOTFOUND {
		t.Errorf("Latest of none: %v", err)
	}
}

func TestCheckPermalink(t *testing.T) {
	for p, ok := range map[string]bool{
		"/2019/05/old-title.html": true, "/posts/old-slug": true, "/deploy": true, "/café": true,
		"/": false, "/posts": false, "/tags": false, "/tags/1": false, "/api": false, "/rss.xml": false,
		"/a//b": false, "/a/./b": false, "/a/..": false, "/a b": false, "/a?b": false, "/a#b": false,
		"/a/": false, "a": false, "/static/x.css": false, "/images/x.svg": false,
	} {
		if err := posts.CheckPermalink(p); (err == nil) != ok {
			t.Errorf("CheckPermalink(%q) = %v, want ok %v", p, err, ok)
		}
	}
}
