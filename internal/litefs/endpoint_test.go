package litefs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"blog"
	"blog/internal/httperr"
	"blog/internal/repo"
)

// endpointNode is a node serving the endpoint, called directly.
type endpointNode struct {
	mount   *mount
	store   *store
	handler http.Handler
	signer  *Signer
}

func newEndpointNode(t *testing.T, role Role) *endpointNode {
	t.Helper()
	n := &endpointNode{mount: newMount(t, role, "other-node"), signer: NewSigner(testSecret)}
	n.store = newStore(t, n.mount.db)
	fwd := NewForwarder(ForwarderConfig{Node: NewNode(n.mount.db), Secret: testSecret, Log: testLog(t)})
	n.store.repo.Use(fwd.Middleware())
	n.handler = fwd.Handler(n.store.repo, "test.insert", "test.fail")
	return n
}

// post sends body to the endpoint, signed by s unless s is nil.
func (n *endpointNode) post(s *Signer, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, ForwardPath, strings.NewReader(body))
	if s != nil {
		s.Sign(req, []byte(body))
	}
	w := httptest.NewRecorder()
	n.handler.ServeHTTP(w, req)
	return w
}

type errorBody struct {
	Error struct{ Code, Message string }
}

func decodeErrorBody(t *testing.T, w *httptest.ResponseRecorder) errorBody {
	t.Helper()
	var b errorBody
	if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
		t.Fatalf("answer %q is not the API error format: %v", w.Body.String(), err)
	}
	return b
}

func decodeAnswer(t *testing.T, w *httptest.ResponseRecorder) answer {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", w.Code, w.Body.String())
	}
	var a answer
	if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil {
		t.Fatalf("decode %q: %v", w.Body.String(), err)
	}
	return a
}

const goOp = `{"name":"test.insert","args":{"label":"go"},"key":"k1"}`

func TestEndpointRefuses(t *testing.T) {
	stale := NewSigner(testSecret)
	stale.now = func() time.Time { return time.Now().Add(-2 * time.Minute) }
	future := NewSigner(testSecret)
	future.now = func() time.Time { return time.Now().Add(2 * time.Minute) }

	tests := []struct {
		name       string
		role       Role
		send       func(n *endpointNode) *httptest.ResponseRecorder
		wantStatus int
		wantCode   string
	}{
		{"unsigned", Primary, func(n *endpointNode) *httptest.ResponseRecorder {
			return n.post(nil, goOp)
		}, http.StatusUnauthorized, blog.EUNAUTHORIZED},
		{"wrong secret", Primary, func(n *endpointNode) *httptest.ResponseRecorder {
			return n.post(NewSigner("guess"), goOp)
		}, http.StatusUnauthorized, blog.EUNAUTHORIZED},
		{"altered body", Primary, func(n *endpointNode) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodPost, ForwardPath, strings.NewReader(strings.Replace(goOp, "go", "og", 1)))
			n.signer.Sign(req, []byte(goOp))
			w := httptest.NewRecorder()
			n.handler.ServeHTTP(w, req)
			return w
		}, http.StatusUnauthorized, blog.EUNAUTHORIZED},
		{"stale", Primary, func(n *endpointNode) *httptest.ResponseRecorder {
			return n.post(stale, goOp)
		}, http.StatusForbidden, blog.EFORBIDDEN},
		{"from the future", Primary, func(n *endpointNode) *httptest.ResponseRecorder {
			return n.post(future, goOp)
		}, http.StatusForbidden, blog.EFORBIDDEN},
		{"not the primary", Replica, func(n *endpointNode) *httptest.ResponseRecorder {
			return n.post(n.signer, goOp)
		}, http.StatusMisdirectedRequest, blog.ENOTPRIMARY},
		{"malformed JSON", Primary, func(n *endpointNode) *httptest.ResponseRecorder {
			return n.post(n.signer, `{"name":"test.insert",`)
		}, http.StatusBadRequest, blog.EBADREQUEST},
		{"unknown operation", Standalone, func(n *endpointNode) *httptest.ResponseRecorder {
			return n.post(n.signer, `{"name":"tags.drop_all","args":{},"key":"k1"}`)
		}, http.StatusBadRequest, blog.EBADREQUEST},
		{"registered but not forwardable", Primary, func(n *endpointNode) *httptest.ResponseRecorder {
			n.store.repo.Handle("test.private", func(context.Context, *sql.Tx, json.RawMessage) (any, error) {
				n.store.execs.Add(1)
				return nil, nil
			})
			return n.post(n.signer, `{"name":"test.private","args":{"label":"go"},"key":"k1"}`)
		}, http.StatusBadRequest, blog.EBADREQUEST},
		{"no idempotency key", Primary, func(n *endpointNode) *httptest.ResponseRecorder {
			return n.post(n.signer, `{"name":"test.insert","args":{"label":"go"}}`)
		}, http.StatusBadRequest, blog.EBADREQUEST},
		{"too large", Primary, func(n *endpointNode) *httptest.ResponseRecorder {
			return n.post(n.signer, `{"name":"test.insert","args":{"label":"go","pad":"`+strings.Repeat("x", MaxForwardBody)+`"},"key":"k1"}`)
		}, http.StatusRequestEntityTooLarge, blog.ETOOLARGE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newEndpointNode(t, tt.role)
			w := tt.send(n)
			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d: %s", w.Code, tt.wantStatus, w.Body.String())
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if b := decodeErrorBody(t, w); b.Error.Code != tt.wantCode || b.Error.Message == "" {
				t.Errorf("error = %+v, want code %s with a message", b.Error, tt.wantCode)
			}
			if got := n.store.count(t, "go"); got != 0 || n.store.execs.Load() != 0 {
				t.Errorf("refused request wrote %d tags in %d executions", got, n.store.execs.Load())
			}
		})
	}
}

