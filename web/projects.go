package web

import (
	"github.com/labstack/echo/v4"

	"blog/internal/projects"
	"blog/web/views"
)

// handleProjectList lists the projects, searched with ?q= and narrowed to
// any of the tags of ?tags= (or ?tag=), as /posts is.
func (rd *reading) handleProjectList(c echo.Context) error {
	ctx := c.Request().Context()
	inUse, err := projects.TagsInUse(ctx, rd.db)
	if err != nil {
		return err
	}
	all := make([]tagged, len(inUse))
	for i, t := range inUse {
		all[i] = tagged(t)
	}
	f, ids, match, found := listFilter("/projects", c.QueryParam("q"), chosenTags(c), all,
		"That search has no words to look for. Try words from a project, such as “sqlite”.")
	list := []projects.Project{}
	if found {
		if list, err = projects.List(ctx, rd.db, projects.Filter{TagIDs: ids, Match: match}); err != nil {
			return err
		}
	}
	title := listTitle("Projects", f)
	return rd.renderCached(c, views.ProjectList(rd.page(c, title, "The software this blog stands on."), list, f))
}
