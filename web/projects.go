package web

import (
	"strings"

	"github.com/labstack/echo/v4"

	"blog/internal/projects"
	"blog/internal/search"
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
		all[i] = tagged{t.ID, t.Label}
	}
	f, ids, found := listFilter("/projects", c.QueryParam("q"), chosenTags(c), all)
	filter := projects.Filter{TagIDs: ids}
	if strings.TrimSpace(f.Query) != "" {
		q := search.ParseQuery(f.Query)
		f.Matched = true
		if q.Match == "" {
			f.Hint = "That search has no words to look for. Try words from a project, such as “sqlite”."
			found = false
		}
		filter.Match = q.Match
	}
	list := []projects.Project{}
	if found {
		if list, err = projects.List(ctx, rd.db, filter); err != nil {
			return err
		}
	}
	title := "Projects"
	switch {
	case len(f.Chosen) > 0:
		title = "Projects tagged " + strings.Join(f.Chosen, ", ")
	case f.Matched:
		title = "Projects matching " + f.Query
	}
	return rd.renderCached(c, views.ProjectList(rd.page(c, title, "The software this blog stands on."), list, f))
}
