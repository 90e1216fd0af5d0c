package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"blog"
	"blog/internal/posts"
	"blog/internal/search"
	"blog/web/views"
)

// recentOnHome is how many earlier posts the home page lists.
const recentOnHome = 5

func (rd *reading) handleHome(c echo.Context) error {
	ctx := c.Request().Context()
	list, err := posts.List(ctx, rd.db, posts.Filter{Limit: recentOnHome + 1})
	if err != nil {
		return err
	}
	var latest *posts.Post
	if len(list) > 0 {
		p, err := posts.Get(ctx, rd.db, list[0].Slug)
		if err != nil {
			return err
		}
		latest, list = &p, list[1:]
	}
	return rd.renderCached(c, views.Home(rd.page(c, "", ""), latest, list))
}

func (rd *reading) handlePostList(c echo.Context) error {
	ctx := c.Request().Context()
	f := views.PostFilter{Tag: strings.TrimSpace(c.QueryParam("tag")), Query: c.QueryParam("q")}
	filter := posts.Filter{}
	list := []posts.Summary{}
	found := true // false when the filter cannot match anything
	if f.Tag != "" {
		t, err := rd.s.tags.ByLabel(ctx, f.Tag)
		switch {
		case blog.ErrorCode(err) == blog.ENOTFOUND:
			found = false // no such tag: nothing is filed under it
		case err != nil:
			return err
		default:
			f.Tag, f.TagID, filter.TagID = t.Label, t.ID, t.ID
		}
	}
	if strings.TrimSpace(f.Query) != "" {
		q := search.ParseQuery(f.Query)
		f.Matched = true
		if q.Match == "" {
			f.Hint = "That search has no words to look for. Try words from a post, such as “primary” or “sqlite”."
			found = false
		}
		filter.Match = q.Match
	}
	if found {
		var err error
		if list, err = posts.List(ctx, rd.db, filter); err != nil {
			return err
		}
	}
	title := "Posts"
	switch {
	case f.Tag != "":
		title = "Posts tagged " + f.Tag
	case f.Matched:
		title = "Posts matching " + f.Query
	}
	return rd.renderCached(c, views.PostList(rd.page(c, title, ""), list, f))
}

func (rd *reading) handlePost(c echo.Context) error {
	ctx := c.Request().Context()
	slug := c.Param("slug")
	p, err := posts.Get(ctx, rd.db, slug)
	if blog.ErrorCode(err) == blog.ENOTFOUND {
		// An old address under /posts/ may name a post that moved.
		if moved, perr := posts.ByPermalink(ctx, rd.db, "/posts/"+slug); perr == nil {
			return c.Redirect(http.StatusMovedPermanently, "/posts/"+moved)
		}
		return err
	}
	if err != nil {
		return err
	}
	return rd.renderCached(c, views.PostPage(rd.page(c, p.Title, p.Description), p))
}

// handlePermalink sends an old address of a post to the post: 301, so
// that links and search engines move over for good.
func (rd *reading) handlePermalink(c echo.Context) error {
	path := posts.NormalizePermalink(c.Request().URL.Path)
	slug, err := posts.ByPermalink(c.Request().Context(), rd.db, path)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusMovedPermanently, "/posts/"+slug)
}
