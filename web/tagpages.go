package web

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"blog"
	"blog/internal/httperr"
	"blog/internal/posts"
	"blog/internal/projects"
	"blog/internal/tags"
	"blog/web/views"
)

// tagPages answers the tag pages: the list, one tag with what is filed
// under it, and the forms that create, rename and delete tags.
type tagPages struct {
	tags  *tags.Service
	db    *sql.DB // posts and projects filed under a tag
	pager pager
	admin *admin
}

// index lists every tag; the admin sees the edit controls.
func (tp *tagPages) index(c echo.Context) error {
	isAdmin := tp.forAdmin(c)
	list, err := tp.tags.List(c.Request().Context())
	if err != nil {
		return err
	}
	return renderOK(c, views.TagIndex(tp.pager.page(c, "Tags"), list, tp.admin.enabled(), isAdmin, flashOf(c)))
}

// show shows a tag with the posts and projects filed under it.
func (tp *tagPages) show(c echo.Context) error {
	isAdmin := tp.forAdmin(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	t, err := tp.tags.Get(ctx, id)
	if err != nil {
		return err
	}
	content, err := tp.filed(ctx, id)
	if err != nil {
		return err
	}
	return renderOK(c, views.TagShow(tp.pager.page(c, "Tag: "+t.Label), t, content, isAdmin, flashOf(c)))
}

// forAdmin takes the request's one-time notice and tells whether the
// admin asked. The admin's view, and a page with a notice, are marked so
// that no cache keeps them.
func (tp *tagPages) forAdmin(c echo.Context) bool {
	flash := takeFlash(c)
	if tp.admin.is(c) {
		adminView(c)
		return true
	}
	if flash != "" {
		// Shown once, to this writer only.
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	}
	return false
}

// exists is the tag pages' check for /live: the canonical path of a tag
// that exists, /tags/1 for /tags/01.
func (tp *tagPages) exists(ctx context.Context, params map[string]string) (string, error) {
	id, err := strconv.ParseInt(params["id"], 10, 64)
	if err != nil || id <= 0 {
		return "", blog.Errorf(blog.ENOTFOUND, "There is no tag %q.", params["id"])
	}
	if _, err := tp.tags.Get(ctx, id); err != nil {
		return "", err
	}
	return tagURL(id), nil
}

// filed lists the posts and projects filed under a tag.
func (tp *tagPages) filed(ctx context.Context, tagID int64) (views.TagContent, error) {
	var tc views.TagContent
	list, err := posts.ByTag(ctx, tp.db, tagID)
	if err != nil {
		return tc, err
	}
	for _, p := range list {
		tc.Posts = append(tc.Posts, views.Link{Title: p.Title, URL: p.URL(), Date: p.PublishedAt, Text: p.Description})
	}
	projs, err := projects.ByTag(ctx, tp.db, tagID)
	if err != nil {
		return tc, err
	}
	for _, p := range projs {
		tc.Projects = append(tc.Projects, views.Link{Title: p.Name, URL: p.URL, Text: p.Description})
	}
	return tc, nil
}

// newForm shows the form that creates a tag.
func (tp *tagPages) newForm(c echo.Context) error {
	form := views.TagForm{Action: "/tags", Submit: "Create tag", WritesOff: !tp.admin.enabled()}
	return renderOK(c, views.TagNew(tp.pager.page(c, "New tag"), form))
}

// edit shows the form that renames a tag.
func (tp *tagPages) edit(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	t, err := tp.tags.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	form := views.TagForm{Action: tagURL(t.ID), Submit: "Rename tag", Label: t.Label, WritesOff: !tp.admin.enabled()}
	return renderOK(c, views.TagEdit(tp.pager.page(c, "Rename "+t.Label), t, form))
}

// create makes a tag from the form and shows it, or the form again with
// what was wrong.
func (tp *tagPages) create(c echo.Context) error {
	label := c.FormValue("label")
	t, err := tp.tags.Create(c.Request().Context(), label)
	if err != nil {
		form := views.TagForm{Action: "/tags", Submit: "Create tag", Label: label}
		return formError(c, err, form, func(f views.TagForm) error {
			return render(c, httperr.Status(blog.ErrorCode(err)), views.TagNew(tp.pager.page(c, "New tag"), f))
		})
	}
	setFlash(c, "created")
	return redirect(c, http.StatusSeeOther, tagURL(t.ID), "")
}

// rename renames a tag from the form and shows it, or the form again with
// what was wrong.
func (tp *tagPages) rename(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	label := c.FormValue("label")
	t, err := tp.tags.Rename(ctx, id, label)
	if err != nil {
		current, getErr := tp.tags.Get(ctx, id)
		if getErr != nil {
			return getErr
		}
		form := views.TagForm{Action: tagURL(id), Submit: "Rename tag", Label: label}
		return formError(c, err, form, func(f views.TagForm) error {
			return render(c, httperr.Status(blog.ErrorCode(err)), views.TagEdit(tp.pager.page(c, "Rename "+current.Label), current, f))
		})
	}
	setFlash(c, "renamed")
	return redirect(c, http.StatusSeeOther, tagURL(t.ID), "")
}

// remove deletes a tag and goes back to the list.
func (tp *tagPages) remove(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := tp.tags.Delete(c.Request().Context(), id); err != nil {
		return err
	}
	setFlash(c, "deleted")
	return redirect(c, http.StatusSeeOther, "/tags", "")
}

// formError re-renders a form with the error next to its field and the
// typed value kept, for errors about the input (invalid, conflict). Other
// errors go to the error page.
func formError(c echo.Context, err error, form views.TagForm, show func(views.TagForm) error) error {
	var be *blog.Error
	if !errors.As(err, &be) || (be.Code != blog.EINVALID && be.Code != blog.ECONFLICT) {
		return err
	}
	form.Error = be.Message
	return show(form)
}

func tagURL(id int64) string { return "/tags/" + strconv.FormatInt(id, 10) }
