package clustertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// The tests drive the blog the way its users do, through the HTTP routes of
// CONTRACT.md; these are their few verbs.

// tag is a tag as the JSON API returns it.
type tag struct {
	ID    int64  `json:"id"`
	Label string `json:"label"`
}

// apiError is the body of a JSON API error.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// answer is a response read whole.
type answer struct {
	Status int
	Header http.Header
	Body   []byte
}

func (a answer) String() string {
	return fmt.Sprintf("%d %s", a.Status, bytes.TrimSpace(a.Body))
}

// do sends a request to the node, as the admin when admin is true.
func (c *Cluster) do(t testing.TB, n *Node, method, path string, body io.Reader, admin bool, header http.Header) answer {
	t.Helper()
	a, err := c.send(n, method, path, body, admin, header)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// send is do for goroutines other than the test's own.
func (c *Cluster) send(n *Node, method, path string, body io.Reader, admin bool, header http.Header) (answer, error) {
	req, err := http.NewRequest(method, n.URL+path, body)
	if err != nil {
		return answer{}, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if admin {
		req.SetBasicAuth("admin", c.AdminPassword)
	}
	resp, err := c.Client.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s on the %s: %w", method, path, n.Name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s on the %s: read the answer: %w", method, path, n.Name, err)
	}
	return answer{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// scrape reads n's /metrics from its private metrics listener, where
// Prometheus reads it.
func (c *Cluster) scrape(n *Node) (answer, error) {
	resp, err := c.Client.Get(n.Metrics + "/metrics")
	if err != nil {
		return answer{}, fmt.Errorf("GET /metrics on the %s: %w", n.Name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{Status: resp.StatusCode, Header: resp.Header, Body: b}, err
}

var jsonHeader = http.Header{"Content-Type": {"application/json"}}

func labelJSON(label string) io.Reader {
	b, _ := json.Marshal(map[string]string{"label": label})
	return bytes.NewReader(b)
}

// createTag creates a tag through the node's API: POST /api/tags.
func (c *Cluster) createTag(n *Node, label string) (tag, answer, error) {
	a, err := c.send(n, http.MethodPost, "/api/tags", labelJSON(label), true, jsonHeader)
	if err != nil {
		return tag{}, a, err
	}
	var tg tag
	if a.Status == http.StatusCreated {
		if err := json.Unmarshal(a.Body, &tg); err != nil {
			return tag{}, a, fmt.Errorf("POST /api/tags on the %s: %v: %s", n.Name, err, a.Body)
		}
	}
	return tg, a, nil
}

// mustCreateTag creates a tag through the node's API and expects 201.
func (c *Cluster) mustCreateTag(t testing.TB, n *Node, label string) tag {
	t.Helper()
	tg, a, err := c.createTag(n, label)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != http.StatusCreated || tg.Label != label || tg.ID == 0 {
		t.Fatalf("POST /api/tags %q on the %s: %s, want 201 with the tag", label, n.Name, a)
	}
	return tg
}

// getTag reads a tag through the node's API: GET /api/tags/{id}.
func (c *Cluster) getTag(t testing.TB, n *Node, id int64) (tag, answer) {
	t.Helper()
	a := c.do(t, n, http.MethodGet, fmt.Sprintf("/api/tags/%d", id), nil, false, nil)
	var tg tag
	if a.Status == http.StatusOK {
		if err := json.Unmarshal(a.Body, &tg); err != nil {
			t.Fatalf("GET /api/tags/%d on the %s: %v: %s", id, n.Name, err, a.Body)
		}
	}
	return tg, a
}

// listTags reads every tag through the node's API: GET /api/tags.
func (c *Cluster) listTags(n *Node) ([]tag, error) {
	a, err := c.send(n, http.MethodGet, "/api/tags", nil, false, nil)
	if err != nil {
		return nil, err
	}
	if a.Status != http.StatusOK {
		return nil, fmt.Errorf("GET /api/tags on the %s: %s", n.Name, a)
	}
	var list []tag
	if err := json.Unmarshal(a.Body, &list); err != nil {
		return nil, fmt.Errorf("GET /api/tags on the %s: %v", n.Name, err)
	}
	return list, nil
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// formSession is what a browser keeps between a form and its post: the
// CSRF cookie and the token in the form's hidden input.
type formSession struct {
	cookies []*http.Cookie
	token   string
}

// openForm loads a form page, as a browser does before posting it.
func (c *Cluster) openForm(t testing.TB, n *Node, path string) formSession {
	t.Helper()
	a := c.do(t, n, http.MethodGet, path, nil, false, nil)
	if a.Status != http.StatusOK {
		t.Fatalf("GET %s on the %s: %s", path, n.Name, a)
	}
	m := csrfInput.FindSubmatch(a.Body)
	if m == nil {
		t.Fatalf("GET %s on the %s: no hidden _csrf input in the form", path, n.Name)
	}
	resp := http.Response{Header: a.Header}
	return formSession{cookies: resp.Cookies(), token: string(m[1])}
}

// postForm posts form fields with the session's cookie and token, as the
// admin.
func (c *Cluster) postForm(t testing.TB, n *Node, path string, s formSession, fields url.Values) answer {
	t.Helper()
	fields.Set("_csrf", s.token)
	req, err := http.NewRequest(http.MethodPost, n.URL+path, strings.NewReader(fields.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("admin", c.AdminPassword)
	for _, ck := range s.cookies {
		req.AddCookie(ck)
	}
	resp, err := c.Client.Do(req)
	if err != nil {
		t.Fatalf("POST %s on the %s: %v", path, n.Name, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// unique returns a label no other test uses.
func unique(prefix string) string { return prefix + "-" + randomText(10) }
