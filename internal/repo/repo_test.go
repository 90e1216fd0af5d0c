package repo_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"blog"
	"blog/internal/repo"
	"blog/internal/sqlite/sqlitetest"
)

// newRepo opens a migrated database in a temp folder with one operation,
// "notes.add", that inserts a row into a scratch table and can be told to
// fail after writing.
func newRepo(t testing.TB) (*repo.Repo, *sql.DB, *int) {
	t.Helper()
	db := sqlitetest.Open(t)
	if _, err := db.Exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	r := repo.New(db)
	runs := new(int)
	r.Handle("notes.add", func(ctx context.Context, tx *sql.Tx, raw json.RawMessage) (any, error) {
		*runs++
		var a struct {
			Text string `json:"text"`
			Fail string `json:"fail"`
		}
		if err := json.Unmarshal(raw, &a); err != nil {
			return nil, err
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO notes (text) VALUES (?) RETURNING id`, a.Text).Scan(&id); err != nil {
			return nil, err
		}
		switch a.Fail {
		case "conflict":
			return nil, blog.Errorf(blog.ECONFLICT, "note %q exists", a.Text)
		case "crash":
			return nil, errors.New("disk on fire")
		}
		return map[string]any{"id": id, "text": a.Text}, nil
	})
	return r, db, runs
}

func count(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM notes`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func op(text string, key string) repo.Op {
	b, _ := json.Marshal(map[string]string{"text": text})
	return repo.Op{Name: "notes.add", Args: b, Key: key}
}

func TestChainOrder(t *testing.T) {
	r, db, _ := newRepo(t)
	var trace []string
	mw := func(name string) repo.Middleware {
		return repo.Middleware{
			Name:   name,
			Before: func(ctx context.Context, op *repo.Op) *repo.Result { trace = append(trace, "before "+name); return nil },
			After:  func(ctx context.Context, op repo.Op, res *repo.Result) { trace = append(trace, "after "+name) },
		}
	}
	r.Use(mw("a"), mw("b"))
	r.Use(repo.Middleware{Name: "probe", Before: func(ctx context.Context, o *repo.Op) *repo.Result {
		trace = append(trace, "before probe")
		return nil
	}})
	res := r.Do(context.Background(), op("hello", ""))
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	want := []string{"before a", "before b", "before probe", "after b", "after a"}
	if !reflect.DeepEqual(trace, want) {
		t.Fatalf("order = %v, want %v", trace, want)
	}
	if n := count(t, db); n != 1 {
		t.Fatalf("rows = %d, want 1", n)
	}
}

func TestHaltSkipsExecution(t *testing.T) {
	r, db, runs := newRepo(t)
	var seen []*repo.Result
	r.Use(
		repo.Middleware{Name: "outer", After: func(ctx context.Context, o repo.Op, res *repo.Result) { seen = append(seen, res) }},
		repo.Middleware{Name: "forward", Before: func(ctx context.Context, o *repo.Op) *repo.Result {
			return &repo.Result{Value: json.RawMessage(`{"id":42,"text":"elsewhere"}`)}
		}},
		repo.Middleware{Name: "never", Before: func(ctx context.Context, o *repo.Op) *repo.Result {
			t.Error("a middleware after the halt ran")
			return nil
		}},
	)
	res := r.Do(context.Background(), op("hello", ""))
	if *runs != 0 {
		t.Fatalf("execution ran %d times after a halt", *runs)
	}
	if n := count(t, db); n != 0 {
		t.Fatalf("rows = %d after a halt, want 0", n)
	}
	if res.HaltedBy != "forward" || string(res.Value) != `{"id":42,"text":"elsewhere"}` {
		t.Fatalf("result = %+v", res)
	}
	if len(seen) != 1 || seen[0] != res {
		t.Fatalf("after-middleware saw %v, want the halted result", seen)
	}
}

func TestExecutionErrorRollsBack(t *testing.T) {
	for _, fail := range []string{"conflict", "crash"} {
		t.Run(fail, func(t *testing.T) {
			r, db, _ := newRepo(t)
			args, _ := json.Marshal(map[string]string{"text": "x", "fail": fail})
			res := r.Do(context.Background(), repo.Op{Name: "notes.add", Args: args})
			if res.Err == nil {
				t.Fatal("want an error")
			}
			if n := count(t, db); n != 0 {
				t.Fatalf("rows = %d after a failed execution, want 0", n)
			}
		})
	}
}

func TestUnknownOperation(t *testing.T) {
	r, _, _ := newRepo(t)
	res := r.Do(context.Background(), repo.Op{Name: "notes.nope"})
	if blog.ErrorCode(res.Err) != blog.EBADREQUEST {
		t.Fatalf("err = %v, want bad_request", res.Err)
	}
}

func TestLedgerReplay(t *testing.T) {
	r, db, runs := newRepo(t)
	ctx := context.Background()
	first := r.Do(ctx, op("hello", "key-1"))
	if first.Err != nil || first.Replayed {
		t.Fatalf("first = %+v", first)
	}
	again := r.Do(ctx, op("hello", "key-1"))
	if again.Err != nil || !again.Replayed {
		t.Fatalf("repeat = %+v, want a replay", again)
	}
	if string(again.Value) != string(first.Value) {
		t.Fatalf("repeat answered %s, first %s", again.Value, first.Value)
	}
	if *runs != 1 || count(t, db) != 1 {
		t.Fatalf("executions = %d, rows = %d; want 1 and 1", *runs, count(t, db))
	}

	// The key in the context works like op.Key.
	ctxKey := repo.WithKey(ctx, "key-2")
	a := r.Do(ctxKey, op("other", ""))
	b := r.Do(ctxKey, op("other", ""))
	if a.Err != nil || !b.Replayed || count(t, db) != 2 {
		t.Fatalf("context key: a=%+v b=%+v rows=%d", a, b, count(t, db))
	}
}

func TestLedgerMismatch(t *testing.T) {
	r, db, _ := newRepo(t)
	ctx := context.Background()
	if res := r.Do(ctx, op("hello", "k")); res.Err != nil {
		t.Fatal(res.Err)
	}
	res := r.Do(ctx, op("different", "k"))
	if blog.ErrorCode(res.Err) != blog.EINVALID {
		t.Fatalf("reused key for another request: err = %v, want invalid", res.Err)
	}
	if n := count(t, db); n != 1 {
		t.Fatalf("rows = %d, want 1", n)
	}
}

func TestLedgerKeepsRefusals(t *testing.T) {
	r, db, runs := newRepo(t)
	ctx := context.Background()
	args, _ := json.Marshal(map[string]string{"text": "x", "fail": "conflict"})
	o := repo.Op{Name: "notes.add", Args: args, Key: "k"}
	first := r.Do(ctx, o)
	again := r.Do(ctx, o)
	if blog.ErrorCode(first.Err) != blog.ECONFLICT || blog.ErrorCode(again.Err) != blog.ECONFLICT || !again.Replayed {
		t.Fatalf("first = %+v, again = %+v", first, again)
	}
	if *runs != 1 || count(t, db) != 0 {
		t.Fatalf("executions = %d, rows = %d; want 1 and 0", *runs, count(t, db))
	}
	// A passing failure is not kept: a retry may run again.
	args, _ = json.Marshal(map[string]string{"text": "y", "fail": "crash"})
	o = repo.Op{Name: "notes.add", Args: args, Key: "k2"}
	r.Do(ctx, o)
	r.Do(ctx, o)
	if *runs != 3 {
		t.Fatalf("executions = %d, want a crashed write to run again", *runs)
	}
}

func TestValidateKey(t *testing.T) {
	long := make([]byte, 256)
	for i := range long {
		long[i] = 'a'
	}
	for _, tc := range []struct {
		key string
		ok  bool
	}{
		{"a", true},
		{string(long[:255]), true},
		{"", false},
		{string(long), false},
		{"tab\there", false},
		{"r-\xff1", false}, // not UTF-8: would be U+FFFD after forwarding
		{"r-\xfe1", false},
		{"café", false},
		{"with space", false},
		{"~!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}", true},
	} {
		if err := repo.ValidateKey(tc.key); (err == nil) != tc.ok {
			t.Errorf("ValidateKey(%q…) = %v, want ok=%v", tc.key[:min(len(tc.key), 10)], err, tc.ok)
		}
	}
	r, db, _ := newRepo(t)
	res := r.Do(context.Background(), op("x", string(long)))
	if blog.ErrorCode(res.Err) != blog.EINVALID || count(t, db) != 0 {
		t.Fatalf("over-long key: %v, rows %d", res.Err, count(t, db))
	}
}

func TestCall(t *testing.T) {
	r, _, _ := newRepo(t)
	type note struct {
		ID   int64  `json:"id"`
		Text string `json:"text"`
	}
	n, err := repo.Call[note](context.Background(), r, "notes.add", map[string]string{"text": "typed"})
	if err != nil || n.ID == 0 || n.Text != "typed" {
		t.Fatalf("Call = %+v, %v", n, err)
	}
}

func TestLedgerConcurrentRepeats(t *testing.T) {
	r, db, runs := newRepo(t)
	ctx := context.Background()
	done := make(chan *repo.Result)
	for range 8 {
		go func() { done <- r.Do(ctx, op("same", "shared-key")) }()
	}
	replays := 0
	for range 8 {
		res := <-done
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		if res.Replayed {
			replays++
		}
	}
	if *runs != 1 || count(t, db) != 1 || replays != 7 {
		t.Fatalf("executions = %d, rows = %d, replays = %d; want 1, 1, 7", *runs, count(t, db), replays)
	}
}
