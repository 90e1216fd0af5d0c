package web

import (
	"bytes"
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"blog/web/views"
)

// pager makes the layout's data for a page and renders pages: what every
// handler of HTML shares.
type pager struct {
	site Site
	// live says the node serves /live, so pages load live.js.
	live bool
}

// page returns the layout's data for a page titled title.
func (p pager) page(c echo.Context, title string) views.Page {
	return views.Page{Title: title, Path: c.Request().URL.Path, CSRF: func() string { return csrfToken(c) },
		Site: p.site, Live: p.live}
}

// render writes a templ component as an HTML page with the status. The
// page is rendered whole before anything is sent, so that what rendering
// asks for goes into the headers: a form's CSRF cookie (csrfToken).
func render(c echo.Context, status int, comp templ.Component) error {
	b := pageBuffers.Get().(*bytes.Buffer)
	defer pageBuffers.Put(b)
	b.Reset()
	if err := comp.Render(c.Request().Context(), b); err != nil {
		return err
	}
	return c.HTMLBlob(status, b.Bytes())
}

// renderOK renders a page with 200 OK.
func renderOK(c echo.Context, comp templ.Component) error { return render(c, http.StatusOK, comp) }