func TestEndpointRunsAWriteOnce(t *testing.T) {
	n := newEndpointNode(t, Primary)
	n.mount.setPos(0x1f)

	first := decodeAnswer(t, n.post(n.signer, goOp))
	if first.Error != nil || first.Replayed {
		t.Fatalf("first answer = %+v, want a fresh value", first)
	}
	if first.TXID != "000000000000001f" {
		t.Errorf("txid = %q, want the position after the commit, 000000000000001f", first.TXID)
	}
	var tag insertValue
	if err := json.Unmarshal(first.Value, &tag); err != nil || tag.Label != "go" {
		t.Errorf("value = %s (%v), want the new tag", first.Value, err)
	}

	again := decodeAnswer(t, n.post(n.signer, goOp))
	if !again.Replayed || string(again.Value) != string(first.Value) {
		t.Errorf("repeat = %+v, want the first value replayed", again)
	}
	if got, execs := n.store.count(t, "go"), n.store.execs.Load(); got != 1 || execs != 1 {
		t.Errorf("%d tags after %d executions, want 1 and 1", got, execs)
	}
}

func TestEndpointCarriesDomainErrorsIn200(t *testing.T) {
	n := newEndpointNode(t, Standalone)
	if res := n.store.repo.Do(context.Background(), insertOp("go")); res.Err != nil {
		t.Fatal(res.Err)
	}
	a := decodeAnswer(t, n.post(n.signer, `{"name":"test.insert","args":{"label":"GO"},"key":"k2"}`))
	if a.Error == nil || a.Error.Code != blog.ECONFLICT || a.Error.Field != "label" || a.Error.Message == "" {
		t.Errorf("error = %+v, want a conflict on label", a.Error)
	}
	if string(a.Value) != "null" && a.Value != nil {
		t.Errorf("value = %s alongside an error", a.Value)
	}
	if raw := n.post(n.signer, `{"name":"test.insert","args":{"label":"GO"},"key":"k2"}`).Body.String(); !strings.Contains(raw, `"replayed":true`) || !strings.Contains(raw, `"code":"conflict"`) {
		t.Errorf("repeat of a refused write = %s, want the conflict replayed", raw)
	}
}

func TestEndpointWhenTheNodeLosesTheLeaseMidWrite(t *testing.T) {
	n := &endpointNode{mount: newMount(t, Primary, ""), signer: NewSigner(testSecret)}
	n.store = newStore(t, n.mount.db)
	fwd := NewForwarder(ForwarderConfig{Node: NewNode(n.mount.db), Secret: testSecret, Log: testLog(t)})
	// LiteFS hands the lease over after the endpoint checked the role but
	// before the forwarder looks again.
	n.store.repo.Use(repo.Middleware{Name: "lease.lost", Before: func(context.Context, *repo.Op) *repo.Result {
		n.mount.setRole(Replica, "127.0.0.1")
		return nil
	}}, fwd.Middleware())
	n.handler = fwd.Handler(n.store.repo, "test.insert", "test.fail")

	w := n.post(n.signer, goOp)
	if w.Code != httperr.Status(blog.ENOTPRIMARY) || decodeErrorBody(t, w).Error.Code != blog.ENOTPRIMARY {
		t.Errorf("answer = %d %s, want 421 not_primary", w.Code, w.Body.String())
	}
	if n.store.execs.Load() != 0 {
		t.Error("the write ran on a node that is no longer primary")
	}
}

func TestEndpointHidesInternalErrors(t *testing.T) {
	n := newEndpointNode(t, Primary)
	n.store.repo.Handle("test.fail", func(context.Context, *sql.Tx, json.RawMessage) (any, error) {
		return nil, errors.New("disk I/O error at /litefs/blog.db")
	})
	w := n.post(n.signer, `{"name":"test.fail","args":null,"key":"k3"}`)
	if w.Code != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500", w.Code)
	}
	if b := decodeErrorBody(t, w); b.Error.Code != blog.EINTERNAL || strings.Contains(w.Body.String(), "disk") {
		t.Errorf("answer %s, want code internal without details", w.Body.String())
	}
}
