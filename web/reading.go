package web

import (
	"context"
	"database/sql"
	"net/http"

	"github.com/labstack/echo/v4"

	"blog"
	"blog/internal/posts"
	"blog/internal/projects"
	"blog/internal/search"
	"blog/web/views"
)

// reading answers the pages readers come for: the home page, the lists of
// posts and projects, a post, a search, the gallery, and the old addresses
// of posts.
type reading struct {
	db       *sql.DB
	pager    pager
	admin    *admin
	homeSlug string // the post the home page shows
	// projectsIntro introduces the projects page (ProjectsIntroFile).
	projectsIntro projectsIntro
}

// recentOnHome is how many other posts the home page lists.
const recentOnHome = 5

// DefaultHomeSlug is the post / shows unless BLOG_HOME_SLUG names
// another: the introduction, as the original Blog pins it.
const DefaultHomeSlug = "hello-world"

// home shows the pinned post, or the latest when there is no post with
// that slug, and the newest others.
func (rd *reading) home(c echo.Context) error {
	ctx := c.Request().Context()
	var home *posts.Post
	p, err := posts.Get(ctx, rd.db, rd.homeSlug)
	switch {
	case err == nil:
		home = &p
	case blog.ErrorCode(err) != blog.ENOTFOUND:
		return err
	default:
		if p, err = posts.Latest(ctx, rd.db); err == nil {
			home = &p
		} else if blog.ErrorCode(err) != blog.ENOTFOUND {
			return err
		}
	}
	list, err := posts.List(ctx, rd.db, posts.Filter{Limit: recentOnHome + 1})
	if err != nil {
		return err
	}
	recent := []posts.Summary{}
	for _, s := range list {
		if (home == nil || s.ID != home.ID) && len(recent) < recentOnHome {
			recent = append(recent, s)
		}
	}
	return renderOK(c, views.Home(rd.pager.page(c, ""), home, recent))
}

// postList lists the published posts, searched with ?q= and narrowed to
// any of the tags of ?tags= (or ?tag=).
func (rd *reading) postList(c echo.Context) error {
	ctx := c.Request().Context()
	inUse, err := posts.TagsInUse(ctx, rd.db)
	if err != nil {
		return err
	}
	all := make([]tagged, len(inUse))
	for i, t := range inUse {
		all[i] = tagged(t)
	}
	f, ids, q, found := listFilter("/posts", c.QueryParam("q"), chosenTags(c), all)
	list := []posts.Summary{}
	if found {
		match, without := q.For(search.PostColumns)
		if list, err = posts.List(ctx, rd.db, posts.Filter{TagIDs: ids, Match: match, Without: without}); err != nil {
			return err
		}
	}
	return renderOK(c, views.PostList(rd.pager.page(c, listTitle("Posts", f)), list, f))
}

// post shows a post. A slug written with underscores, as the original
// Blog allowed, is sent to the post's address. A draft is there only for
// the admin: readers get the same 404 as for a post that does not exist,
// and ?preview asks the browser to sign in.
func (rd *reading) post(c echo.Context) error {
	ctx := c.Request().Context()
	slug := c.Param("slug")
	if norm := posts.NormalizeSlug(slug); norm != slug {
		return redirect(c, http.StatusMovedPermanently, "/posts/"+norm, c.Request().URL.RawQuery)
	}
	_, wantsPreview := c.QueryParams()["preview"]
	admin := rd.admin.is(c)
	if wantsPreview && !admin {
		c.Response().Header().Set("WWW-Authenticate", adminChallenge)
		return blog.Errorf(blog.EUNAUTHORIZED, "Sign in as admin to preview drafts.")
	}
	if !admin {
		p, err := posts.Get(ctx, rd.db, slug)
		if blog.ErrorCode(err) == blog.ENOTFOUND {
			// An old address under /posts/ may name a post that moved.
			if moved, perr := posts.ByPermalink(ctx, rd.db, "/posts/"+slug); perr == nil {
				return redirect(c, http.StatusMovedPermanently, "/posts/"+moved, "")
			}
			return err
		}
		if err != nil {
			return err
		}
		return renderOK(c, views.PostPage(rd.postPage(c, p), p))
	}
	// The admin's view, drafts included, is never kept in the page cache
	// nor by any browser or proxy.
	p, err := posts.Lookup(ctx, rd.db, slug)
	if err != nil {
		return err
	}
	adminView(c)
	page := rd.postPage(c, p)
	// /live follows published posts only, and would refuse a draft's.
	page.Live = page.Live && !p.Draft
	return renderOK(c, views.PostPage(page, p))
}

