package web

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/go-json-experiment/json"
	"github.com/labstack/echo/v4"

	"blog"
	"blog/internal/repo"
	"blog/internal/tags"
)

// tagAPI is the JSON API of the tags.
type tagAPI struct{ tags *tags.Service }

// tagInput is the body of POST and PATCH /api/tags.
type tagInput struct {
	Label *string `json:"label"`
}

// decodeJSON reads a JSON request body into v: malformed JSON, data after
// the value, or an object naming a key twice is a bad_request; a body over
// MaxBody too_large. Duplicate keys are refused because parsers read them
// differently (Go's encoding/json keeps the last, others the first): a
// proxy or log in front of the blog could read another request than the
// one carried out. The JSON v2 decoder (go-json-experiment/json, the
// future encoding/json/v2) refuses them, as RFC 7493 asks.
func decodeJSON(c echo.Context, v any) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if mt, _, _ := mime.ParseMediaType(ct); mt != echo.MIMEApplicationJSON {
		return blog.Errorf(blog.EBADREQUEST, "Send the body as JSON with Content-Type: application/json.")
	}
	body, err := io.ReadAll(c.Request().Body) // held to MaxBody by limitBody
	if err != nil {
		var big *http.MaxBytesError
		if errors.As(err, &big) {
			return tooLarge()
		}
		return blog.Errorf(blog.EBADREQUEST, "The request body could not be read.")
	}
	if err := json.Unmarshal(body, v, json.MatchCaseInsensitiveNames(true)); err != nil {
		return blog.Errorf(blog.EBADREQUEST, "Malformed JSON: %v.", err)
	}
	return nil
}

func (in tagInput) label() (string, error) {
	if in.Label == nil {
		return "", blog.FieldErrorf("label", "Label is required.")
	}
	return *in.Label, nil
}

// idParam reads the :id of a route. Only the canonical decimal form names
// a tag (1, not 01 or +1), so each tag has one address.
func idParam(c echo.Context) (int64, error) {
	raw := c.Param("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != raw {
		return 0, blog.Errorf(blog.ENOTFOUND, "There is no tag %q.", raw)
	}
	return id, nil
}

// withKey carries the request's Idempotency-Key to the write chain.
func withKey(c echo.Context) error {
	key := c.Request().Header.Get("Idempotency-Key")
	if _, sent := c.Request().Header["Idempotency-Key"]; !sent {
		return nil
	}
	if err := repo.ValidateKey(key); err != nil {
		return err
	}
	c.SetRequest(c.Request().WithContext(repo.WithKey(c.Request().Context(), key)))
	return nil
}

func (a *tagAPI) list(c echo.Context) error {
	list, err := a.tags.List(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list)
}

func (a *tagAPI) get(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	t, err := a.tags.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

func (a *tagAPI) create(c echo.Context) error {
	var in tagInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := withKey(c); err != nil {
		return err
	}
	label, err := in.label()
	if err != nil {
		return err
	}
	t, err := a.tags.Create(c.Request().Context(), label)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/tags/"+strconv.FormatInt(t.ID, 10))
	return c.JSON(http.StatusCreated, t)
}

func (a *tagAPI) rename(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var in tagInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := withKey(c); err != nil {
		return err
	}
	label, err := in.label()
	if err != nil {
		return err
	}
	t, err := a.tags.Rename(c.Request().Context(), id, label)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

func (a *tagAPI) remove(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := withKey(c); err != nil {
		return err
	}
	if err := a.tags.Delete(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
