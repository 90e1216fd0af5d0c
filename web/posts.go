package web

import (
	"bytes"
	"net/http"

	"github.com/labstack/echo/v4"

	"blog"
	"blog/internal/posts"
	"blog/web/views"
)

// recentOnHome is how many other posts the home page lists.
const recentOnHome = 5

// DefaultHomeSlug is the post / shows unless BLOG_HOME_SLUG names
// another: the introduction, as the original Blog pins it.
const DefaultHomeSlug = "hello-world"

// noWordsHint is shown for a search that has nothing to look for.
const noWordsHint = "That search has no words to look for. Try words from a post, such as “primary” or “sqlite”."

// handleHome shows the pinned post, or the latest when there is no post
// with that slug, and the newest others.
func (rd *reading) handleHome(c echo.Context) error {
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
	return rd.renderCached(c, views.Home(rd.page(c, "", ""), home, recent))
}

func (rd *reading) handlePostList(c echo.Context) error {
	ctx := c.Request().Context()
	inUse, err := posts.TagsInUse(ctx, rd.db)
	if err != nil {
		return err
	}
	all := make([]tagged, len(inUse))
	for i, t := range inUse {
		all[i] = tagged(t)
	}
	f, ids, match, found := listFilter("/posts", c.QueryParam("q"), chosenTags(c), all, noWordsHint)
	list := []posts.Summary{}
	if found {
		if list, err = posts.List(ctx, rd.db, posts.Filter{TagIDs: ids, Match: match}); err != nil {
			return err
		}
	}
	title := listTitle("Posts", f)
	return rd.renderCached(c, views.PostList(rd.page(c, title, ""), list, f))
}

// handlePost shows a post. A slug written with underscores, as the
// original Blog allowed, is sent to the post's address. A draft is there
// only for the admin: readers get the same 404 as for a post that does not
// exist, and ?preview asks the browser to sign in.
func (rd *reading) handlePost(c echo.Context) error {
	ctx := c.Request().Context()
	slug := c.Param("slug")
	if norm := posts.NormalizeSlug(slug); norm != slug {
		return redirect(c, http.StatusMovedPermanently, "/posts/"+norm, c.Request().URL.RawQuery)
	}
	_, wantsPreview := c.QueryParams()["preview"]
	admin := rd.s.isAdmin(c)
	if wantsPreview && !admin {
		c.Response().Header().Set("WWW-Authenticate", `Basic realm="blog", charset="UTF-8"`)
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
		return rd.renderCached(c, views.PostPage(rd.page(c, p.Title, p.Description), p))
	}
	// The admin's view, drafts included, is never kept in the page cache
	// nor by any browser or proxy.
	p, err := posts.Lookup(ctx, rd.db, slug)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := views.PostPage(rd.page(c, p.Title, p.Description), p).Render(ctx, &buf); err != nil {
		return err
	}
	adminView(c)
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

// handlePermalink sends an old address of a post, of one segment or more,
// to the post: 301, so that links and search engines move over for good.
func (rd *reading) handlePermalink(c echo.Context) error {
	path := posts.NormalizePermalink(c.Request().URL.Path)
	slug, err := posts.ByPermalink(c.Request().Context(), rd.db, path)
	if err != nil {
		return err
	}
	return redirect(c, http.StatusMovedPermanently, "/posts/"+slug, "")
}
