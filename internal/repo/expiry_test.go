package repo

import (
	"context"
	"database/sql"
	"encoding/json"
	"testing"
	"time"

	"blog/internal/sqlite/sqlitetest"
)

// TestKeysExpire: a key is kept a day, then forgotten, so the same key may
// carry a new write.
func TestKeysExpire(t *testing.T) {
	db := sqlitetest.Open(t)
	r := New(db)
	clock := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	r.now = func() time.Time { return clock }
	runs := 0
	r.Handle("count", func(ctx context.Context, tx *sql.Tx, args json.RawMessage) (any, error) {
		runs++
		return runs, nil
	})
	ctx := context.Background()
	do := func(key string) *Result {
		res := r.Do(ctx, Op{Name: "count", Args: json.RawMessage(`{}`), Key: key})
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		return res
	}
	keys := func() (n int) {
		if err := db.QueryRow(`SELECT COUNT(*) FROM idempotency_keys`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	do("old")
	clock = clock.Add(KeyTTL - time.Minute)
	if res := do("old"); !res.Replayed || runs != 1 {
		t.Fatalf("a key younger than a day was not replayed: %+v, runs %d", res, runs)
	}
	clock = clock.Add(expiryEvery + 2*time.Minute) // past a day, and past the next sweep
	do("new")
	if n := keys(); n != 1 {
		t.Fatalf("keys after the sweep = %d, want only the new one", n)
	}
	if res := do("old"); res.Replayed || runs != 3 {
		t.Fatalf("an expired key was replayed: %+v, runs %d", res, runs)
	}
}
