package web

import (
	"strings"

	"github.com/labstack/echo/v4"

	"blog"
	"blog/internal/projects"
	"blog/web/views"
)

func (rd *reading) handleProjectList(c echo.Context) error {
	ctx := c.Request().Context()
	label := strings.TrimSpace(c.QueryParam("tag"))
	list := []projects.Project{}
	title := "Projects"
	if label != "" {
		title = "Projects tagged " + label
	}
	t, err := rd.s.tags.ByLabel(ctx, label)
	switch {
	case label == "":
		list, err = projects.List(ctx, rd.db, projects.Filter{})
	case blog.ErrorCode(err) == blog.ENOTFOUND:
		err = nil // no such tag: nothing is filed under it
	case err == nil:
		label = t.Label
		list, err = projects.List(ctx, rd.db, projects.Filter{TagID: t.ID})
	}
	if err != nil {
		return err
	}
	return rd.renderCached(c, views.ProjectList(rd.page(c, title, "The software this blog stands on."), list, label))
}
