package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"blog/internal/repo"
	"blog/internal/sqlite/sqlitetest"
	"blog/internal/tags"
)

// Writes forwarded between nodes skip the pages' middleware, and are still
// logged, one line each, as every request is; a panic is an answer.
func TestForwardedWritesAreServedDirectly(t *testing.T) {
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))
	forward := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Panic") != "" {
			panic("a bug")
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"value":1}`))
	})
	s := NewServer(Deps{Log: log, Tags: tags.NewService(repo.New(sqlitetest.Open(t))), Forward: forward})
	srv := httptest.NewServer(s)
	defer srv.Close()

	res, err := http.Post(srv.URL+"/internal/forward", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Security-Policy") != "" {
		t.Fatalf("POST /internal/forward: %d, CSP %q; want 200 from the handler alone", res.StatusCode, res.Header.Get("Content-Security-Policy"))
	}
	if !strings.Contains(logged.String(), "msg=request method=POST path=/internal/forward status=200 bytes=11") {
		t.Fatalf("the forwarded write is not logged as a request:\n%s", logged.String())
	}

	req, _ := http.NewRequest("POST", srv.URL+"/internal/forward", strings.NewReader(`{}`))
	req.Header.Set("X-Panic", "1")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 500 || !strings.Contains(logged.String(), "status=500") {
		t.Fatalf("a panicking forward: %d; want 500, logged", res.StatusCode)
	}

	res, err = http.Get(srv.URL + "/internal/forward")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 && res.StatusCode != 405 {
		t.Fatalf("GET /internal/forward: %d; want it refused, as a page that is not there", res.StatusCode)
	}
}
