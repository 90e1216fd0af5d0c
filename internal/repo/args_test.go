package repo_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"testing"

	"blog"
	"blog/internal/repo"
	"blog/internal/sqlite/sqlitetest"
)

// An operation written with Typed receives its arguments decoded, and
// arguments that do not decode are refused as bad_request before it runs.
func TestTypedArguments(t *testing.T) {
	type greet struct {
		Name string `json:"name"`
	}
	r := repo.New(sqlitetest.Open(t))
	var got []greet
	r.Handle("greet", repo.Typed(func(ctx context.Context, tx *sql.Tx, a greet) (any, error) {
		got = append(got, a)
		return "hello " + a.Name, nil
	}))
	ctx := context.Background()

	res := r.Do(ctx, repo.Op{Name: "greet", Args: json.RawMessage(`{"name":"ada"}`)})
	if res.Err != nil || string(res.Value) != `"hello ada"` {
		t.Fatalf("well-formed call = %s, %v", res.Value, res.Err)
	}
	for _, args := range []string{`{"name":5}`, `[1]`, `{"name":`} {
		res := r.Do(ctx, repo.Op{Name: "greet", Args: json.RawMessage(args)})
		if blog.ErrorCode(res.Err) != blog.EBADREQUEST || !strings.Contains(blog.ErrorMessage(res.Err), "Malformed arguments: ") {
			t.Errorf("args %s: err = %v, want bad_request about malformed arguments", args, res.Err)
		}
	}
	if len(got) != 1 || got[0].Name != "ada" {
		t.Errorf("the execution saw %+v, want only the well-formed call", got)
	}
}
