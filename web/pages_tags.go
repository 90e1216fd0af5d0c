package web

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"blog"
	"blog/web/views"
)

// handleTagIndex and handleTagShow answer from the page cache when they
// can, like the pages of the reading side.
func (s *Server) handleTagIndex(c echo.Context) error { return s.tagPage(c, s.renderTagIndex) }

func (s *Server) handleTagShow(c echo.Context) error { return s.tagPage(c, s.renderTagShow) }

// tagPage answers a tag page: the admin's view (with its edit controls)
// and a page carrying a one-time notice are rendered afresh and never
// kept; a reader's comes from the page cache.
func (s *Server) tagPage(c echo.Context, render echo.HandlerFunc) error {
	if s.isAdmin(c) {
		takeFlash(c)
		adminView(c)
		return render(c)
	}
	c.Response().Header().Add("Vary", "Authorization")
	if takeFlash(c) != "" {
		return render(c)
	}
	return s.content.pages.serve(c, render)
}

func (s *Server) renderTagIndex(c echo.Context) error {
	list, err := s.tags.List(c.Request().Context())
	if err != nil {
		return err
	}
	return s.renderKept(c, views.TagIndex(s.page(c, "Tags"), list, s.adminPassword != "", s.isAdmin(c), flashOf(c)))
}

func (s *Server) handleTagNew(c echo.Context) error {
	form := views.TagForm{Action: "/tags", Submit: "Create tag", WritesOff: s.adminPassword == ""}
	return s.render(c, http.StatusOK, views.TagNew(s.page(c, "New tag"), form))
}

func (s *Server) renderTagShow(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	t, err := s.tags.Get(ctx, id)
	if err != nil {
		return err
	}
	content, err := s.tagContent(ctx, id)
	if err != nil {
		return err
	}
	return s.renderKept(c, views.TagShow(s.page(c, "Tag: "+t.Label), t, content, s.isAdmin(c), flashOf(c)))
}

// renderKept renders a page that serve let through and keeps it in the
// page cache, or, without the cache, answers with it as render does.
func (s *Server) renderKept(c echo.Context, comp templ.Component) error {
	var buf bytes.Buffer
	if err := comp.Render(c.Request().Context(), &buf); err != nil {
		return err
	}
	if flashOf(c) != "" {
		// Shown once, to this writer only.
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.HTMLBlob(http.StatusOK, buf.Bytes())
	}
	if ok, err := s.content.pages.keep(c, echo.MIMETextHTMLCharsetUTF8, buf.Bytes()); ok {
		return err
	}
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

func (s *Server) handleTagEdit(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	t, err := s.tags.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	form := views.TagForm{Action: tagURL(t.ID), Submit: "Rename tag", Label: t.Label, WritesOff: s.adminPassword == ""}
	return s.render(c, http.StatusOK, views.TagEdit(s.page(c, "Rename "+t.Label), t, form))
}

func (s *Server) handleTagCreate(c echo.Context) error {
	label := c.FormValue("label")
	t, err := s.tags.Create(c.Request().Context(), label)
	if err != nil {
		form := views.TagForm{Action: "/tags", Submit: "Create tag", Label: label}
		return s.formError(c, err, form, func(f views.TagForm) error {
			return s.render(c, statusOf(blog.ErrorCode(err)), views.TagNew(s.page(c, "New tag"), f))
		})
	}
	setFlash(c, "created")
	return redirect(c, http.StatusSeeOther, tagURL(t.ID), "")
}

func (s *Server) handleTagRename(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	label := c.FormValue("label")
	t, err := s.tags.Rename(ctx, id, label)
	if err != nil {
		current, getErr := s.tags.Get(ctx, id)
		if getErr != nil {
			return getErr
		}
		form := views.TagForm{Action: tagURL(id), Submit: "Rename tag", Label: label}
		return s.formError(c, err, form, func(f views.TagForm) error {
			return s.render(c, statusOf(blog.ErrorCode(err)), views.TagEdit(s.page(c, "Rename "+current.Label), current, f))
		})
	}
	setFlash(c, "renamed")
	return redirect(c, http.StatusSeeOther, tagURL(t.ID), "")
}

func (s *Server) handleTagDelete(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := s.tags.Delete(c.Request().Context(), id); err != nil {
		return err
	}
	setFlash(c, "deleted")
	return redirect(c, http.StatusSeeOther, "/tags", "")
}

// formError re-renders a form with the error next to its field and the
// typed value kept, for errors about the input (invalid, conflict). Other
// errors go to the error page.
func (s *Server) formError(c echo.Context, err error, form views.TagForm, show func(views.TagForm) error) error {
	var be *blog.Error
	if !errors.As(err, &be) || (be.Code != blog.EINVALID && be.Code != blog.ECONFLICT) {
		return err
	}
	form.Error = be.Message
	return show(form)
}

func tagURL(id int64) string { return "/tags/" + strconv.FormatInt(id, 10) }
