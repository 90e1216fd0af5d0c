package web

import (
	"bytes"
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

// decodeJSON reads a JSON request body into v: malformed JSON, or an
// object naming a key twice (which parsers read differently), is a
// bad_request; a body over MaxBody too_large.
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
	if err := checkJSONKeys(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return blog.Errorf(blog.EBADREQUEST, "Malformed JSON: %v.", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return blog.Errorf(blog.EBADREQUEST, "Malformed JSON: unexpected data after the object.")
	}
	return nil
}

// checkJSONKeys refuses JSON in which an object names a key twice. Go
// keeps the last, other parsers the first: a proxy or log in front of the
// blog could read another request than the one carried out.
func checkJSONKeys(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		keys   map[string]bool
		object bool
		isKey  bool // the next string token in this object is a key
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return blog.Errorf(blog.EBADREQUEST, "Malformed JSON: %v.", err)
		}
		top := len(stack) - 1
		atKey := top >= 0 && stack[top].object && stack[top].isKey
		if top >= 0 && stack[top].object {
			stack[top].isKey = !stack[top].isKey
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{keys: map[string]bool{}, object: true, isKey: true})
			case '[':
				stack = append(stack, frame{})
			default:
				stack = stack[:len(stack)-1]
				if n := len(stack) - 1; n >= 0 && stack[n].object {
					// The closed value was a member's value: a key is next.
					stack[n].isKey = true
				}
			}
		case string:
			if atKey {
				if stack[top].keys[t] {
					return blog.Errorf(blog.EBADREQUEST, "Malformed JSON: the key %q appears twice in one object.", t)
				}
				stack[top].keys[t] = true
			}
		}
	}
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