func (rd *reading) postPage(c echo.Context, p posts.Post) views.Page {
	page := rd.pager.page(c, p.Title)
	page.Description = p.Description
	return page
}

// postExists is /posts/:slug's check for /live: the canonical path of a
// published post.
func (rd *reading) postExists(ctx context.Context, params map[string]string) (string, error) {
	slug := posts.NormalizeSlug(params["slug"])
	ok, err := posts.Exists(ctx, rd.db, slug)
	if err == nil && !ok {
		return "", blog.Errorf(blog.ENOTFOUND, "There is no post %q.", slug)
	}
	return "/posts/" + slug, err
}

// permalink sends an old address of a post, of one segment or more, to
// the post: 301, so that links and search engines move over for good.
func (rd *reading) permalink(c echo.Context) error {
	path := posts.NormalizePermalink(c.Request().URL.Path)
	slug, err := posts.ByPermalink(c.Request().Context(), rd.db, path)
	if err != nil {
		return err
	}
	return redirect(c, http.StatusMovedPermanently, "/posts/"+slug, "")
}

// projectList lists the projects, searched with ?q= and narrowed to any of
// the tags of ?tags= (or ?tag=), as /posts is.
func (rd *reading) projectList(c echo.Context) error {
	ctx := c.Request().Context()
	inUse, err := projects.TagsInUse(ctx, rd.db)
	if err != nil {
		return err
	}
	all := make([]tagged, len(inUse))
	for i, t := range inUse {
		all[i] = tagged(t)
	}
	f, ids, q, found := listFilter("/projects", c.QueryParam("q"), chosenTags(c), all)
	list := []projects.Project{}
	if found {
		match, without := q.For(search.ProjectColumns)
		if list, err = projects.List(ctx, rd.db, projects.Filter{TagIDs: ids, Match: match, Without: without}); err != nil {
			return err
		}
	}
	page := rd.pager.page(c, listTitle("Projects", f))
	page.Description = rd.projectsIntro.Text
	return renderOK(c, views.ProjectList(page, rd.projectsIntro.HTML, list, f))
}

// maxSearchHits is how many posts and projects a search lists at most.
const maxSearchHits = 50

// search searches posts and projects. Whatever q holds, the answer is a
// page: input with no words gets a hint, not an error.
func (rd *reading) search(c echo.Context) error {
	res, err := search.Run(c.Request().Context(), rd.db, c.QueryParam("q"), maxSearchHits)
	if err != nil {
		return err
	}
	title := "Search"
	if res.Input != "" {
		title = "Search: " + res.Input
	}
	return renderOK(c, views.SearchPage(rd.pager.page(c, title), res))
}

// gallery shows every component of the site: the lists with the newest
// posts, the rest with made-up data.
func (rd *reading) gallery(c echo.Context) error {
	g := views.SampleGallery()
	list, err := posts.List(c.Request().Context(), rd.db, posts.Filter{Limit: 3})
	if err != nil {
		return err
	}
	if len(list) > 0 {
		g.Posts = list
	}
	p := rd.pager.page(c, "Gallery")
	p.Description = "Every component of the pages of " + rd.pager.site.Name + "."
	return renderOK(c, views.Gallery(p, g))
}
