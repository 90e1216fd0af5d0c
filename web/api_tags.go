package web

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"blog"
	"blog/internal/repo"
)

// tagInput is the body of POST and PATCH /api/tags.
type tagInput struct {
	Label *string `json:"label"`
}

// decodeJSON reads a JSON request body into v: malformed JSON is a
// bad_request, an oversized body too_large.
func decodeJSON(c echo.Context, v any) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if mt, _, _ := mime.ParseMediaType(ct); mt != echo.MIMEApplicationJSON {
		return blog.Errorf(blog.EBADREQUEST, "Send the body as JSON with Content-Type: application/json.")
	}
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, MaxBody))
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return blog.Errorf(blog.ETOOLARGE, "The request body is larger than 64 KiB.")
		}
		return blog.Errorf(blog.EBADREQUEST, "Malformed JSON: %v.", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return blog.Errorf(blog.EBADREQUEST, "Malformed JSON: unexpected data after the object.")
	}
	return nil
}

func (in tagInput) label() (string, error) {
	if in.Label == nil {
		return "", blog.FieldErrorf("label", "Label is required.")
	}
	return *in.Label, nil
}

// idParam reads the numeric :id of a route; anything else names no tag.
func idParam(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, blog.Errorf(blog.ENOTFOUND, "There is no tag %q.", c.Param("id"))
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

func (s *Server) handleAPITagList(c echo.Context) error {
	list, err := s.tags.List(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list)
}

func (s *Server) handleAPITagGet(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	t, err := s.tags.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

func (s *Server) handleAPITagCreate(c echo.Context) error {
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
	t, err := s.tags.Create(c.Request().Context(), label)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/tags/"+strconv.FormatInt(t.ID, 10))
	return c.JSON(http.StatusCreated, t)
}

func (s *Server) handleAPITagRename(c echo.Context) error {
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
	t, err := s.tags.Rename(c.Request().Context(), id, label)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

func (s *Server) handleAPITagDelete(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := withKey(c); err != nil {
		return err
	}
	if err := s.tags.Delete(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
