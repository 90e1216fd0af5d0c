package web

import (
	"github.com/labstack/echo/v4"

	"blog/internal/search"
	"blog/web/views"
)

// maxSearchHits is how many posts and projects a search lists at most.
const maxSearchHits = 50

// handleSearch searches posts and projects. Whatever q holds, the answer
// is a page: input with no words gets a hint, not an error.
func (rd *reading) handleSearch(c echo.Context) error {
	res, err := search.Run(c.Request().Context(), rd.db, c.QueryParam("q"), maxSearchHits)
	if err != nil {
		return err
	}
	title := "Search"
	if res.Input != "" {
		title = "Search: " + res.Input
	}
	return rd.renderCached(c, views.SearchPage(rd.page(c, title, ""), res))
}
